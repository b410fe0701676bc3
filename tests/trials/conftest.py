"""Fixtures: a copy of the project, the fake pulumi on PATH, the Graph and GitHub doubles."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from tests.support import fake_pulumi
from tests.support.fake_services import FakeGitHub, FakeGraph
from tests.support.fakes import FakeB2C, FakeGateway, FakeUpstream
from tests.support.harness import (
    DEFAULT_CLIENTS,
    READER_ID,
    READER_SECRET,
    ROUTES,
    WRITER_ID,
    WRITER_SECRET,
    stack_outputs,
)

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "trial-stacks-passphrase"
GRAPH_CLIENT_SECRET = "gRaPh8Q~s3cr3tValue0123456789abcdefGHIJ"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the machine's environment reaches the tools: no proxy, no real credentials."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for prefix in ("ARM_", "ACTIONS_ID_TOKEN", "GITHUB_", "TRIAL_", "TRIALS_", "PULUMI_"):
        for name in list(os.environ):
            if name.startswith(prefix):
                monkeypatch.delenv(name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's Pulumi.yaml and examples/ in a scratch directory, which is also the cwd."""
    proj = tmp_path / "project"
    proj.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", proj / "Pulumi.yaml")
    shutil.copytree(ROOT / "examples", proj / "examples")
    monkeypatch.chdir(proj)
    return proj


@pytest.fixture
def pulumi_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake pulumi's state file; the fake is first on PATH, with a passphrase for new stacks."""
    state = tmp_path / "pulumi-state.json"
    exe = fake_pulumi.install(tmp_path / "bin", state)
    monkeypatch.setenv("PATH", f"{exe.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    return state


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGraph]:
    fake = FakeGraph(client_secret=GRAPH_CLIENT_SECRET).start()
    monkeypatch.setenv("TRIALS_GRAPH_URL", fake.base)
    monkeypatch.setenv("TRIALS_LOGIN_URL", fake.base)
    monkeypatch.setenv("ARM_TENANT_ID", fake.tenant_id)
    monkeypatch.setenv("ARM_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("ARM_CLIENT_SECRET", GRAPH_CLIENT_SECRET)
    yield fake
    fake.stop()


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub().start()
    monkeypatch.setenv("GITHUB_API_URL", fake.base)
    monkeypatch.setenv("GITHUB_REPOSITORY", fake.repo)
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def signing_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def deployed(signing_key: RSAPrivateKey) -> Iterator[dict[str, Any]]:
    """What a trial's `pulumi up` leaves: B2C, a gateway and an upstream on loopback, and the outputs."""
    idp = FakeB2C(key=signing_key).start()
    idp.add_client(READER_ID, READER_SECRET, {"app.read"})
    idp.add_client(WRITER_ID, WRITER_SECRET, {"app.read", "app.write"})
    upstream = FakeUpstream().start()
    gateway = FakeGateway(issuer=idp.issuer, audiences=[idp.api_client_id], routes=dict(ROUTES), upstream=upstream.base)
    gateway.start()
    outputs = stack_outputs(idp, gateway, dict(ROUTES), copy.deepcopy(DEFAULT_CLIENTS))
    yield outputs
    for server in (gateway, upstream, idp):
        server.stop()
