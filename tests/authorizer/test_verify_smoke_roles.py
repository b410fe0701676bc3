"""``python -m verify smoke`` on an External ID stack: the function from its zip behind the Lambda
gateway double, tokens from the External ID double's token endpoint, statuses from
authorizer/statuses.py (a bad token is refused with 403 there, not 401)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.authorizer_zip import ZipFunction
from tests.support.external_id import READER, READER_SECRET, FakeExternalId
from tests.support.harness import FAST, call, calls, leaks
from tests.support.lambda_gateway import FakeLambdaGateway


def outputs(idp: FakeExternalId, gateway: FakeLambdaGateway) -> dict[str, Any]:
    return {
        "platform": "externalId",
        "apiUrl": gateway.base,
        "tokenUrl": idp.token_url,
        "issuer": idp.issuer,
        "discoveryUrl": idp.issuer + "/.well-known/openid-configuration",
        "audience": idp.api_client_id,
        "scope": f"{idp.app_id_uri}/.default",
        "routes": {"GET /items": ["app.read"], "POST /items": ["app.admin", "app.write"], "GET /health": []},
        "clients": {"reporting": {"clientId": READER, "grants": ["app.read"], "clientSecret": READER_SECRET}},
    }


def smoke(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, idp: FakeExternalId, gateway: FakeLambdaGateway
) -> tuple[int, dict[str, Any], str]:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs(idp, gateway)), encoding="utf-8")
    result = call(capsys, "smoke", *FAST, "--outputs", str(path), "--json", check=False)
    assert not leaks(result.text, [READER_SECRET], idp.issued)
    return result.code, result.json(), result.text


def test_smoke_passes_with_the_grant(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    container: ZipFunction,
    gateway: FakeLambdaGateway,
    idp: FakeExternalId,
) -> None:
    code, data, text = smoke(capsys, tmp_path, idp, gateway)
    assert code == 0, text
    got = {k: (c["expected"], c["got"]) for k, c in calls(data).items()}
    assert got[("(no token)", "GET /items")] == ("401", "401")
    assert got[("(tampered token)", "GET /items")] == ("403", "403")
    assert got[("reporting", "GET /items")] == ("2xx", "200")
    assert got[("reporting", "POST /items")] == ("403", "403")
    assert got[("(no token)", "GET /health")] == ("2xx", "200")


def test_smoke_reports_a_revoked_grant(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    container: ZipFunction,
    gateway: FakeLambdaGateway,
    idp: FakeExternalId,
) -> None:
    idp.grants[READER].clear()
    code, data, text = smoke(capsys, tmp_path, idp, gateway)
    assert code == 1, text
    assert calls(data)[("reporting", "GET /items")]["got"] == "403"
    assert "no 'roles'" in text, "the token hint names the missing grant"
