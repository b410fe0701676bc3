"""``verify smoke`` at scale: concurrent calls paced below the stage's throttle, the same report as a
sequential run, one token per client, and ``--all-secrets`` for a rotation in progress."""

from __future__ import annotations

from tests.support.harness import ENTRA_SECRET, READER_ID, READER_SECRET, Stack, calls

OLD = "2026-06"
NEW = "2026-12"


def _token_requests(stack: Stack) -> int:
    return sum(method == "POST" for method, _ in stack.idp.log)


def test_calls_overlap_up_to_the_concurrency_and_each_client_fetches_one_token(stack: Stack) -> None:
    stack.gateway.latency = 0.05
    data = stack.run("smoke", "--json", "--concurrency", "4").json()
    assert data["ok"] is True and data["concurrency"] == 4
    assert 2 <= stack.gateway.max_in_flight <= 4
    assert _token_requests(stack) == 2  # reporting and writer, shared by all their calls


def test_the_report_is_the_sequential_runs_whatever_the_concurrency(stack: Stack) -> None:
    stack.gateway.latency = 0.01
    one = stack.run("smoke", "--json", "--concurrency", "1").json()["calls"]
    many = stack.run("smoke", "--json", "--concurrency", "12").json()["calls"]
    shape = [(c["caller"], c["route"], c["expected"], c["got"], c["ok"]) for c in one]
    assert shape == [(c["caller"], c["route"], c["expected"], c["got"], c["ok"]) for c in many]
    assert [c["route"] for c in one][:2] == ["GET /posts", "GET /posts"]  # routes in output order


def test_paced_to_the_throttle_output_the_stage_answers_no_429(stack: Stack) -> None:
    stack.gateway.rate, stack.gateway.burst = 50.0, 3
    stack.gateway.__post_init__()  # the bucket starts full
    stack.outputs["throttle"] = {"rate": 50, "burst": 3}
    r = stack.run("smoke", "--concurrency", "16")
    assert r.code == 0, r.text
    assert stack.gateway.throttled == 0
    assert "16 call(s) at a time, paced below the stage's throttle (rate 50/s, burst 3)" in r.out


def test_without_the_throttle_output_only_the_concurrency_paces_and_the_stage_throttles(stack: Stack) -> None:
    # A stack deployed before the throttle output: smoke still runs; this stage's tiny bucket shows
    # what the pacing above prevents.
    stack.gateway.rate, stack.gateway.burst = 50.0, 3
    stack.gateway.__post_init__()
    r = stack.run("smoke", "--concurrency", "16")
    assert "not paced (the outputs have no throttle)" in r.out
    assert stack.gateway.throttled > 0


def test_all_secrets_fetches_a_token_with_every_live_secret(stack: Stack) -> None:
    # reporting is mid-rotation: 2026-06 is the old secret, 2026-12 the new one (clientSecret).
    stack.idp.more_secrets[READER_ID] = {ENTRA_SECRET}
    stack.outputs["clients"]["reporting"]["secrets"] = {
        OLD: {"secret": ENTRA_SECRET, "expires": "2026-06-30T00:00:00Z"},
        NEW: {"secret": READER_SECRET, "expires": "2026-12-27T00:00:00Z"},
    }
    plain = stack.run("smoke", "--json").json()
    assert [(t["client"], t["secret"]) for t in plain["tokens"]] == [("reporting", NEW), ("writer", None)]
    before = _token_requests(stack)
    r = stack.run("smoke", "--all-secrets", "--json")
    assert r.code == 0, r.text
    data = r.json()
    assert [(t["client"], t["secret"], t["ok"]) for t in data["tokens"]] == [
        ("reporting", NEW, True),
        ("reporting", OLD, True),
        ("writer", None, True),
    ]
    assert _token_requests(stack) - before == 3
    # The route calls are the clients' (with clientSecret's token), not one set per secret.
    assert {c["caller"] for c in data["calls"]} == {"(no token)", "(tampered token)", "reporting", "writer"}


def test_all_secrets_fails_on_a_secret_the_identity_server_refuses(stack: Stack) -> None:
    stack.outputs["clients"]["reporting"]["secrets"] = {
        OLD: {"secret": ENTRA_SECRET, "expires": "2026-06-30T00:00:00Z"},  # already removed in Entra
        NEW: {"secret": READER_SECRET, "expires": "2026-12-27T00:00:00Z"},
    }
    assert stack.run("smoke").code == 0  # clientSecret alone works
    r = stack.run("smoke", "--all-secrets")
    assert r.code == 1
    assert "  reporting (secret 2026-06): FAIL - token endpoint answered HTTP 401: invalid_client" in r.out
    assert (
        "    hint: AADB2C90081: the client secret does not match this client's: a wrong, removed or expired "
        "secret. Give the caller the stack's current one (clients.<name>.clientSecret from "
        "`pulumi stack output clients --show-secrets`)"
    ) in r.out.splitlines()
    assert calls(stack.run("smoke", "--all-secrets", "--json").json())[("reporting", "GET /posts")]["ok"] is True
