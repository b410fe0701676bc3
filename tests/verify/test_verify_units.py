"""Pure parts: redaction, B2C URL knowledge, route URLs, the forged-signature helper."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.harness import leaks
from verify.authorizer import check_times
from verify.b2c import B2C, parse_issuer, parse_token_endpoint
from verify.outputs import is_loopback, parse_route_key
from verify.redact import REDACTED, Redactor, argument_words, hide_arguments
from verify.smoke import route_url
from verify.tokens import tamper, unverified_parts

TENANT = "11111111-2222-3333-4444-555555555555"
TOKEN_URL = "https://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"
TFP = f"https://contosob2c.b2clogin.com/tfp/{TENANT}/B2C_1_susi/v2.0/"
TENANT_FORM = f"https://contosob2c.b2clogin.com/{TENANT}/v2.0/"
SECRET_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-"


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(
    secret=st.text(alphabet=SECRET_CHARS, min_size=6, max_size=60).filter(lambda s: s not in REDACTED),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_registered_secrets_never_survive(secret: str, before: str, after: str) -> None:
    redactor = Redactor()
    redactor.add(secret)
    assert secret not in redactor.scrub(before + secret + after)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
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


TFP_TOKEN_URL = TOKEN_URL.replace(".com/contosob2c.onmicrosoft.com/", ".com/tfp/contosob2c.onmicrosoft.com/")
QUERY_TOKEN_URL = f"https://contosob2c.b2clogin.com/{TENANT}/oauth2/v2.0/token?p=B2C_1_susi"


@pytest.mark.parametrize(
    ("url", "tenant"),
    [
        (TOKEN_URL, "contosob2c.onmicrosoft.com"),
        (TFP_TOKEN_URL, "contosob2c.onmicrosoft.com"),
        (QUERY_TOKEN_URL, TENANT),
    ],
)
def test_token_endpoints_are_parsed_in_all_three_shapes(url: str, tenant: str) -> None:
    endpoint = parse_token_endpoint(url)
    assert endpoint is not None
    assert (endpoint.host, endpoint.tenant, endpoint.policy) == ("contosob2c.b2clogin.com", tenant, "B2C_1_susi")


def test_token_endpoints_in_other_shapes_compare_by_host_tenant_and_policy() -> None:
    b2c = B2C()
    for advertised in (TFP_TOKEN_URL, QUERY_TOKEN_URL, QUERY_TOKEN_URL.replace("B2C_1_susi", "b2c_1_SUSI")):
        assert b2c.token_endpoint_matches(advertised, TOKEN_URL)[0], advertised
    ok, note = b2c.token_endpoint_matches(QUERY_TOKEN_URL.replace("B2C_1_susi", "B2C_1_other"), TOKEN_URL)
    assert not ok and "policy differs" in note
    ok, note = b2c.token_endpoint_matches(
        TFP_TOKEN_URL.replace("contosob2c.onmicrosoft", "fabrikam.onmicrosoft"), TOKEN_URL
    )
    assert not ok and "tenant differs" in note
    for other in (
        "https://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/oauth2/v2.0/token",  # no policy at all
        "https://login.microsoftonline.com/x/oauth2/v2.0/token?p=a&p=b",
    ):
        assert parse_token_endpoint(other) is None


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
    assert parse_route_key("ANY /files/{proxy+}") == ("ANY", "/files/{proxy+}")
    assert parse_route_key("$default") is None  # the program never creates it
    assert parse_route_key("GET posts") is None
    # The program's grammar, not a looser pattern: unknown methods and empty segments are refused.
    assert parse_route_key("FETCH /a//b") is None
    assert parse_route_key("GET /a//b") is None
    assert parse_route_key("GET /a/") is None
    assert parse_route_key("GET /{proxy+}/x") is None


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(claims=st.dictionaries(st.sampled_from(["scp", "aud", "iss", "sub"]), st.text(max_size=30), max_size=4))
def test_tamper_keeps_header_and_claims_and_breaks_the_signature(claims: dict[str, str]) -> None:
    token = jwt.encode(claims, "k" * 32, algorithm="HS256")
    forged = tamper(token)
    assert forged is not None and forged != token
    assert forged.rsplit(".", 1)[0] == token.rsplit(".", 1)[0]
    assert unverified_parts(forged) == unverified_parts(token)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, "k" * 32, algorithms=["HS256"])


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.text(max_size=5),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(exp=NUMBERS, nbf=NUMBERS, iat=NUMBERS, skew=st.floats(min_value=0, max_value=1e6))
def test_time_rules_never_raise_whatever_the_claims(exp: object, nbf: object, iat: object, skew: float) -> None:
    claims = {k: v for k, v in {"exp": exp, "nbf": nbf, "iat": iat}.items() if v is not None}
    rules = check_times(claims, now=1_700_000_000, skew=skew)
    assert rules[0].name == "exp"
    assert all(r.detail for r in rules)


def test_the_leak_check_sees_each_token_segment_and_any_12_characters_of_a_secret() -> None:
    token = jwt.encode({"sub": "x", "scp": "app.read"}, "k" * 32, algorithm="HS256")
    header, claims, signature = token.split(".")
    secret = "wRiT8Q~a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0TuV"
    assert leaks("nothing here", [secret], [token]) == []
    for text in (f"h={header}", f"c={claims}", f"s={signature}", f"part {secret[5:17]} of it"):
        assert leaks(text, [secret], [token]), text
    assert leaks("short " + secret[5:16], [secret], [token]) == []  # 11 characters: too few to tell


def test_arguments_of_16_or_more_characters_are_hidden_in_argparse_messages() -> None:
    secret = "aBcDeFgHiJ8Q~kLmNoPqRsTuVwXyZaBcDeFgHiJk"
    argv = ["smoke", "--timeout", secret, f"--client-secret={secret}", "--outputs", "short.json"]
    message = f"argument --timeout: invalid float value: {secret!r}; unrecognized arguments: --client-secret={secret}"
    hidden = hide_arguments(message, argv, {"--timeout", "--outputs"})
    assert secret not in hidden
    assert hidden.count(REDACTED) == 2 and "--client-secret=[redacted]" in hidden and "--timeout" in hidden


def test_redaction_keeps_a_url_path_ending_in_token_but_not_a_token_field() -> None:
    r = Redactor()
    kept = "POST https://h/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token: no answer within the timeout"
    assert r.scrub_foreign(kept) == kept
    assert r.scrub_foreign("https://h/cb?token=opaqueValue&x=1") == f"https://h/cb?token={REDACTED}&x=1"
    # Credential fields are a shape of text from elsewhere: verify's own "key: detail" lines keep their words.
    own = "azuread:clientSecret: not read by the program; aws:token: is stored as a secret"
    assert r.scrub(own) == own


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("LOCALHOST", True),
        ("localhost.evil.com", False),
        ("10.0.0.1", False),
        ("128.0.0.1", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_argument_naming_an_existing_path_is_shown_unless_it_is_a_name(tmp_path: Path) -> None:
    outputs = tmp_path / "a-long-outputs-file-name.json"
    outputs.write_text("{}", encoding="utf-8")
    missing = str(tmp_path / "no-such-outputs-file.json")
    names = {"--outputs", "--stack", "--client"}
    argv = ["smoke", "--outputs", str(outputs), f"--outputs={missing}", "config", str(tmp_path)]
    assert argument_words(argv, names) == [missing]  # the file and the directory exist: shown
    # --stack and --client take names: hidden when long even if a file of that name exists.
    assert argument_words(["smoke", "--stack", str(outputs)], names) == [str(outputs)]
    assert argument_words([f"--client={outputs}"], names) == [str(outputs)]
    assert argument_words([f"--outputs={outputs}", "x" * 5000], names) == ["x" * 5000]  # too long a name: no path


def test_a_plain_url_argument_is_shown_one_that_can_carry_a_credential_is_not() -> None:
    names = {"--issuer", "--token-url", "--stack"}
    plain = "https://contosob2c.b2clogin.com/tfp/t/B2C_1_susi/v2.0/"
    with_query = "https://h.example/token?client_secret=aBcDeFgHiJ8Q~kLmNoPq"
    with_user = "https://user:aBcDeFgHiJ8Q~kLmNoPq@h.example/token"
    argv = ["preflight", "--issuer", plain, f"--token-url={with_query}", "--token-url", with_user]
    assert argument_words(argv, names) == sorted([with_query, with_user], key=len, reverse=True)
    assert argument_words(["smoke", "--stack", plain], names) == [plain]  # a name, whatever it looks like
    assert argument_words(["preflight", "--issuer", "ftp://h.example/some/long/path"], names) != []
