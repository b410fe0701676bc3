"""A server verify cannot reach at all: every command prints one line naming the URL and the network
error, and exits 4 ("could not check"), not 1 ("checked and failed") and not a report of findings
that were never made."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from tests.support.harness import Result, Stack
from verify.errors import EXIT_UNREACHABLE

REFUSED = "could not connect after 3 tries (Connection refused)"


def _one_line(r: Result, expected: str) -> None:
    assert r.code == EXIT_UNREACHABLE == 4, r.text
    assert r.out == ""
    assert r.err == expected + "\n"


def _token_url(stack: Stack, port: int) -> str:
    url = stack.idp.token_url.replace(stack.idp.base, f"http://127.0.0.1:{port}")
    stack.outputs["tokenUrl"] = url
    return url


def _issuer(stack: Stack, port: int) -> str:
    issuer = f"http://127.0.0.1:{port}/tfp/{stack.idp.tenant_id}/B2C_1_susi/v2.0/"
    stack.set_issuer(issuer)
    return issuer


def test_smoke_with_an_unreachable_token_endpoint(stack: Stack, refused_port: int) -> None:
    url = _token_url(stack, refused_port)
    started = time.monotonic()
    r = stack.run("smoke")
    _one_line(r, f"verify smoke: could not check: the token endpoint cannot be reached: POST {url}: {REFUSED}")
    assert time.monotonic() - started < 2  # one request's retries, not one per client
    assert stack.gateway.hits == []


def test_smoke_with_an_unreachable_api(stack: Stack, refused_port: int) -> None:
    stack.outputs["apiUrl"] = f"http://127.0.0.1:{refused_port}"
    r = stack.run("smoke")
    api = f"http://127.0.0.1:{refused_port}"
    _one_line(r, f"verify smoke: could not check: the API cannot be reached: GET {api}/posts: {REFUSED}")


def test_preflight_with_an_unreachable_issuer(stack: Stack, refused_port: int) -> None:
    issuer = _issuer(stack, refused_port)
    r = stack.run("preflight")
    _one_line(
        r,
        "verify preflight: could not check: the identity server cannot be reached: "
        f"GET {issuer}.well-known/openid-configuration: {REFUSED}",
    )


def test_doctor_with_an_unreachable_token_endpoint(stack: Stack, refused_port: int) -> None:
    url = _token_url(stack, refused_port)
    r = stack.run("doctor", "--client", "reporting")
    _one_line(r, f"verify doctor: could not check: the token endpoint cannot be reached: POST {url}: {REFUSED}")


def test_doctor_with_an_unreachable_issuer(stack: Stack, refused_port: int) -> None:
    token = stack.idp.mint(stack.idp.claims_for("someone"))
    issuer = _issuer(stack, refused_port)
    r = stack.run("doctor", token)
    _one_line(
        r,
        "verify doctor: could not check: the identity server cannot be reached: "
        f"GET {issuer}.well-known/openid-configuration: {REFUSED}",
    )


def test_one_route_answering_late_behind_an_answering_api_is_still_a_finding(stack: Stack) -> None:
    # The gateway answers the other calls: the route's upstream hangs, a finding about that route.
    stack.upstream.delay_for["/health"] = 3.0
    r = stack.run("smoke", "--timeout", "0.2", "--attempts", "1")
    assert r.code == 1


# A server that accepts the connection and never answers (issue 12): no answer within the timeout is
# nothing checked either, so exit 4 and one line naming the URL, like a refused connection.
SILENT = "no answer within 0.3 s"
QUICK = ("--timeout", "0.3", "--attempts", "1")


def test_preflight_with_an_issuer_that_never_answers(stack: Stack, silent_port: int) -> None:
    issuer = _issuer(stack, silent_port)
    r = stack.run("preflight", *QUICK)
    _one_line(
        r,
        "verify preflight: could not check: the identity server gives no answer: "
        f"GET {issuer}.well-known/openid-configuration: {SILENT}",
    )


def test_smoke_with_a_token_endpoint_that_never_answers(stack: Stack, silent_port: int) -> None:
    url = _token_url(stack, silent_port)
    r = stack.run("smoke", *QUICK)
    _one_line(r, f"verify smoke: could not check: the token endpoint gives no answer: POST {url}: {SILENT}")
    assert stack.gateway.hits == []


def test_smoke_with_an_api_that_never_answers(stack: Stack, silent_port: int) -> None:
    api = f"http://127.0.0.1:{silent_port}"
    stack.outputs["apiUrl"] = api
    started = time.monotonic()
    r = stack.run("smoke", *QUICK, "--concurrency", "1")
    _one_line(r, f"verify smoke: could not check: the API gives no answer: GET {api}/posts: {SILENT}")
    # Ended by the first call, which API Gateway answers itself: not one timeout per planned call.
    assert time.monotonic() - started < 1.5


def test_smoke_whose_first_calls_are_public_still_ends_at_the_tokenless_protected_call(
    stack: Stack, silent_port: int
) -> None:
    # The tokenless call to a protected route is sent first even when public routes come first.
    stack.outputs["routes"] = dict(reversed(list(stack.outputs["routes"].items())))
    api = f"http://127.0.0.1:{silent_port}"
    stack.outputs["apiUrl"] = api
    started = time.monotonic()
    r = stack.run("smoke", *QUICK, "--concurrency", "1")
    assert r.code == 4, r.text
    assert r.err.startswith("verify smoke: could not check: the API gives no answer: ")
    assert time.monotonic() - started < 1.5


def test_doctor_with_a_token_endpoint_that_never_answers(stack: Stack, silent_port: int) -> None:
    url = _token_url(stack, silent_port)
    r = stack.run("doctor", "--client", "reporting", *QUICK)
    _one_line(r, f"verify doctor: could not check: the token endpoint gives no answer: POST {url}: {SILENT}")


def test_doctor_with_an_issuer_that_never_answers(stack: Stack, silent_port: int) -> None:
    token = stack.idp.mint(stack.idp.claims_for("someone"))
    issuer = _issuer(stack, silent_port)
    r = stack.run("doctor", token, *QUICK)
    _one_line(
        r,
        "verify doctor: could not check: the identity server gives no answer: "
        f"GET {issuer}.well-known/openid-configuration: {SILENT}",
    )


def test_preflight_with_a_jwks_that_never_answers(stack: Stack) -> None:
    # Discovery answers, the keys it points at do not: still nothing checked about the keys.
    stack.idp.delay_for[urlsplit(stack.idp.jwks_url).path.lower()] = 3.0
    r = stack.run("preflight", *QUICK)
    _one_line(
        r,
        f"verify preflight: could not check: the identity server gives no answer: GET {stack.idp.jwks_url}: {SILENT}",
    )


def test_preflight_with_issuer_and_token_url_options_names_the_url(stack: Stack, silent_port: int) -> None:
    # The URL given as --issuer is 16+ characters: still named, as a plain http(s) URL is no secret.
    issuer = f"http://127.0.0.1:{silent_port}/tfp/{stack.idp.tenant_id}/B2C_1_susi/v2.0/"
    r = stack.run("preflight", "--issuer", issuer, "--token-url", stack.idp.token_url, *QUICK)
    _one_line(
        r,
        "verify preflight: could not check: the identity server gives no answer: "
        f"GET {issuer}.well-known/openid-configuration: {SILENT}",
    )


def test_a_server_that_hangs_up_before_answering_is_could_not_check(stack: Stack, hangup_port: int) -> None:
    # The connection is made and lost before any answer: nothing was checked either.
    url = _token_url(stack, hangup_port)
    r = stack.run("smoke", "--attempts", "1")
    _one_line(r, f"verify smoke: could not check: the token endpoint cannot be reached: POST {url}: could not connect")
    issuer = _issuer(stack, hangup_port)
    r = stack.run("preflight", "--attempts", "1")
    _one_line(
        r,
        "verify preflight: could not check: the identity server cannot be reached: "
        f"GET {issuer}.well-known/openid-configuration: could not connect",
    )
