"""``verify doctor``: a token held against the authorizer's rules, and agreement with the gateway."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from tests.support.harness import READER_ID, WRITER_ID, Stack, rules


def routes(data: Any) -> dict[str, str]:
    return {r["route"]: r["expected"] for r in data["routes"]}


def test_fresh_client_token_is_decoded_and_its_routes_listed(stack: Stack) -> None:
    r = stack.run("doctor", "--client", "reporting")
    assert r.code == 0, r.text
    assert '"alg": "RS256"' in r.out and '"kid": "b2c-test-key-1"' in r.out
    assert '"scp": "app.read"' in r.out and f'"azp": "{READER_ID}"' in r.out
    assert "the signature is not shown" in r.out
    assert "opens 2 of 3 protected route(s)" in r.out
    data = stack.run("doctor", "--client", "reporting", "--json").json()
    assert all(rule["ok"] for rule in data["rules"])
    assert {"alg", "kid", "signature", "iss", "aud", "exp", "nbf", "iat"} <= set(rules(data))
    assert routes(data) == {"GET /posts": "2xx", "POST /posts": "403", "GET /posts/{id}": "2xx", "GET /health": "2xx"}
    assert data["exitCode"] == 0


def test_token_from_stdin_with_bearer_prefix(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    token = stack.idp.mint(stack.idp.claims_for(WRITER_ID))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"Bearer {token}\n"))
    r = stack.run("doctor", "-", "--json")
    assert r.code == 0
    assert routes(r.json())["POST /posts"] == "2xx"


def test_token_as_argument(stack: Stack) -> None:
    token = stack.idp.mint(stack.idp.claims_for(READER_ID))
    assert stack.run("doctor", token).code == 0


def test_wrong_audience_is_a_401_with_the_rule_named(stack: Stack) -> None:
    claims = stack.idp.claims_for(READER_ID) | {"aud": "99999999-9999-9999-9999-999999999999"}
    r = stack.run("doctor", stack.idp.mint(claims))
    assert r.code == 1
    assert "[FAIL] aud: aud 99999999-9999-9999-9999-999999999999 is not the authorizer's audience" in r.out
    assert "/.default" in r.out
    assert "401 on every protected route" in r.out


def test_client_id_counts_only_when_aud_is_absent(stack: Stack) -> None:
    claims = stack.idp.claims_for(READER_ID)
    del claims["aud"]
    claims["client_id"] = stack.idp.api_client_id
    assert stack.run("doctor", stack.idp.mint(claims)).code == 0
    claims["aud"] = "someone-else"  # aud present: client_id is not consulted
    assert stack.run("doctor", stack.idp.mint(claims)).code == 1


def test_expired_token(stack: Stack) -> None:
    claims = stack.idp.claims_for(READER_ID) | {"exp": int(time.time()) - 600}
    r = stack.run("doctor", stack.idp.mint(claims), "--json")
    assert r.code == 1
    data = r.json()
    assert data["exitCode"] == 1
    assert not rules(data)["exp"]["ok"]
    assert "expired 10 min ago" in rules(data)["exp"]["detail"]
    assert "fresh token" in rules(data)["exp"]["fix"]


def test_clock_skew_option_applies_to_nbf(stack: Stack) -> None:
    now = int(time.time())
    token = stack.idp.mint(stack.idp.claims_for(READER_ID) | {"nbf": now + 20, "iat": now + 20})
    assert stack.run("doctor", token).code == 0  # within the default 30 s
    r = stack.run("doctor", token, "--clock-skew", "5")
    assert r.code == 1
    assert "[FAIL] nbf" in r.out


def test_unknown_kid(stack: Stack) -> None:
    token = stack.idp.mint(stack.idp.claims_for(READER_ID), headers={"kid": "rotated-out"})
    r = stack.run("doctor", token)
    assert r.code == 1
    assert "kid 'rotated-out' is not in the JWKS" in r.out and "(keys: b2c-test-key-1)" in r.out


def test_alg_none_is_rejected_with_an_explanation(stack: Stack) -> None:
    token = stack.idp.mint(stack.idp.claims_for(READER_ID), algorithm="none")
    r = stack.run("doctor", token, "--json")
    assert r.code == 1
    alg = rules(r.json())["alg"]
    assert not alg["ok"] and "unsigned" in alg["detail"] and "only RSA" in alg["detail"]
    assert "signature" not in rules(r.json())  # nothing to verify


def test_hs256_is_rejected_with_an_explanation(stack: Stack) -> None:
    token = stack.idp.mint(stack.idp.claims_for(READER_ID), key="a-shared-secret-of-32-bytes-long!", algorithm="HS256")
    r = stack.run("doctor", token)
    assert r.code == 1
    assert "shared-secret (HMAC)" in r.out


def test_forged_signature(stack: Stack, other_key: RSAPrivateKey) -> None:
    token = stack.idp.mint(stack.idp.claims_for(READER_ID), key=other_key)
    r = stack.run("doctor", token)
    assert r.code == 1
    assert "[FAIL] signature: the signature does not verify" in r.out


def test_roles_instead_of_scp_explains_the_entra_endpoint(stack: Stack) -> None:
    stack.idp.claim = "roles"
    r = stack.run("doctor", "--client", "writer", "--json")
    assert r.code == 1  # valid token, but 403 on every protected route
    data = r.json()
    assert all(rule["ok"] for rule in data["rules"])
    assert set(routes(data).values()) == {"403", "2xx"}  # 2xx only on the public route
    assert "403 on every protected route" in data["verdict"]
    note = " ".join(data["notes"])
    assert "'roles'" in note and "login.microsoftonline.com" in note and "reads only 'scope' or 'scp'" in note


def test_tenant_form_issuer_is_401_but_the_token_is_checked_against_the_policy_keys(stack: Stack) -> None:
    stack.idp.issuer_format = "tenant"
    stack.set_issuer(stack.idp.issuer)
    r = stack.run("doctor", "--client", "reporting", "--json")
    assert r.code == 1
    data = r.json()
    assert not rules(data)["discovery"]["ok"]
    assert "tfp form" in rules(data)["discovery"]["fix"]
    assert rules(data)["signature"]["ok"] and "policy's JWKS" in rules(data)["signature"]["detail"]
    assert rules(data)["iss"]["ok"]
    assert set(routes(data).values()) == {"401", "2xx"}


def test_revoked_grant_shows_up_as_missing_from_the_fresh_token(stack: Stack) -> None:
    stack.idp.grants[WRITER_ID].discard("app.write")
    data = stack.run("doctor", "--client", "writer", "--json").json()
    assert data["exitCode"] == 0  # still opens the read routes
    assert routes(data)["POST /posts"] == "403"
    assert any("lacks it" in n and "revoked" in n for n in data["notes"])


def test_client_without_grants_opens_nothing(stack: Stack) -> None:
    stack.idp.grants[READER_ID] = set()
    r = stack.run("doctor", "--client", "reporting")
    assert r.code == 1
    assert "token scope/scp: none" in r.out


def test_malformed_token(stack: Stack) -> None:
    r = stack.run("doctor", "not-a-jwt")
    assert r.code == 1
    assert "[FAIL] format: not a JWT" in r.out


@pytest.mark.parametrize(
    ("usage", "message"),
    [
        (["--client", "reporting", "eyJhbGciOiJub25lIn0.e30."], "either TOKEN or --client"),
        ([], "give a TOKEN"),
        (["--client", "nobody"], "no client named 'nobody'"),
    ],
)
def test_usage_errors(stack: Stack, usage: list[str], message: str) -> None:
    r = stack.run("doctor", *usage)
    assert r.code == 2
    assert message in r.err


VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "valid": ({}, {}, "RS256"),
    "wrong-aud": ({"aud": "not-the-api"}, {}, "RS256"),
    "expired": ({"exp": int(time.time()) - 120}, {}, "RS256"),
    "future-nbf": ({"nbf": int(time.time()) + 600}, {}, "RS256"),
    "unknown-kid": ({}, {"kid": "nope"}, "RS256"),
    "wrong-iss": ({"iss": "https://login.microsoftonline.com/x/v2.0"}, {}, "RS256"),
    "no-scp": ({"scp": None}, {}, "RS256"),
    "scope-claim": ({"scp": None, "scope": "app.write"}, {}, "RS256"),
    # AWS documents scope/scp but not a list-valued one: the double reads a list as verify does.
    "scp-list": ({"scp": ["app.read", "app.write"]}, {}, "RS256"),
    "alg-none": ({}, {}, "none"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_doctor_predicts_what_the_gateway_answers(stack: Stack, variant: str) -> None:
    overrides, headers, alg = VARIANTS[variant]
    claims = {k: v for k, v in (stack.idp.claims_for(WRITER_ID) | overrides).items() if v is not None}
    token = stack.idp.mint(claims, headers=headers, algorithm=alg)
    predicted = routes(stack.run("doctor", token, "--json").json())
    for route in ("GET /posts", "POST /posts"):
        method, path = route.split(" ")
        got = requests.request(method, stack.gateway.base + path, headers={"Authorization": token}, timeout=2)
        assert predicted[route] == ("2xx" if got.ok else str(got.status_code)), (variant, route)


ABSURD: list[object] = [1e20, 1e308, -1e18, float("nan"), float("inf"), 10**400, "1700000000", True]


def test_absurd_times_are_failed_rules_not_crashes(stack: Stack) -> None:
    for value in ABSURD:  # one stack for all: each value is a fresh token
        claims = stack.idp.claims_for(READER_ID) | {"exp": value, "nbf": value, "iat": value}
        token = stack.idp.mint(claims)
        r = stack.run("doctor", token, "--json")
        assert r.code == 1, (value, r.text)  # never 3
        # Strict JSON: NaN and Infinity are not JSON, whatever Python's json module accepts.
        data = json.loads(r.out, parse_constant=lambda name: pytest.fail(f"{name} in --json output"))
        for claim in ("exp", "nbf", "iat"):
            rule = rules(data)[claim]
            assert not rule["ok"], (value, claim)
            assert "not a plausible time" in rule["detail"] or "not a number" in rule["detail"], (value, claim)
        assert "401 on every protected route" in data["verdict"]
        assert stack.run("doctor", token).code == 1, value  # and the text report
