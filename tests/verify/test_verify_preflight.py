"""``verify preflight`` against the B2C double: the issuer/discovery trap and its fixes."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.harness import Stack, call, checks


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


def test_discovery_timeout_is_could_not_check_quickly_and_names_the_timeout(stack: Stack) -> None:
    # Issue 12: no answer is nothing checked (exit 4, one line), not "every token will be rejected
    # with 401" and a tenant id / policy name to check (exit 1).
    stack.idp.delay_for[urlsplit(stack.idp.issuer).path.lower() + ".well-known/openid-configuration"] = 5.0
    started = time.monotonic()
    r = stack.run("preflight", "--json", "--timeout", "0.2", "--attempts", "2")
    assert time.monotonic() - started < 4.5
    assert r.code == 4
    assert r.json()["ok"] is False
    assert r.json()["error"] == (
        "could not check: the identity server gives no answer: "
        f"GET {stack.idp.issuer}.well-known/openid-configuration: no answer within 0.2 s after 2 tries"
    )


def test_before_the_first_deploy_issuer_and_token_url_need_no_outputs(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No pulumi on PATH and no --outputs: reading the outputs would be a usage error (exit 2).
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    args = ["preflight", "--issuer", stack.idp.issuer, "--token-url", stack.idp.token_url, "--json"]
    r = call(capsys, *args, idp=stack.idp)
    assert r.code == 0, r.text
    assert r.json()["issuer"] == stack.idp.issuer
    assert {c["status"] for c in r.json()["checks"]} == {"ok"}
    # The same with the default tenant-form issuer: the trap, found before `pulumi up`.
    r = call(capsys, "preflight", "--issuer", stack.idp.issuer_for("tenant"), "--token-url", stack.idp.token_url)
    assert r.code == 1
    assert "set the user flow's token compatibility issuer claim to the tfp form" in r.out
    # One of the two alone still reads the outputs.
    assert call(capsys, "preflight", "--issuer", stack.idp.issuer).code == 2


def test_issuer_option_overrides_the_output(stack: Stack) -> None:
    r = stack.run("preflight", "--json", "--issuer", stack.idp.issuer_for("tenant"))
    assert r.code == 1
    data = r.json()
    assert data["issuer"] == stack.idp.issuer_for("tenant")
    assert "discoveryUrl-output" not in checks(data)  # the output describes another issuer


@pytest.mark.parametrize(
    ("option", "url"),
    [
        ("--issuer", "http://contosob2c.b2clogin.com/tfp/x/B2C_1_susi/v2.0/"),
        ("--token-url", "http://10.0.0.8/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"),
        ("--token-url", "not a url"),
    ],
)
def test_issuer_and_token_url_options_must_be_https_off_loopback(
    stack: Stack, capsys: pytest.CaptureFixture[str], option: str, url: str
) -> None:
    other = "--token-url" if option == "--issuer" else "--issuer"
    r = call(capsys, "preflight", option, url, other, stack.idp.issuer, idp=stack.idp)
    assert r.code == 2
    assert option in r.err
    assert stack.idp.log == []  # nothing was sent
