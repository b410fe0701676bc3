"""The token bucket smoke paces itself with, on a fake clock; and what the HTTP client reports when no
connection can be made."""

from __future__ import annotations

import threading

import pytest

from verify.http import HttpClient, HttpError, HttpSettings
from verify.pacing import HEADROOM, TokenBucket


class Clock:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)


def test_a_full_bucket_lets_the_burst_through_then_spaces_requests_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(10.0, 3, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(6)]
    # Three at once, then each a tenth of a second after the previous one (reserved ahead, nobody refilled).
    assert waits == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])
    clock.now = 10.0  # a long pause refills the bucket, never beyond the burst
    assert [bucket.acquire() for _ in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_no_window_holds_more_than_the_burst_plus_the_rate() -> None:
    # Send times as a sender honouring the waits would have them; any 1 s window: <= burst + rate.
    clock = Clock()
    bucket = TokenBucket(20.0, 5, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(200):
        sent.append(clock.now + bucket.acquire())
        clock.now += 0.001
    for start in sent:
        assert sum(start <= t < start + 1.0 for t in sent) <= 5 + 20


def test_smoke_runs_below_the_stage() -> None:
    bucket = TokenBucket.below(1000.0, 500)
    assert (bucket.rate, bucket.burst) == (1000.0 * HEADROOM, 450)
    assert TokenBucket.below(1.0, 1).burst == 1


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 5), (float("nan"), 5), (1.0, 0)])
def test_a_bucket_that_could_never_send_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate > 0 and a burst >= 1"):
        TokenBucket(rate, burst)


def test_a_refused_connection_is_unreachable_with_the_systems_reason(refused_port: int) -> None:
    http = HttpClient(HttpSettings(timeout=1, attempts=1), sleep=lambda _: None)
    with pytest.raises(HttpError) as info:
        http.get(f"http://127.0.0.1:{refused_port}/x?secret=1")
    e = info.value
    assert e.unreachable and e.kind == "connection"
    assert str(e) == f"GET http://127.0.0.1:{refused_port}/x: could not connect (Connection refused)"


def test_pace_is_called_before_every_try(refused_port: int) -> None:
    paced: list[int] = []
    http = HttpClient(HttpSettings(timeout=1, attempts=3, backoff_base=0), sleep=lambda _: None)
    with pytest.raises(HttpError):
        http.request("GET", f"http://127.0.0.1:{refused_port}/", pace=lambda: paced.append(1))
    assert len(paced) == 3
