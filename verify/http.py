"""One HTTP client for every call verify makes: timeouts, bounded retries, no secret in errors.

- Every request has a timeout: a hung token endpoint or upstream must end the run, not stall CI.
- 429, 5xx and connection errors/timeouts are retried with exponential backoff, a bounded number of
  times. ``Retry-After`` (seconds) is honoured up to the backoff ceiling. The base is configurable
  so tests run in milliseconds. No jitter: one CLI run sends a handful of sequential requests, so
  there is no herd to spread.
- Transport failures surface as ``HttpError`` whose message verify writes itself (method, URL
  without query, what failed); requests' own messages, which can carry URLs and bodies, are never
  passed on, and the original exception is not chained.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

import requests

USER_AGENT: Final = "b2c-apigw-verify/1"
# Larger than any document verify needs (API Gateway caps a JWKS at 150000 bytes, AWS quotas).
MAX_BODY: Final = 1_000_000

FailureKind = Literal["timeout", "connection", "invalid-url", "too-large"]


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 10.0
    """Seconds for connect and for each read."""
    attempts: int = 4
    """Total tries per request (1 = no retry)."""
    backoff_base: float = 0.5
    """First pause in seconds; doubled after each failed try."""
    backoff_max: float = 8.0
    """Ceiling for one pause, ``Retry-After`` included."""

    def pause(self, failed_tries: int, retry_after: str | None = None) -> float:
        if retry_after is not None:
            try:
                return max(0.0, min(self.backoff_max, float(retry_after)))
            except ValueError:
                pass  # an HTTP date: fall back to our own schedule
        return float(min(self.backoff_max, self.backoff_base * 2 ** (failed_tries - 1)))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    """Lower-cased header names."""
    body: bytes = field(repr=False)
    attempts: int
    elapsed: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def text(self, limit: int = 2000) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


class HttpError(Exception):
    """No HTTP answer after every allowed try. The message holds no body, query or header."""

    def __init__(self, method: str, url: str, kind: FailureKind, attempts: int, detail: str = "") -> None:
        self.method = method
        self.url = safe_url(url)
        self.kind = kind
        self.attempts = attempts
        what = {
            "timeout": "no answer within the timeout",
            "connection": "could not connect",
            "invalid-url": "not a usable URL",
            "too-large": "answer too large",
        }[kind]
        tries = f" after {attempts} tries" if attempts > 1 else ""
        extra = f" ({detail})" if detail else ""
        super().__init__(f"{method} {self.url}: {what}{tries}{extra}")


def retryable(status: int) -> bool:
    """Throttling (429) and server errors (5xx) may pass; other answers will not change."""
    return status == 429 or status >= 500


def safe_url(url: str) -> str:
    """The URL without query, fragment or user info: the parts that can carry credentials."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class HttpClient:
    def __init__(
        self,
        settings: HttpSettings | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> HttpResponse:
        return self.request("GET", url, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: dict[str, Any] | None = None,
        allow_redirects: bool = False,
    ) -> HttpResponse:
        """Send with retries; returns the last answer (even a 5xx) or raises ``HttpError``."""
        s = self.settings
        attempts = max(1, s.attempts)
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            failure: tuple[FailureKind, str] | None = None
            try:
                response = self._session.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    data=data,
                    json=json_body,
                    timeout=s.timeout,
                    allow_redirects=allow_redirects,
                    stream=True,
                )
            except requests.Timeout:
                failure = ("timeout", "")
            except requests.ConnectionError:
                failure = ("connection", "")
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema,
                ValueError,
            ):
                failure = ("invalid-url", "")
            except requests.RequestException:
                failure = ("connection", "")
            # HttpError is raised outside the except blocks, so requests' exception (whose message
            # can carry the URL and more) is neither chained nor attached as context.
            if failure is not None:
                kind, detail = failure
                if kind == "invalid-url" or attempt == attempts:
                    raise HttpError(method, url, kind, attempt, detail)
                self._sleep(s.pause(attempt))
                continue
            try:
                body = self._read(response)
            except requests.RequestException:
                failure = ("connection", "the answer broke off")
            except _TooLarge:
                failure = ("too-large", f"over {MAX_BODY} bytes")
            finally:
                response.close()
            if failure is not None:
                kind, detail = failure
                if kind == "too-large" or attempt == attempts:
                    raise HttpError(method, url, kind, attempt, detail)
                self._sleep(s.pause(attempt))
                continue
            result = HttpResponse(
                status=response.status_code,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
                attempts=attempt,
                elapsed=time.monotonic() - started,
            )
            if retryable(result.status) and attempt < attempts:
                self._sleep(s.pause(attempt, result.headers.get("retry-after")))
                continue
            return result
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    @staticmethod
    def _read(response: requests.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > MAX_BODY:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)


class _TooLarge(Exception):
    pass
