"""Pacing ``verify smoke``'s calls to the stage's throttle, so that a correct stack never answers smoke
with a 429 caused by smoke itself.

API Gateway throttles with a token bucket: a bucket of ``burst`` requests, refilled at ``rate``
requests per second; a request that finds it empty gets 429 (AWS "Throttle requests to your HTTP APIs
for better throughput in API Gateway"). ``TokenBucket`` is the same bucket on the sending side: every
request (every retry too) takes a token first, waiting for one when none is left. It runs below the
stage's limits (``HEADROOM``): requests sent evenly can still arrive bunched (network jitter), and the
stage's bucket starts wherever other callers left it. Against AWS the limits are best-effort and the
account-level limit is shared by every API of the account and region, so pacing makes a 429 unlikely,
not impossible (docs/operations.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Final

# The share of the stage's rate and burst smoke allows itself.
HEADROOM: Final = 0.9


class TokenBucket:
    """Thread-safe: ``acquire`` reserves the next token and sleeps, outside the lock, until it is due."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not (math.isfinite(rate) and rate > 0) or burst < 1:
            raise ValueError("a token bucket needs a rate > 0 and a burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    @classmethod
    def below(cls, rate: float, burst: int) -> TokenBucket:
        """A bucket below a stage's throttle (``HEADROOM`` of its rate and burst, at least one request)."""
        return cls(rate * HEADROOM, max(1, math.floor(burst * HEADROOM)))

    def acquire(self) -> float:
        """Take one token, waiting until it is available; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0  # reserved: a negative balance is the queue of waiting senders
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
