"""One HTTP client for every call verify makes: timeouts, bounded retries, no secret in errors.

- Every request has a timeout: a hung token endpoint or upstream must end the run, not stall CI.
- 429, 5xx and connection errors/timeouts are retried with exponential backoff, a bounded number of
  times, but by default only for GET, HEAD and OPTIONS: the methods RFC 9110 (section 9.2.1) calls
  safe. A POST, PATCH, PUT or DELETE that timed out or got a 502/504 may already have acted on the
  upstream; PUT and DELETE are idempotent only if the upstream implements them so, which a smoke
  run cannot know. A caller that knows a POST has no side effect (the token request) says so with
  ``retry=True``. ``Retry-After`` (seconds) is honoured up to the backoff ceiling. The base is
  configurable so tests run in milliseconds. No jitter: one CLI run sends a handful of sequential
  requests, so there is no herd to spread.
- TLS failures are not retried (a certificate does not get trusted by asking again) and are
  reported with a fixed reason: the library's message names the certificate chain and more.
- No credentials from the environment: requests replaces the ``Authorization`` header with Basic
  credentials from ``~/.netrc`` (or ``$NETRC``) whenever a request carries no ``auth`` of its own
  (``Session.prepare_request``), which would swap a Bearer token for a password sent to the API.
  Every request therefore carries a no-op auth. ``trust_env`` stays on: CI runners need their proxy.
- Transport failures surface as ``HttpError`` whose message verify writes itself (method, URL
  without query, what failed); requests' own messages, which can carry URLs and bodies, are never
  passed on, and the original exception is not chained.
"""

from __future__ import annotations

import errno
import json
import math
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

import requests
import requests.adapters
from requests.auth import AuthBase

USER_AGENT: Final = "b2c-apigw-verify/1"
# Larger than any document verify needs (API Gateway caps a JWKS at 150000 bytes, AWS quotas).
MAX_BODY: Final = 1_000_000
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

FailureKind = Literal["timeout", "connection", "tls", "invalid-url", "invalid-header", "too-large"]
_REASONS: Final[Mapping[FailureKind, str]] = {
    "timeout": "no answer within the timeout",
    "connection": "could not connect",
    "tls": "TLS failed (certificate not trusted or for another host, or no TLS on that port)",
    "invalid-url": "not a usable URL",
    "invalid-header": "a header value is not valid (a line break in a token or secret?)",
    "too-large": "answer too large",
}
# Asking again gives the same answer: these end the request at the first try.
_FINAL: Final[frozenset[FailureKind]] = frozenset({"tls", "invalid-url", "invalid-header", "too-large"})


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 10.0
    """Seconds for connect and for each read; > 0 (urllib3 rejects 0 with a ValueError)."""
    attempts: int = 4
    """Total tries per retried request (1 = no retry)."""
    backoff_base: float = 0.5
    """First pause in seconds; doubled after each failed try."""
    backoff_max: float = 8.0
    """Ceiling for one pause, ``Retry-After`` included."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ValueError("HttpSettings.timeout must be a finite number of seconds > 0")

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

    def __init__(
        self,
        method: str,
        url: str,
        kind: FailureKind,
        attempts: int,
        detail: str = "",
        *,
        unreachable: bool = False,
        timeout: float | None = None,
    ) -> None:
        self.method = method
        self.url = safe_url(url)
        self.kind = kind
        self.attempts = attempts
        self.unreachable = unreachable
        """No connection could be made at all (refused, no such host, no route): the server was not reached."""
        tries = f" after {attempts} tries" if attempts > 1 else ""
        extra = f" ({detail})" if detail else ""
        reason = f"no answer within {timeout:g} s" if kind == "timeout" and timeout is not None else _REASONS[kind]
        super().__init__(f"{method} {self.url}: {reason}{tries}{extra}")

    @property
    def no_answer(self) -> bool:
        """Not reached, the connection lost before an answer, or no answer within the timeout, on every
        try: nothing the server said to check."""
        return self.unreachable or self.kind in ("timeout", "connection")


def retryable(status: int) -> bool:
    """Throttling (429) and server errors (5xx) may pass; other answers will not change."""
    return status == 429 or status >= 500


def safe_url(url: str) -> str:
    """The URL without query, fragment or user info: the parts that can carry credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class _NoAuth(AuthBase):
    """Leaves the request as it is; its presence keeps requests from reading ~/.netrc."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


@dataclass(frozen=True)
class _Failure:
    kind: FailureKind
    detail: str = ""
    unreachable: bool = False


# The operating system's reasons that mean no connection was made; their strerror is the system's
# text (never the server's), so it may be printed.
_UNREACHABLE_ERRNOS: Final = frozenset({errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH})


def _network_error(error: BaseException) -> _Failure:
    """A connection failure, with the system's reason when no connection was made at all."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        e = pending.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or (isinstance(e, OSError) and e.errno in _UNREACHABLE_ERRNOS):
            reason = e.strerror if isinstance(e.strerror, str) else "no connection"
            return _Failure("connection", reason, unreachable=True)
        reason_attr = getattr(e, "reason", None)
        pending += [reason_attr if isinstance(reason_attr, BaseException) else None, e.__cause__, e.__context__]
        pending += [a for a in e.args if isinstance(a, BaseException)]
    return _Failure("connection")


class HttpClient:
    def __init__(
        self,
        settings: HttpSettings | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        *,
        pool_size: int | None = None,
    ) -> None:
        """``pool_size``: connections kept per host, for callers sending that many requests at once
        from threads (``verify smoke --concurrency``); requests' default keeps 10."""
        self.settings = settings or HttpSettings()
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        if pool_size is not None:
            for prefix in ("http://", "https://"):
                adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
                self._session.mount(prefix, adapter)
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
        retry: bool | None = None,
        pace: Callable[[], object] | None = None,
    ) -> HttpResponse:
        """Send, retrying where allowed; returns the last answer (even a 5xx) or raises ``HttpError``.

        ``retry`` defaults to whether the method is safe (GET, HEAD, OPTIONS). ``pace`` is called
        before every try, retries included (``verify.pacing``: it waits for the stage's throttle).
        """
        s = self.settings
        may_retry = method.upper() in SAFE_METHODS if retry is None else retry
        attempts = max(1, s.attempts) if may_retry else 1
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            if pace is not None:
                pace()
            outcome = self._attempt(method, url, headers, data, json_body, allow_redirects)
            # HttpError is raised here, outside the except blocks of _attempt, so requests' exception
            # (whose message can carry the URL and more) is neither chained nor attached as context.
            if isinstance(outcome, _Failure):
                if outcome.kind in _FINAL or attempt == attempts:
                    raise HttpError(
                        method,
                        url,
                        outcome.kind,
                        attempt,
                        outcome.detail,
                        unreachable=outcome.unreachable,
                        timeout=s.timeout,
                    )
                self._sleep(s.pause(attempt))
                continue
            status, response_headers, body = outcome
            result = HttpResponse(status, response_headers, body, attempt, time.monotonic() - started)
            if retryable(status) and attempt < attempts:
                self._sleep(s.pause(attempt, response_headers.get("retry-after")))
                continue
            return result
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        json_body: dict[str, Any] | None,
        allow_redirects: bool,
    ) -> tuple[int, dict[str, str], bytes] | _Failure:
        """One try: the status, lower-cased headers and body, or what failed."""
        try:
            response = self._session.request(
                method,
                url,
                headers=dict(headers or {}),
                data=data,
                json=json_body,
                timeout=self.settings.timeout,
                allow_redirects=allow_redirects,
                stream=True,
                auth=_NoAuth(),
            )
        except requests.exceptions.SSLError:  # a ConnectionError: caught first
            return _Failure("tls")
        except requests.Timeout:
            return _Failure("timeout")
        except requests.ConnectionError as e:
            return _network_error(e)
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            requests.exceptions.URLRequired,
        ):
            return _Failure("invalid-url")
        except requests.exceptions.InvalidHeader:
            return _Failure("invalid-header")
        except requests.RequestException:
            return _Failure("connection")
        try:
            body = self._read(response)
        except requests.exceptions.SSLError:
            return _Failure("tls")
        except requests.RequestException:
            return _Failure("connection", "the answer broke off")
        except _TooLarge:
            return _Failure("too-large", f"over {MAX_BODY} bytes")
        finally:
            response.close()
        return response.status_code, {k.lower(): v for k, v in response.headers.items()}, body

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
