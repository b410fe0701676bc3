"""``verify smoke`` end to end against the loopback B2C, gateway and upstream doubles."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

from tests.support.fakes import json_reply
from tests.support.harness import READER_ID, READER_SECRET, WRITER_ID, WRITER_SECRET, Stack, calls


def test_seed_scenario_every_status_as_the_grants_say(stack: Stack) -> None:
    r = stack.run("smoke")
    assert r.code == 0, r.text
    assert "CALLER" in r.out and "EXPECTED" in r.out and "GOT" in r.out
    data = stack.run("smoke", "--json").json()
    c = calls(data)
    assert data["ok"] is True and data["mismatches"] == 0
    assert c[("reporting", "GET /posts")]["got"] == "200"
    assert (c[("reporting", "POST /posts")]["expected"], c[("reporting", "POST /posts")]["got"]) == ("403", "403")
    assert c[("writer", "POST /posts")]["got"] == "200"
    assert c[("(no token)", "GET /posts")]["got"] == "401"
    assert c[("(tampered token)", "POST /posts")]["got"] == "401"
    assert c[("(no token)", "GET /health")]["got"] == "200"
    # Any one of the route's scopes suffices.
    assert c[("reporting", "GET /posts/{id}")]["got"] == "200"
    assert {t["client"]: t["scopes"] for t in data["tokens"]} == {
        "reporting": ["app.read"],
        "writer": ["app.read", "app.write"],
    }


def test_path_parameters_are_filled_and_writes_send_an_empty_json_body(stack: Stack) -> None:
    stack.outputs["apiUrl"] = stack.gateway.base + "/"  # a trailing slash must not double up
    assert stack.run("smoke").code == 0
    paths = {(m, p) for m, p, _ in stack.upstream.hits}
    assert ("GET", "/posts/1") in paths
    assert [b for m, p, b in stack.upstream.hits if m == "POST"] == [b"{}"]
    assert not any("//" in p for _, p in stack.gateway.hits)


def test_revoked_grant_gives_403_on_fresh_tokens(stack: Stack) -> None:
    assert stack.run("smoke").code == 0
    # `pulumi up` removed writer's app.write grant: B2C stops putting it in new tokens, the outputs say so.
    stack.idp.grants[WRITER_ID].discard("app.write")
    stack.outputs["clients"]["writer"]["grants"] = ["app.read"]
    r = stack.run("smoke", "--json")
    assert r.code == 0
    data = r.json()
    assert data["ok"] is True
    assert calls(data)[("writer", "POST /posts")]["got"] == "403"


def test_grant_revoked_in_b2c_but_still_in_outputs_is_a_mismatch(stack: Stack) -> None:
    stack.idp.grants[WRITER_ID].discard("app.write")
    r = stack.run("smoke")
    assert r.code == 1
    row = next(line for line in r.out.splitlines() if line.startswith("writer") and "POST /posts" in line)
    assert "2xx" in row and "403" in row and "FAIL" in row
    assert "none of the route's scopes (app.write)" in row and "revoked" in row


def test_grant_left_in_b2c_after_removal_from_outputs_is_a_mismatch(stack: Stack) -> None:
    stack.outputs["clients"]["writer"]["grants"] = ["app.read"]
    data = stack.run("smoke", "--json").json()
    row = calls(data)[("writer", "POST /posts")]
    assert (row["expected"], row["got"], row["ok"]) == ("403", "200", False)
    assert "revocation incomplete" in row["note"]


def test_issuer_mismatch_makes_every_client_call_401_with_the_gateway_reason(stack: Stack) -> None:
    # The authorizer is configured with the tfp issuer, but the user flow still writes the tenant form.
    stack.idp.issuer_format = "tenant"
    stack.set_issuer(stack.idp.issuer_for("tfp"))
    r = stack.run("smoke", "--json")
    assert r.code == 1
    rows = calls(r.json())
    for route in ("GET /posts", "POST /posts"):
        assert rows[("reporting", route)]["got"] == "401"
        assert "does not have a valid issuer" in rows[("reporting", route)]["note"]
        # The follow-up commands read the same outputs as this run did.
        assert rows[("reporting", route)]["note"] == (
            "API Gateway: the token does not have a valid issuer; run "
            f"`uv run python -m verify doctor --outputs {stack.path} --client reporting` and "
            f"`uv run python -m verify preflight --outputs {stack.path}`"
        )


def test_roles_instead_of_scp_gives_403_and_says_why(stack: Stack) -> None:
    stack.idp.claim = "roles"
    r = stack.run("smoke")
    assert r.code == 1
    assert "roles: app.read" in r.out
    assert "roles claim" in r.out or "'roles'" in r.out
    assert "login.microsoftonline.com" in r.out
    data = stack.run("smoke", "--json").json()
    assert calls(data)[("writer", "GET /posts")]["got"] == "403"
    assert "never reads" in calls(data)[("writer", "GET /posts")]["note"]


def test_upstream_5xx_is_retried_a_bounded_number_of_times_then_reported(stack: Stack) -> None:
    stack.upstream.status_for["/health"] = 502
    r = stack.run("smoke", "--json")
    assert r.code == 1
    data = r.json()
    row = calls(data)[("(no token)", "GET /health")]
    assert (row["got"], row["ok"], row["attempts"]) == ("502", False, 3)
    assert "upstream" in row["note"]
    assert sum(p == "/health" for _, p, _ in stack.upstream.hits) == 3  # --attempts 3, no more


def test_upstream_5xx_then_success_passes(stack: Stack) -> None:
    stack.upstream.queued["/health"] = [503]
    data = stack.run("smoke", "--json").json()
    row = calls(data)[("(no token)", "GET /health")]
    assert (row["got"], row["ok"], row["attempts"]) == ("200", True, 2)
    assert data["ok"] is True


def test_gateway_429_then_200_is_retried_and_succeeds(stack: Stack) -> None:
    stack.gateway.throttle_first = 1
    data = stack.run("smoke", "--json").json()
    assert data["ok"] is True
    assert data["calls"][0]["attempts"] == 2


def test_token_endpoint_429_then_200_is_retried(stack: Stack) -> None:
    stack.idp.token_queue.append(json_reply(429, {"error": "throttled"}, {"Retry-After": "0"}))
    assert stack.run("smoke").code == 0


def test_upstream_timeout_is_a_mismatch_and_the_run_stays_fast(stack: Stack) -> None:
    stack.upstream.delay_for["/health"] = 3.0
    started = time.monotonic()
    r = stack.run("smoke", "--json", "--timeout", "0.2", "--attempts", "2")
    assert time.monotonic() - started < 2.5
    assert r.code == 1
    row = calls(r.json())[("(no token)", "GET /health")]
    assert (row["got"], row["ok"], row["attempts"]) == ("timeout", False, 2)
    assert row["note"] == f"GET {stack.outputs['apiUrl']}/health: no answer within 0.2 s after 2 tries"


def test_token_endpoint_error_shows_b2c_code_and_fix_but_no_secret(stack: Stack) -> None:
    # A nasty error body echoing the secret and a token-like string: neither may be printed.
    leaked = stack.idp.mint(stack.idp.claims_for(READER_ID))
    body = {
        "error": "invalid_request",
        "error_description": f"AADB2C90085: The service has encountered an internal error. client_secret="
        f"{READER_SECRET} last={leaked}\r\nCorrelation ID: 4d1e2c55-0bd5-4e3a-93f5-3a3a4fdc1c3e",
    }
    stack.idp.token_error_for[READER_ID] = json_reply(400, body)
    r = stack.run("smoke")
    assert r.code == 1
    assert "AADB2C90085" in r.out
    assert "AzureADandPersonalMicrosoftAccount" in r.out
    assert "4d1e2c55-0bd5-4e3a-93f5-3a3a4fdc1c3e" in r.out  # correlation ids are worth keeping
    assert "token request failed" in r.out


def test_wrong_secret_is_reported_as_invalid_client(stack: Stack) -> None:
    stack.idp.clients[WRITER_ID] = "sOmeOtherS3cret~Value0123456789abcdefXYZ"
    r = stack.run("smoke", "--json")
    assert r.code == 1
    writer = next(t for t in r.json()["tokens"] if t["client"] == "writer")
    assert "HTTP 401" in writer["error"] and "AADB2C90081" in writer["error"]
    assert any("invalid_client" in h for h in writer["hints"])
    assert WRITER_SECRET not in r.text


def test_placeholder_secrets_are_a_usage_error_naming_show_secrets(stack: Stack) -> None:
    stack.outputs["clients"]["reporting"]["clientSecret"] = "[secret]"
    r = stack.run("smoke")
    assert r.code == 2
    assert "--show-secrets" in r.err and "clients.reporting.clientSecret" in r.err
    assert stack.idp.log == []  # nothing was sent


def test_json_output_is_one_document_without_secrets(stack: Stack) -> None:
    r = stack.run("smoke", "--json")
    data = json.loads(r.out)
    assert set(data) == {
        *("ok", "mismatches", "skipped", "writes", "strict", "tokens", "calls"),
        *("allSecrets", "concurrency", "paced"),
    }
    assert READER_SECRET not in r.out


def test_a_write_that_got_a_5xx_is_not_sent_again(stack: Stack) -> None:
    stack.upstream.status_for["POST /posts"] = 502
    r = stack.run("smoke", "--json")
    assert r.code == 1
    row = calls(r.json())[("writer", "POST /posts")]
    assert (row["got"], row["ok"], row["attempts"]) == ("502", False, 1)
    assert [m for m, _, _ in stack.upstream.hits].count("POST") == 1  # --attempts 3, but POST goes once


def test_no_writes_sends_only_the_calls_the_authorizer_refuses(stack: Stack) -> None:
    stack.outputs["routes"]["DELETE /posts/{id}"] = ["app.write"]
    stack.outputs["routes"]["POST /ping"] = []
    stack.gateway.routes.update({"DELETE /posts/{id}": ["app.write"], "POST /ping": []})
    r = stack.run("smoke", "--json", "--no-writes")
    assert r.code == 0, r.text
    data = r.json()
    c = calls(data)
    assert {m for m, _, _ in stack.upstream.hits} == {"GET"}  # nothing but reads reached the upstream
    for route in ("POST /posts", "DELETE /posts/{id}"):
        assert (c[("writer", route)]["got"], c[("writer", route)]["ok"]) == ("skipped", True)
        assert "--no-writes" in c[("writer", route)]["note"]
        assert c[("reporting", route)]["got"] == "403"  # sent: the authorizer answers it
        assert c[("(no token)", route)]["got"] == "401"
        assert c[("(tampered token)", route)]["got"] == "401"
    assert c[("(no token)", "POST /ping")]["got"] == "skipped"  # public: it would reach the upstream
    assert c[("writer", "GET /posts")]["got"] == "200"  # reads are sent as usual
    assert (data["skipped"], data["writes"]) == (3, False)
    assert "3 skipped" in stack.run("smoke", "--no-writes").out


def test_no_writes_does_not_send_a_call_the_token_would_open(stack: Stack) -> None:
    # The outputs no longer grant writer app.write, but B2C still puts it into the token.
    stack.outputs["clients"]["writer"]["grants"] = ["app.read"]
    r = stack.run("smoke", "--json", "--no-writes")
    assert r.code == 1
    row = calls(r.json())[("writer", "POST /posts")]
    assert (row["expected"], row["got"], row["ok"]) == ("403", "not sent", False)
    assert "carries app.write" in row["note"] and "revocation incomplete" in row["note"]
    assert not any(m == "POST" for m, _, _ in stack.upstream.hits)


@pytest.mark.parametrize(
    ("route", "path", "status"), [("GET /posts/{id}", "/posts/1", 404), ("POST /posts", "/posts", 422)]
)
def test_upstream_4xx_after_the_authorizer_passes_with_a_note_unless_strict(
    stack: Stack, route: str, path: str, status: int
) -> None:
    method = route.split(" ")[0]
    stack.upstream.status_for[f"{method} {path}"] = status
    r = stack.run("smoke", "--json")
    assert r.code == 0, r.text
    row = calls(r.json())[("writer", route)]
    assert (row["got"], row["ok"]) == (str(status), True)
    assert row["note"] == f"passed the authorizer; upstream answered {status}"

    r = stack.run("smoke", "--json", "--strict")
    assert r.code == 1
    row = calls(r.json())[("writer", route)]
    assert (row["got"], row["ok"]) == (str(status), False)
    assert "--strict requires 2xx" in row["note"]


def test_upstream_4xx_on_a_call_that_should_get_403_is_a_mismatch(stack: Stack) -> None:
    stack.upstream.status_for["POST /posts"] = 404
    stack.outputs["clients"]["writer"]["grants"] = ["app.read"]  # expect 403; B2C still grants app.write
    r = stack.run("smoke", "--json")
    assert r.code == 1
    row = calls(r.json())[("writer", "POST /posts")]
    assert (row["expected"], row["got"], row["ok"]) == ("403", "404", False)
    assert "carries app.write" in row["note"] and "upstream answered 404" in row["note"]


def test_a_route_missing_from_the_gateway_fails_as_not_deployed(stack: Stack) -> None:
    stack.outputs["routes"]["GET /orders"] = ["app.read"]  # in the outputs, not on the stage
    r = stack.run("smoke", "--json")
    assert r.code == 1
    c = calls(r.json())
    for caller in ("(no token)", "reporting", "writer"):
        assert (c[(caller, "GET /orders")]["got"], c[(caller, "GET /orders")]["ok"]) == ("404", False)
        assert "GET /orders is not deployed" in c[(caller, "GET /orders")]["note"]
    assert not any(p == "/orders" for _, p, _ in stack.upstream.hits)


def test_token_endpoint_timeout_is_could_not_check_and_ends_the_run_quickly(stack: Stack) -> None:
    # Issue 12: a token endpoint that gives no answer was checked for nothing: exit 4 and one line
    # naming the URL, not a report of every route failing with "no token" (exit 1).
    stack.idp.delay_for[urlsplit(stack.idp.token_url).path.lower()] = 5.0
    started = time.monotonic()
    r = stack.run("smoke", "--timeout", "0.2", "--attempts", "2")
    assert time.monotonic() - started < 2.5  # one request's retries, not one per client
    assert (r.code, r.out) == (4, "")
    assert r.err == (
        f"verify smoke: could not check: the token endpoint gives no answer: POST {stack.idp.token_url}: "
        "no answer within 0.2 s after 2 tries\n"  # the token POST is retried
    )
    assert stack.gateway.hits == []
