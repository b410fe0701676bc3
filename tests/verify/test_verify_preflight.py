"""``verify preflight`` against the B2C double: the issuer/discovery trap and its fixes."""

from __future__ import annotations

import socket
from typing import Any

from tests.verify.harness import Stack


def checks(data: Any) -> dict[str, dict[str, str]]:
    return {c["check"]: c for c in data["checks"]}


def test_tfp_issuer_passes_every_check(stack: Stack) -> None:
    r = stack.run("preflight")
    assert r.code == 0, r.text
    assert "[ok]   discovery" in r.out
    assert "[ok]   issuer" in r.out
    assert "RSA key(s) (b2c-test-key-1)" in r.out
    data = stack.run("preflight", "--json").json()
    assert data["ok"] is True
    assert {c["status"] for c in data["checks"]} == {"ok"}
    assert data["discoveryUrl"] == stack.idp.issuer + ".well-known/openid-configuration"


def test_default_tenant_form_issuer_has_no_discovery_and_says_to_switch_to_tfp(stack: Stack) -> None:
    # B2C's default iss; the stack deployed with tenant.issuerFormat = tenant.
    stack.idp.issuer_format = "tenant"
    stack.set_issuer(stack.idp.issuer)
    r = stack.run("preflight")
    assert r.code == 1
    assert "[FAIL] discovery" in r.out and "HTTP 404" in r.out
    assert "every token will be rejected with 401" in r.out
    assert "set the user flow's token compatibility issuer claim to the tfp form" in r.out
    assert "tenant.issuerFormat to tfp" in r.out
    # The policy's own discovery (derived from tokenUrl) shows what B2C advertises.
    assert stack.idp.policy_discovery_url in r.out
    assert f"advertises issuer {stack.idp.issuer}" in r.out
    data = checks(stack.run("preflight", "--json").json())
    assert data["discovery"]["status"] == "fail"
    assert data["policy-discovery"]["status"] == "info"
    assert data["jwks"]["status"] == "ok"  # the keys themselves are fine
    assert data["issuer"]["status"] == "ok"  # B2C does write this iss; API Gateway just cannot find keys


def test_discovery_missing_and_b2c_writing_another_issuer_names_both(stack: Stack) -> None:
    # The outputs use the tenant form, but the user flow was already switched to tfp.
    stack.set_issuer(stack.idp.issuer_for("tenant"))
    data = stack.run("preflight", "--json").json()
    c = checks(data)
    assert c["discovery"]["status"] == "fail"
    assert f"set the issuer to exactly {stack.idp.issuer}" in c["discovery"]["fix"]
    assert c["issuer"]["status"] == "fail"
    assert "tenant.issuerFormat to tfp" in c["issuer"]["fix"]


def test_user_flow_still_writing_tenant_form_fails_the_issuer_check(stack: Stack) -> None:
    stack.idp.issuer_format = "tenant"  # the stack outputs keep the tfp issuer
    r = stack.run("preflight", "--json")
    assert r.code == 1
    c = checks(r.json())
    assert c["discovery"]["status"] == "ok"
    assert c["issuer"]["status"] == "fail"
    assert "byte for byte" in c["issuer"]["detail"]
    assert "token compatibility issuer claim to the tfp form" in c["issuer"]["fix"]


def test_policy_name_differing_only_in_case_is_called_out(stack: Stack) -> None:
    stack.idp.iss_policy = "b2c_1_susi"  # B2C writes the policy lower-cased into iss
    r = stack.run("preflight")
    assert r.code == 1
    assert "only in letter case" in r.out
    assert "'B2C_1_susi' configured, 'b2c_1_susi' from B2C" in r.out
    assert "set tenant.policy to 'b2c_1_susi'" in r.out


def test_jwks_without_rsa_keys_fails(stack: Stack) -> None:
    stack.idp.rsa_in_jwks = False
    stack.idp.extra_keys = [{"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": "AA", "y": "AA", "use": "sig"}]
    c = checks(stack.run("preflight", "--json").json())
    assert c["jwks"]["status"] == "fail"
    assert "no RSA signing key" in c["jwks"]["detail"]


def test_token_url_of_another_policy_fails_and_case_only_difference_passes(stack: Stack) -> None:
    stack.outputs["tokenUrl"] = stack.idp.token_url.replace("B2C_1_susi", "B2C_1_other")
    c = checks(stack.run("preflight", "--json").json())
    assert c["token-endpoint"]["status"] == "fail"
    assert "policy differs" in c["token-endpoint"]["detail"]

    stack.outputs["tokenUrl"] = stack.idp.token_url.replace("B2C_1_susi", "b2c_1_susi")
    r = stack.run("preflight", "--json")
    assert r.code == 0
    assert "ignores case" in checks(r.json())["token-endpoint"]["detail"]


def test_unreachable_issuer_host_fails_quickly_with_bounded_retries(stack: Stack) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens there now: connection refused on every try.
    stack.set_issuer(f"http://127.0.0.1:{port}/tfp/{stack.idp.tenant_id}/B2C_1_susi/v2.0/")
    r = stack.run("preflight", "--json")
    assert r.code == 1
    c = checks(r.json())
    assert "could not connect after 3 tries" in c["discovery"]["detail"]
