"""The pack as Pulumi loads it: PulumiPolicy.yaml, the entry point, its environment, its config schema and
the example config file, and the docs that tell a user how to run it."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
import tomllib
from importlib import metadata
from typing import Any
from unittest import mock

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel

from components.config import MAX_SECRET_DAYS
from policy.rules import PACK_NAME, POLICIES
from tests.support.policy_harness import (
    PACK_DIR,
    ConfigError,
    analyze,
    policy_infos,
    reconcile_config,
    run_program,
)

ROOT = PACK_DIR.parent
DOC = ROOT / "docs" / "policy.md"
EXAMPLE_CONFIG = PACK_DIR / "config.example.json"


def test_the_entry_point_only_builds_the_pack_from_the_tested_policies() -> None:
    # Pulumi's Python analyzer shim runs `python -m pulumi.policy <engine> .` in the pack's directory,
    # which is runpy.run_path on that directory (pulumi/policy/__main__.py).
    built: list[dict[str, Any]] = []
    saved = list(sys.path)
    try:
        with mock.patch("pulumi_policy.PolicyPack", lambda **kwargs: built.append(kwargs)):
            runpy.run_path(str(PACK_DIR), run_name="__main__")
    finally:
        sys.path[:] = saved
    assert len(built) == 1
    assert built[0]["name"] == PACK_NAME
    assert built[0]["policies"] == list(POLICIES)
    assert built[0]["enforcement_level"] is EnforcementLevel.MANDATORY


def test_pulumi_policy_yaml_runs_the_pack_in_the_projects_locked_environment() -> None:
    pack = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert pack["runtime"]["name"] == project["runtime"]["name"] == "python"
    assert pack["runtime"]["options"]["toolchain"] == project["runtime"]["options"]["toolchain"] == "uv"
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(pack["version"]))
    # The shim resolves the virtualenv against the pack's directory; the project's against the root.
    pack_env = (PACK_DIR / pack["runtime"]["options"]["virtualenv"]).resolve()
    assert pack_env == (ROOT / project["runtime"]["options"]["virtualenv"]).resolve()


def test_the_packs_dependencies_are_the_locked_policy_group_installed_by_default() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "policy" in pyproject["tool"]["uv"]["default-groups"]
    assert any(d.startswith("pulumi-policy") for d in pyproject["dependency-groups"]["policy"])
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {p["name"]: p["version"] for p in lock["package"]}
    assert metadata.version("pulumi-policy") == locked["pulumi-policy"]
    # One environment: a requirements.txt here would be a second, unlocked list that could drift.
    assert not (PACK_DIR / "requirements.txt").exists()


def test_policy_names_are_unique_and_each_is_documented() -> None:
    names = [p.name for p in POLICIES]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", n) for n in names)
    doc = DOC.read_text()
    documented = set(re.findall(r"^### `([a-z0-9-]+)`", doc, re.M))
    assert documented == set(names)


def test_the_secret_limit_defaults_to_the_programs_own() -> None:
    schema = policy_infos()["azuread-password-lifetime"]["configSchema"]["properties"]["maxSecretDays"]
    assert schema["default"] == MAX_SECRET_DAYS == 730


def test_the_example_config_is_valid_and_names_only_real_policies() -> None:
    config = json.loads(EXAMPLE_CONFIG.read_text())
    assert set(config) - {"all"} <= {p.name for p in POLICIES}
    reconciled = reconcile_config(None, config)
    assert reconciled["azuread-password-lifetime"]["properties"]["maxSecretDays"] == 365
    assert reconciled["apigw-access-log-retention"]["enforcementLevel"] == "advisory"
    assert reconciled["apigw-route-authorization"]["enforcementLevel"] == "mandatory"


def test_the_example_stack_passes_the_pack_under_the_example_config() -> None:
    from tests.support.example import DEV_CONFIG

    assert analyze(run_program(DEV_CONFIG).resources, config=json.loads(EXAMPLE_CONFIG.read_text())).items == []


@pytest.mark.parametrize(
    ("config", "error"),
    [
        (
            {"azuread-password-lifetime": {"maxSecretDays": 0}},
            "azuread-password-lifetime: 0 is less than the minimum of 1",
        ),
        ({"azuread-password-lifetime": {"maxSecretDays": "365"}}, "'365' is not of type 'integer'"),
        ({"apigw-public-routes-declared": {"allowedPublicRoutes": ["health"]}}, "'health' does not match"),
        ({"all": "loud"}, "'loud' is not a valid enforcement level"),
        ({"apigw-route-authorization": 3}, "must be a string or object"),
    ],
)
def test_a_bad_pack_config_is_refused_by_the_schema(config: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(error)):
        reconcile_config(None, config)


def test_the_docs_show_the_preview_command_with_the_example_config() -> None:
    doc = DOC.read_text()
    assert "pulumi preview --policy-pack policy --policy-pack-config policy/config.example.json" in doc
    assert "pulumi up --policy-pack policy" in doc
    assert json.loads(EXAMPLE_CONFIG.read_text()) == json.loads(
        re.search(r"policy/config\.example\.json`:\n\n```json\n(.*?)```", doc, re.S).group(1)
    )
    readme = (ROOT / "README.md").read_text()
    assert "pulumi preview --policy-pack policy" in readme


def test_no_deploy_runs_the_pack_with_skip_preview() -> None:
    """With --skip-preview the stack policies (apigw-public-routes-declared) first run after the update
    has created what they refuse; without it, `pulumi up` previews, and a violation stops it before."""
    runs = [
        line.strip()
        for workflow in sorted((ROOT / ".github" / "workflows").glob("*.yml"))
        for line in workflow.read_text().splitlines()
        if re.search(r"\brun: .*\bpulumi up\b", line)
    ]
    assert runs, "the deploy workflow runs pulumi up"
    for run in runs:
        assert "--policy-pack policy" in run, run
        assert "--skip-preview" not in run, run
    assert "Never `pulumi up --skip-preview`" in DOC.read_text()


def test_the_pack_serves_the_analyzer_protocol_when_started_as_pulumi_starts_it() -> None:
    # What pulumi-analyzer-policy-python runs, in the pack's directory: `python -u -m pulumi.policy
    # <engine address> .`; PolicyPack prints the port of its gRPC server. The test plays the engine.
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:9", "."],
        cwd=PACK_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
            assert info.name == PACK_NAME
            assert [p.name for p in info.policies] == [p.name for p in POLICIES]
            assert {p.enforcementLevel for p in info.policies} == {proto.MANDATORY}
            properties = struct_pb2.Struct()
            properties.update({"routeKey": "GET /posts", "authorizationType": "JWT", "authorizerId": "abc1234"})
            answer = analyzer.Analyze(
                proto.AnalyzeRequest(
                    urn="urn:pulumi:dev::b2c-apigw::aws:apigatewayv2/route:Route::r",
                    type="aws:apigatewayv2/route:Route",
                    name="r",
                    properties=properties,
                ),
                timeout=10,
            )
        (diagnostic,) = answer.diagnostics
        assert (diagnostic.policyName, diagnostic.enforcementLevel) == ("apigw-route-authorization", proto.MANDATORY)
        assert "route 'r' (GET /posts): is a JWT route that demands no scope" in diagnostic.message
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
