"""Rules a mutation review found unpinned: exact iss, skew, missing claims, JWKS size, --no-writes,
warnings, exit codes, redaction of known values whatever their shape, the Retry-After ceiling."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
import requests

from tests.support.fakes import FakeB2C, json_reply
from tests.support.harness import ENTRA_SECRET, READER_ID, WRITER_ID, Stack, calls, checks, leaks, rules
from verify import doctor, smoke
from verify.http import HttpClient, HttpSettings

# API Gateway's limit (AWS "HTTP API quotas"), written out: the test pins the number, not verify's constant.
JWKS_MAX_BYTES = 150_000
# Shaped like an Entra client secret, with a single digit: no shape-based scrubbing catches it, only
# its registration as a known value does.
# An opaque (non-JWT) access token without digits: likewise invisible to the shape-based scrubbing.
OPAQUE_TOKEN = "oPaQuEaCcEsStOkEnVaLuE~wItHnOdIgItS-xYzAbCdEfGhIjKlMn"


def gateway_status(stack: Stack, token: str, path: str = "/posts") -> int:
    return requests.get(stack.gateway.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=2).status_code


def refused_by_doctor_and_gateway(stack: Stack, token: str, rule: str) -> dict[str, Any]:
    """doctor fails ``token`` on ``rule`` (exit 1) and the gateway double answers 401: the rule as reported."""
    r = stack.run("doctor", token, "--json")
    assert r.code == 1, r.out
    found = rules(r.json())[rule]
    assert not found["ok"], found
    assert gateway_status(stack, token) == 401
    return found


def add_route(stack: Stack, key: str, scopes: list[str]) -> None:
    """A route in the outputs and on the deployed stage."""
    stack.outputs["routes"][key] = scopes
    stack.gateway.routes[key] = scopes


def use_secret(stack: Stack, secret: str) -> None:
    """The reporting client's secret, in the outputs and in B2C."""
    stack.outputs["clients"]["reporting"]["clientSecret"] = secret
    stack.idp.clients[READER_ID] = secret


# --- doctor: the authorizer's rules ---------------------------------------------------------------


def test_iss_differing_only_in_the_policy_case_fails_doctor_and_gets_401_from_the_gateway(stack: Stack) -> None:
    """API Gateway compares iss byte for byte, although B2C ignores case in policy names."""
    claims = stack.idp.claims_for(WRITER_ID) | {"iss": stack.idp.issuer_for("tfp", "b2c_1_susi")}
    iss = refused_by_doctor_and_gateway(stack, stack.idp.mint(claims), "iss")
    assert "letter case" in iss["fix"]


@pytest.mark.parametrize(("exp_in", "ok"), [(-5, True), (-60, False), (10, True)])
def test_exp_is_judged_with_the_default_30_s_clock_skew(stack: Stack, exp_in: int, ok: bool) -> None:
    claims = stack.idp.claims_for(READER_ID) | {"exp": int(time.time()) + exp_in}
    r = stack.run("doctor", stack.idp.mint(claims), "--json")
    assert rules(r.json())["exp"]["ok"] is ok, r.out
    assert r.code == (0 if ok else 1)


def test_a_token_without_kid_fails_the_kid_rule(stack: Stack) -> None:
    # Encoded here: the double's mint() always sets a kid.
    token = jwt.encode(stack.idp.claims_for(READER_ID), stack.idp.key, algorithm="RS256", headers={"typ": "JWT"})
    stack.idp.issued.append(token)
    assert "kid" not in jwt.get_unverified_header(token)
    assert "no kid" in refused_by_doctor_and_gateway(stack, token, "kid")["detail"]


def test_a_token_without_exp_fails_the_exp_rule(stack: Stack) -> None:
    claims = stack.idp.claims_for(READER_ID)
    del claims["exp"]
    assert "no exp claim" in refused_by_doctor_and_gateway(stack, stack.idp.mint(claims), "exp")["detail"]


# --- JWKS size ------------------------------------------------------------------------------------


def serve_jwks_of_size(idp: FakeB2C, size: int) -> None:
    """Pad the double's JWKS with a non-RSA key so its body is exactly ``size`` bytes."""
    filler: dict[str, str] = {"kty": "oct", "kid": "padding", "k": ""}
    filler["k"] = "A" * (size - len(json.dumps({"keys": [idp.jwk(), filler]}).encode()))
    idp.extra_keys = [filler]
    assert len(requests.get(idp.jwks_url, timeout=2).content) == size


def test_preflight_fails_a_jwks_just_over_150000_bytes_and_passes_one_at_the_limit(stack: Stack) -> None:
    serve_jwks_of_size(stack.idp, JWKS_MAX_BYTES + 1)
    r = stack.run("preflight", "--json")
    assert r.code == 1
    jwks = checks(r.json())["jwks"]
    assert jwks["status"] == "fail" and "150001 bytes" in jwks["detail"] and "at most 150000" in jwks["detail"]

    serve_jwks_of_size(stack.idp, JWKS_MAX_BYTES)
    r = stack.run("preflight", "--json")
    assert r.code == 0, r.out
    assert checks(r.json())["jwks"]["status"] == "ok"


def test_doctor_fails_the_jwks_rule_when_the_jwks_is_over_150000_bytes(stack: Stack) -> None:
    serve_jwks_of_size(stack.idp, JWKS_MAX_BYTES + 1)
    r = stack.run("doctor", "--client", "reporting", "--json")
    assert r.code == 1
    jwks = rules(r.json())["jwks"]
    assert not jwks["ok"] and "at most 150000" in jwks["detail"]


# --- smoke ----------------------------------------------------------------------------------------


def test_no_writes_sends_no_authorised_put_or_patch_and_lists_them_as_skipped(stack: Stack) -> None:
    add_route(stack, "PUT /posts/{id}", ["app.write"])
    add_route(stack, "PATCH /posts/{id}", ["app.write"])
    r = stack.run("smoke", "--json", "--no-writes")
    assert r.code == 0, r.out
    assert not [h for h in stack.upstream.hits if h[0] in ("PUT", "PATCH")]
    c = calls(r.json())
    for route in ("PUT /posts/{id}", "PATCH /posts/{id}"):
        assert (c[("writer", route)]["got"], c[("writer", route)]["ok"]) == ("skipped", True)
        assert c[("reporting", route)]["got"] == "403"  # refused by the authorizer: sent


def test_any_routes_are_called_with_get(stack: Stack) -> None:
    add_route(stack, "ANY /things", ["app.read"])
    assert stack.run("smoke").code == 0
    methods = [m for m, path, _ in stack.upstream.hits if path == "/things"]
    assert methods and set(methods) == {"GET"}


def test_a_429_that_persists_through_every_retry_is_a_mismatch(stack: Stack) -> None:
    """429 is a status API Gateway answers itself (throttling): it never proves the authorizer let the call by."""
    stack.upstream.status_for["GET /posts"] = 429
    r = stack.run("smoke", "--json")
    assert r.code == 1
    row = calls(r.json())[("reporting", "GET /posts")]
    assert (row["expected"], row["got"], row["ok"], row["attempts"]) == ("2xx", "429", False, 3)
    assert "throttled after 3 tries" in row["note"]


# --- exit codes (README "Exit codes") -------------------------------------------------------------


def test_doctor_client_whose_token_request_fails_exits_1(stack: Stack) -> None:
    stack.idp.clients[READER_ID] = "rotated~In~B2C~0123456789abcdefGHIJKLmno"  # the outputs hold the old one
    r = stack.run("doctor", "--client", "reporting")
    assert r.code == 1
    assert "token endpoint answered HTTP 401" in r.err


def test_a_stack_without_protected_routes_passes_smoke_and_doctor(stack: Stack) -> None:
    stack.outputs["routes"] = {"GET /health": []}
    r = stack.run("smoke", "--json")
    assert r.code == 0, r.out
    assert [(c["caller"], c["got"]) for c in r.json()["calls"]] == [("(no token)", "200")]
    assert stack.run("doctor", "--client", "reporting").code == 0


def test_preflight_with_only_a_warning_exits_0(stack: Stack) -> None:
    stack.outputs["discoveryUrl"] = stack.idp.policy_discovery_url  # served, but not where API Gateway looks
    r = stack.run("preflight", "--json")
    assert r.code == 0, r.out
    assert {c["status"] for c in r.json()["checks"]} == {"ok", "warn"}


# --- preflight warnings and the token endpoint ----------------------------------------------------


def test_issuer_without_trailing_slash_is_warned_about(stack: Stack) -> None:
    stack.set_issuer(stack.idp.issuer.rstrip("/"))
    del stack.outputs["discoveryUrl"]
    issuer_shape = checks(stack.run("preflight", "--json").json())["issuer-shape"]
    assert issuer_shape["status"] == "warn" and "does not end with '/'" in issuer_shape["detail"]


def test_discovery_url_output_elsewhere_than_api_gateway_looks_is_warned_about(stack: Stack) -> None:
    stack.outputs["discoveryUrl"] = stack.idp.policy_discovery_url
    output = checks(stack.run("preflight", "--json").json())["discoveryUrl-output"]
    assert output["status"] == "warn"
    assert stack.idp.policy_discovery_url in output["detail"]
    assert stack.idp.issuer + ".well-known/openid-configuration" in output["detail"]


CONTOSO_TOKEN_URL = "https://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"


@pytest.mark.parametrize(
    ("advertised", "detail"),
    [
        (CONTOSO_TOKEN_URL.replace("//contosob2c.b2clogin", "//fabrikamb2c.b2clogin"), "host differs"),
        ("https://contosob2c.b2clogin.com/oauth/token", "advertised https://contosob2c.b2clogin.com/oauth/token"),
    ],
    ids=["other-host", "not-a-b2c-endpoint"],
)
def test_advertised_token_endpoint_of_another_host_or_shape_fails(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, advertised: str, detail: str
) -> None:
    # The issuer's discovery is served, so tokenUrl is only compared, never fetched.
    stack.outputs["tokenUrl"] = CONTOSO_TOKEN_URL
    doc = stack.idp.discovery_doc() | {"token_endpoint": advertised}
    monkeypatch.setattr(stack.idp, "discovery_doc", lambda: doc)
    r = stack.run("preflight", "--json")
    assert r.code == 1
    endpoint = checks(r.json())["token-endpoint"]
    assert endpoint["status"] == "fail" and detail in endpoint["detail"]


# --- redaction of known values --------------------------------------------------------------------


def test_a_low_digit_secret_echoed_by_the_token_endpoint_is_redacted(stack: Stack) -> None:
    use_secret(stack, ENTRA_SECRET)
    body = {"error": "invalid_client", "error_description": f"AADB2C90081: the secret {ENTRA_SECRET} expired"}
    stack.idp.token_error_for[READER_ID] = json_reply(401, body)
    r = stack.run("smoke")
    assert r.code == 1
    assert "AADB2C90081: the secret [redacted] expired" in r.out
    assert not leaks(r.text, [ENTRA_SECRET], [])


def test_an_internal_error_traceback_hides_a_low_digit_secret(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    use_secret(stack, ENTRA_SECRET)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected, while holding {ENTRA_SECRET}")

    monkeypatch.setattr(smoke, "run", boom)
    r = stack.run("smoke")
    assert r.code == 3
    assert "RuntimeError: unexpected, while holding [redacted]" in r.err
    assert not leaks(r.text, [ENTRA_SECRET], [])


@pytest.mark.parametrize("given", [False, True], ids=["fetched", "given"])
def test_an_internal_error_traceback_hides_an_opaque_token(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, given: bool
) -> None:
    """Fetched with --client or given as TOKEN, a token is redacted as a known value, JWT or not."""
    stack.idp.issued.append(OPAQUE_TOKEN)  # the harness's leak check looks for it too
    stack.idp.token_queue.append(json_reply(200, {"access_token": OPAQUE_TOKEN, "token_type": "Bearer"}))

    def boom(ctx: object, token: str, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected, while holding {token}")

    monkeypatch.setattr(doctor, "diagnose", boom)
    r = stack.run("doctor", *([OPAQUE_TOKEN] if given else ["--client", "reporting"]))
    assert r.code == 3
    assert "RuntimeError: unexpected, while holding [redacted]" in r.err
    assert not leaks(r.text, [], [OPAQUE_TOKEN])


# --- HTTP -----------------------------------------------------------------------------------------


def test_retry_after_is_capped_at_the_backoff_ceiling(idp: FakeB2C) -> None:
    """A 429 with Retry-After: 3600 must not stall a CI run for an hour."""
    assert HttpSettings().pause(1, "3600") == 8.0
    assert HttpSettings(backoff_max=2.0).pause(1, "3600") == 2.0
    idp.token_queue.append(json_reply(429, {"error": "throttled"}, {"Retry-After": "3600"}))
    pauses: list[float] = []
    http = HttpClient(HttpSettings(timeout=2, attempts=2, backoff_base=0.01), sleep=pauses.append)
    response = http.request("POST", idp.token_url, data={"grant_type": "none"}, retry=True)
    assert (response.attempts, pauses) == (2, [8.0])
