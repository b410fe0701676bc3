"""HttpClient: bounded retries with backoff, timeouts, and error messages without credentials."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fakes import Reply, Served, json_reply
from verify.http import HttpClient, HttpError, HttpSettings


class Scripted(Served):
    """A server answering from a script of statuses (the last one repeats), counting requests."""

    def __init__(self, statuses: list[int], headers: Mapping[str, str] | None = None, delay: float = 0.0) -> None:
        self.statuses, self.headers, self.delay, self.hits = statuses, dict(headers or {}), delay, 0
        self.seen: list[dict[str, str]] = []

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        self.hits += 1
        self.seen.append({k.lower(): v for k, v in headers.items()})
        self.wait(self.delay)
        status = self.statuses[min(self.hits, len(self.statuses)) - 1]
        return json_reply(status, {"n": self.hits}, self.headers)


@pytest.fixture
def scripted() -> Iterator[list[Scripted]]:
    made: list[Scripted] = []
    yield made
    for s in made:
        s.stop()


def serve(made: list[Scripted], *args: object, **kwargs: object) -> Scripted:
    s = Scripted(*args, **kwargs).start()  # type: ignore[arg-type]
    made.append(s)
    return s


def client(pauses: list[float], **settings: float) -> HttpClient:
    base = {"timeout": 1.0, "attempts": 3, "backoff_base": 0.01} | settings
    return HttpClient(HttpSettings(**base), sleep=pauses.append)  # type: ignore[arg-type]


def test_429_then_200_is_retried_honouring_retry_after(scripted: list[Scripted]) -> None:
    s = serve(scripted, [429, 200], {"Retry-After": "0"})
    pauses: list[float] = []
    response = client(pauses).get(s.base + "/x")
    assert (response.status, response.attempts, s.hits) == (200, 2, 2)
    assert pauses == [0.0]


def test_retries_are_bounded_and_back_off_exponentially(scripted: list[Scripted]) -> None:
    s = serve(scripted, [503])
    pauses: list[float] = []
    response = client(pauses, attempts=4, backoff_base=0.5, backoff_max=1.5).get(s.base)
    assert (response.status, response.attempts, s.hits) == (503, 4, 4)
    assert pauses == [0.5, 1.0, 1.5]  # doubled, then capped


def test_4xx_other_than_429_is_not_retried(scripted: list[Scripted]) -> None:
    s = serve(scripted, [403])
    assert client([]).get(s.base).attempts == 1
    assert s.hits == 1


def test_connection_errors_are_retried_then_raised_without_query_or_cause(refused_port: int) -> None:
    port = refused_port
    pauses: list[float] = []
    with pytest.raises(HttpError) as info:
        client(pauses).get(f"http://user:pw@127.0.0.1:{port}/token?client_secret=s3cr3tValue")
    e = info.value
    assert (e.kind, e.attempts, len(pauses)) == ("connection", 3, 2)
    assert "s3cr3tValue" not in str(e) and "pw@" not in str(e)
    assert f"127.0.0.1:{port}/token" in str(e)
    assert e.__cause__ is None and e.__context__ is None  # requests' own exception is not attached


def test_timeouts_are_bounded(scripted: list[Scripted]) -> None:
    s = serve(scripted, [200], delay=2.0)
    started = time.monotonic()
    with pytest.raises(HttpError) as info:
        client([], timeout=0.1, attempts=2).get(s.base)
    assert info.value.kind == "timeout" and info.value.attempts == 2
    assert time.monotonic() - started < 1.5


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(
    base=st.floats(min_value=0, max_value=5),
    ceiling=st.floats(min_value=0, max_value=30),
    tries=st.integers(min_value=1, max_value=12),
)
def test_pauses_never_shrink_and_never_exceed_the_ceiling(base: float, ceiling: float, tries: int) -> None:
    settings = HttpSettings(backoff_base=base, backoff_max=ceiling)
    pauses = [settings.pause(n) for n in range(1, tries + 1)]
    assert all(0 <= p <= ceiling for p in pauses)
    assert pauses == sorted(pauses)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_never_retried_on_5xx(scripted: list[Scripted], method: str) -> None:
    s = serve(scripted, [502, 200])
    pauses: list[float] = []
    response = client(pauses).request(method, s.base + "/posts")
    assert (response.status, response.attempts, s.hits, pauses) == (502, 1, 1, [])


def test_a_write_that_timed_out_is_not_sent_again(scripted: list[Scripted]) -> None:
    s = serve(scripted, [200], delay=2.0)
    with pytest.raises(HttpError) as info:
        client([], timeout=0.2).request("PUT", s.base + "/posts/1", json_body={})
    assert (info.value.kind, info.value.attempts, s.hits) == ("timeout", 1, 1)


def test_a_post_may_opt_in_to_retries_and_reads_retry_by_default(scripted: list[Scripted]) -> None:
    s = serve(scripted, [503, 503, 200])
    assert client([]).request("POST", s.base + "/token", data={"a": "b"}, retry=True).attempts == 3
    t = serve(scripted, [503, 200])
    assert client([]).request("HEAD", t.base).attempts == 2


def test_netrc_never_replaces_the_bearer_header_nor_adds_credentials(
    scripted: list[Scripted], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests reads $NETRC (else ~/.netrc) for any request without auth of its own.
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password n3trcPassw0rd\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert requests.utils.get_netrc_auth("http://127.0.0.1/") == ("someone", "n3trcPassw0rd")  # the setup works
    s = serve(scripted, [200])
    http = client([])
    http.get(s.base, headers={"Authorization": "Bearer the.token.itself"})
    http.get(s.base)
    assert s.seen[0]["authorization"] == "Bearer the.token.itself"
    assert "authorization" not in s.seen[1]


def test_tls_errors_have_their_own_kind_a_fixed_reason_and_no_retry(scripted: list[Scripted]) -> None:
    s = serve(scripted, [200])  # plain HTTP: a TLS handshake with it fails
    pauses: list[float] = []
    with pytest.raises(HttpError) as info:
        client(pauses).get(s.base.replace("http://", "https://") + "/keys?x=s3cr3tValue")
    e = info.value
    assert (e.kind, e.attempts, pauses) == ("tls", 1, [])
    assert "TLS failed" in str(e) and "s3cr3tValue" not in str(e)
    assert "SSL" not in str(e) and "ssl" not in str(e)  # none of the library's own message


def test_invalid_header_values_are_named_and_other_value_errors_are_not_hidden(
    scripted: list[Scripted], monkeypatch: pytest.MonkeyPatch
) -> None:
    s = serve(scripted, [200])
    with pytest.raises(HttpError) as info:
        client([]).get(s.base, headers={"Authorization": "Bearer one\ntwo"})
    assert info.value.kind == "invalid-header" and "one" not in str(info.value)
    with pytest.raises(HttpError) as info:
        client([]).get("http://")
    assert info.value.kind == "invalid-url"

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug, not a URL problem")

    http = client([])
    monkeypatch.setattr(http._session, "request", broken)
    with pytest.raises(ValueError, match="a bug"):
        http.get(s.base)


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan"), float("inf")])
def test_settings_refuse_a_timeout_that_is_not_positive(timeout: float) -> None:
    with pytest.raises(ValueError, match="> 0"):
        HttpSettings(timeout=timeout)
