"""Pure parts: redaction, B2C URL knowledge, route URLs, the forged-signature helper."""

from __future__ import annotations

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.b2c import B2C, parse_issuer
from verify.outputs import parse_route_key
from verify.redact import REDACTED, Redactor
from verify.smoke import route_url
from verify.tokens import tamper, unverified_parts

TENANT = "11111111-2222-3333-4444-555555555555"
TOKEN_URL = "https://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"
TFP = f"https://contosob2c.b2clogin.com/tfp/{TENANT}/B2C_1_susi/v2.0/"
TENANT_FORM = f"https://contosob2c.b2clogin.com/{TENANT}/v2.0/"
SECRET_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-"


@given(
    secret=st.text(alphabet=SECRET_CHARS, min_size=6, max_size=60).filter(lambda s: s not in REDACTED),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_registered_secrets_never_survive(secret: str, before: str, after: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    assert secret not in redactor.scrub(before + secret + after)


@given(claims=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=20), max_size=4))
def test_any_jwt_is_removed_by_its_shape_alone(claims: dict[str, str]) -> None:
    token = jwt.encode(claims, "k" * 32, algorithm="HS256")
    scrubbed = Redactor().scrub(f"error near {token}, retry")
    assert token.split(".")[0] not in scrubbed and token.split(".")[2] not in scrubbed


def test_foreign_text_keeps_codes_guids_and_hosts_but_not_credentials() -> None:
    body = (
        "AADB2C90085: internal error. Correlation ID: 4d1e2c55-0bd5-4e3a-93f5-3a3a4fdc1c3e "
        "host contosob2c.b2clogin.com policy B2C_1_SignUpSignIn_Production "
        'client_secret=abc~DEF.123 "access_token": "opaque-Value" Authorization: Bearer xyz.abc '
        "and a stray Xy7~Qw3.Er5-Ty9_Ui0~Op1.As2-Df3_Gh4"
    )
    out = Redactor().scrub_foreign(body)
    for kept in (
        "AADB2C90085",
        "4d1e2c55-0bd5-4e3a-93f5-3a3a4fdc1c3e",
        "contosob2c.b2clogin.com",
        "B2C_1_SignUpSignIn",
    ):
        assert kept in out
    for gone in ("abc~DEF.123", "opaque-Value", "xyz.abc", "Xy7~Qw3.Er5-Ty9_Ui0~Op1.As2-Df3_Gh4"):
        assert gone not in out


def test_policy_discovery_url_is_derived_from_the_token_url() -> None:
    assert B2C().fallback_discovery_url(TOKEN_URL) == (
        "https://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/B2C_1_susi/v2.0/.well-known/openid-configuration"
    )
    assert B2C().fallback_discovery_url("https://idp.example.com/token") is None


def test_issuer_forms_are_recognised() -> None:
    tfp, tenant = parse_issuer(TFP), parse_issuer(TENANT_FORM)
    assert tfp is not None and (tfp.form, tfp.tenant, tfp.policy) == ("tfp", TENANT, "B2C_1_susi")
    assert tenant is not None and (tenant.form, tenant.policy) == ("tenant", None)
    assert parse_issuer("https://login.microsoftonline.com/x") is None


def test_issuer_fixes_name_the_setting_to_change() -> None:
    b2c = B2C()
    assert "token compatibility issuer claim to the tfp form" in b2c.issuer_mismatch_fix(TFP, TENANT_FORM)
    assert "tenant.issuerFormat to tfp" in b2c.issuer_mismatch_fix(TENANT_FORM, TFP)
    case = b2c.issuer_mismatch_fix(TFP, TFP.replace("B2C_1_susi", "b2c_1_susi"))
    assert "only in letter case" in case and "'b2c_1_susi'" in case
    assert "Microsoft identity platform" in b2c.issuer_mismatch_fix(
        TFP, f"https://login.microsoftonline.com/{TENANT}/v2.0"
    )


def test_token_endpoints_compare_like_b2c_routes_them() -> None:
    b2c = B2C()
    assert b2c.token_endpoint_matches(TOKEN_URL.replace("B2C_1_susi", "b2c_1_susi"), TOKEN_URL)[0]
    assert b2c.token_endpoint_matches(TOKEN_URL.replace("contosob2c.onmicrosoft.com", TENANT), TOKEN_URL)[0]
    assert not b2c.token_endpoint_matches(TOKEN_URL.replace("B2C_1_susi", "B2C_1_other"), TOKEN_URL)[0]
    assert not b2c.token_endpoint_matches(TOKEN_URL.replace("contosob2c.b2clogin", "login.contoso"), TOKEN_URL)[0]


def test_b2c_error_codes_get_their_fix() -> None:
    hints = B2C().token_error_hints('{"error":"invalid_request","error_description":"AADB2C90085: ..."}')
    assert any("AzureADandPersonalMicrosoftAccount" in h for h in hints)


@pytest.mark.parametrize(
    ("api", "path", "url"),
    [
        (
            "https://a.execute-api.eu-west-1.amazonaws.com",
            "/posts/{id}",
            "https://a.execute-api.eu-west-1.amazonaws.com/posts/1",
        ),
        (
            "https://a.execute-api.eu-west-1.amazonaws.com/",
            "/files/{proxy+}",
            "https://a.execute-api.eu-west-1.amazonaws.com/files/1",
        ),
        ("https://a.example.com/dev/", "/a/{x}/b/{y}", "https://a.example.com/dev/a/1/b/1"),
    ],
)
def test_route_urls(api: str, path: str, url: str) -> None:
    assert route_url(api, path) == url


def test_route_keys() -> None:
    assert parse_route_key("GET /posts/{id}") == ("GET", "/posts/{id}")
    assert parse_route_key("$default") == ("ANY", "/")
    assert parse_route_key("GET posts") is None


@given(claims=st.dictionaries(st.sampled_from(["scp", "aud", "iss", "sub"]), st.text(max_size=30), max_size=4))
def test_tamper_keeps_header_and_claims_and_breaks_the_signature(claims: dict[str, str]) -> None:
    token = jwt.encode(claims, "k" * 32, algorithm="HS256")
    forged = tamper(token)
    assert forged is not None and forged != token
    assert forged.rsplit(".", 1)[0] == token.rsplit(".", 1)[0]
    assert unverified_parts(forged) == unverified_parts(token)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, "k" * 32, algorithms=["HS256"])
