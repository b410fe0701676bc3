"""HttpClient: bounded retries with backoff, timeouts, and error messages without credentials."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.verify.fakes import LoopbackServer, Reply, json_reply
from verify.http import HttpClient, HttpError, HttpSettings


class Scripted:
    """A server answering from a script of statuses (the last one repeats), counting requests."""

    def __init__(self, statuses: list[int], headers: Mapping[str, str] | None = None, delay: float = 0.0) -> None:
        self.statuses, self.headers, self.delay, self.hits = statuses, dict(headers or {}), delay, 0
        self.server = LoopbackServer(self.handle)

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        self.hits += 1
        if self.delay:
            self.server.stopping.wait(self.delay)
        status = self.statuses[min(self.hits, len(self.statuses)) - 1]
        return json_reply(status, {"n": self.hits}, self.headers)


@pytest.fixture
def scripted() -> Iterator[list[Scripted]]:
    made: list[Scripted] = []
    yield made
    for s in made:
        s.server.stop()


def serve(made: list[Scripted], *args: object, **kwargs: object) -> Scripted:
    s = Scripted(*args, **kwargs)  # type: ignore[arg-type]
    s.server.start()
    made.append(s)
    return s


def client(pauses: list[float], **settings: float) -> HttpClient:
    base = {"timeout": 1.0, "attempts": 3, "backoff_base": 0.01} | settings
    return HttpClient(HttpSettings(**base), sleep=pauses.append)  # type: ignore[arg-type]


def test_429_then_200_is_retried_honouring_retry_after(scripted: list[Scripted]) -> None:
    s = serve(scripted, [429, 200], {"Retry-After": "0"})
    pauses: list[float] = []
    response = client(pauses).get(s.server.base_url + "/x")
    assert (response.status, response.attempts, s.hits) == (200, 2, 2)
    assert pauses == [0.0]


def test_retries_are_bounded_and_back_off_exponentially(scripted: list[Scripted]) -> None:
    s = serve(scripted, [503])
    pauses: list[float] = []
    response = client(pauses, attempts=4, backoff_base=0.5, backoff_max=1.5).get(s.server.base_url)
    assert (response.status, response.attempts, s.hits) == (503, 4, 4)
    assert pauses == [0.5, 1.0, 1.5]  # doubled, then capped


def test_4xx_other_than_429_is_not_retried(scripted: list[Scripted]) -> None:
    s = serve(scripted, [403])
    assert client([]).get(s.server.base_url).attempts == 1
    assert s.hits == 1


def test_connection_errors_are_retried_then_raised_without_query_or_cause() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
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
        client([], timeout=0.1, attempts=2).get(s.server.base_url)
    assert info.value.kind == "timeout" and info.value.attempts == 2
    assert time.monotonic() - started < 1.5


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
