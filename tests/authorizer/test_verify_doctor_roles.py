"""``python -m verify doctor`` on an External ID stack predicts what the gateway answers: for each
token variant, doctor's verdict per route equals the status the Lambda gateway double (running the
zip's function) gives. The identity double issues a loopback ``iss`` here, because doctor fetches
discovery from the issuer itself."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.authorizer_zip import GATEWAY_ROUTES, ZipFunction
from tests.support.external_id import READER, READER_SECRET, FakeExternalId
from tests.support.harness import FAST, call, leaks
from tests.support.lambda_gateway import FakeLambdaGateway
from tests.support.lambda_gateway import call as gateway_call


@pytest.fixture(scope="module")
def loopback_idp() -> Iterator[FakeExternalId]:
    keys = {"key-1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    server = FakeExternalId(signing_keys=keys, current_kid="key-1", loopback_issuer=True).start()
    server.add_client(READER, READER_SECRET, {"app.read"})
    yield server
    server.stop()


@pytest.fixture
def gateway(function: ZipFunction, loopback_idp: FakeExternalId) -> Iterator[FakeLambdaGateway]:
    function.cold(
        {
            "AUTHORIZER_ISSUER": loopback_idp.issuer,
            "AUTHORIZER_AUDIENCE": loopback_idp.api_client_id,
        }
    )
    gw = FakeLambdaGateway(invoke=function.invoke, protected=GATEWAY_ROUTES, ttl_seconds=0).start()
    yield gw
    gw.stop()


def outputs_file(tmp_path: Path, idp: FakeExternalId, gateway: FakeLambdaGateway) -> str:
    path = tmp_path / "outputs.json"
    data: dict[str, Any] = {
        "platform": "externalId",
        "apiUrl": gateway.base,
        "tokenUrl": idp.token_url,
        "issuer": idp.issuer,
        "audience": idp.api_client_id,
        "scope": f"{idp.app_id_uri}/.default",
        "routes": {"GET /items": ["app.read"], "POST /items": ["app.admin", "app.write"], "GET /health": []},
        "clients": {"reporting": {"clientId": READER, "grants": ["app.read"], "clientSecret": READER_SECRET}},
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


NOW = int(time.time())
VARIANTS: dict[str, dict[str, Any]] = {
    "valid": {},
    "expired": {"iat": NOW - 7200, "nbf": NOW - 7200, "exp": NOW - 3600},
    "wrong audience": {"aud": "00000000-0000-0000-0000-000000000000"},
    "user token (scp, no roles)": {"roles": None, "scp": "app.read"},
    "no roles": {"roles": None},
    "admin role": {"roles": ["app.admin"]},
}


@pytest.mark.parametrize("variant", [*VARIANTS, "RS384"])
def test_doctor_predicts_what_the_gateway_answers(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    loopback_idp: FakeExternalId,
    gateway: FakeLambdaGateway,
    variant: str,
) -> None:
    if variant == "RS384":
        token = jwt.encode(
            loopback_idp.claims_for(READER),
            loopback_idp.signing_keys["key-1"],
            algorithm="RS384",
            headers={"kid": "key-1"},
        )
    else:
        token = loopback_idp.token(READER, **VARIANTS[variant])
    result = call(
        capsys,
        "doctor",
        *FAST,
        "--outputs",
        outputs_file(tmp_path, loopback_idp, gateway),
        token,
        "--json",
        check=False,
    )
    assert not leaks(result.text, [READER_SECRET], [token])
    predicted = {r["route"]: r["expected"] for r in result.json()["routes"]}
    for route in ("GET /items", "POST /items"):
        method, path = route.split(" ")
        status, _ = gateway_call(gateway.base, method, path, f"Bearer {token}")
        assert predicted[route] == ("2xx" if status == 200 else str(status)), (variant, route, result.text)


def test_doctor_names_a_user_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, loopback_idp: FakeExternalId, gateway: FakeLambdaGateway
) -> None:
    token = loopback_idp.token(READER, roles=None, scp="app.read")
    result = call(
        capsys, "doctor", *FAST, "--outputs", outputs_file(tmp_path, loopback_idp, gateway), token, check=False
    )
    assert result.code == 1
    assert "delegated user token" in result.text


def test_preflight_passes_on_the_external_id_tenant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, loopback_idp: FakeExternalId, gateway: FakeLambdaGateway
) -> None:
    result = call(capsys, "preflight", *FAST, "--outputs", outputs_file(tmp_path, loopback_idp, gateway), "--json")
    data = result.json()
    assert result.code == 0, result.text
    assert {c["check"]: c["status"] for c in data["checks"]} == {
        "discovery": "ok",
        "issuer": "ok",
        "jwks": "ok",
        "token-endpoint": "ok",
    }


def test_preflight_warns_of_a_b2c_shaped_issuer_on_external_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, loopback_idp: FakeExternalId, gateway: FakeLambdaGateway
) -> None:
    path = outputs_file(tmp_path, loopback_idp, gateway)
    data = json.loads(Path(path).read_text())
    data["issuer"] += "/"
    Path(path).write_text(json.dumps(data))
    result = call(capsys, "preflight", *FAST, "--outputs", path, "--json", check=False)
    checks = {c["check"]: c for c in result.json()["checks"]}
    assert checks["issuer-shape"]["status"] == "warn"
    assert checks["issuer"]["status"] == "fail"
