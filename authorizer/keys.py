"""Discovery and JWKS for one issuer, cached for the life of the Lambda container.

- The discovery document comes from ``<iss>/.well-known/openid-configuration`` (OpenID Connect
  Discovery 1.0 section 4; Microsoft serves it under the v2.0 issuer of External ID and Entra ID
  tenants, docs/platforms.md), unless ``discovery_url`` overrides it (tests point it at loopback).
  Its ``issuer`` must equal the configured issuer (Discovery 1.0 section 4.3), else nothing is
  trusted.
- Keys are fetched once, then again only when a token names a ``kid`` the cache lacks (Microsoft
  rolls its signing keys and expects validators to refresh them: "Signing key rollover in the
  Microsoft identity platform"), and at most once per ``min_refresh_seconds``, so forged tokens
  with random ``kid`` values cannot turn the function into a load generator against the IdP.
  While no key was ever loaded (discovery or JWKS down at cold start), one attempt per
  ``retry_seconds``.
- A failed fetch leaves the cache as it was (possibly empty): callers refuse, never allow.
- Only RSA signing keys are kept (``kty`` RSA, ``use`` absent or ``sig``).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWTError

FETCH_TIMEOUT_SECONDS = 1.5
"""Per request; API Gateway's own JWT authorizer gives discovery and JWKS 1500 ms (HTTP API quotas),
and the whole authorizer must answer within 10 s (HTTP API Lambda authorizer page)."""
MAX_DOCUMENT_BYTES = 150_000
"""API Gateway's JWKS size limit for JWT authorizers (HTTP API quotas); a larger answer is refused."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

Fetch = Callable[[str], Mapping[str, Any]]


class KeyFetchError(Exception):
    """Discovery or JWKS could not be fetched or used; the message names the URL and why."""


def _checked_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return url
    raise KeyFetchError(f"refusing to fetch keys over {parts.scheme or 'no scheme'}: {url}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keys come from the URL discovery names, not from wherever a redirect points (which the
    scheme check never saw): a 3xx is an error."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def fetch_json(url: str) -> Mapping[str, Any]:
    """GET a JSON object (https only, or http on loopback for tests), bounded in time and size."""
    request = urllib.request.Request(_checked_url(url), headers={"Accept": "application/json"})  # noqa: S310 (scheme checked)
    try:
        with _OPENER.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            body = response.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError) as e:  # URLError/HTTPError/timeouts are OSErrors
        raise KeyFetchError(f"GET {url} failed: {type(e).__name__}: {e}") from None
    if len(body) > MAX_DOCUMENT_BYTES:
        raise KeyFetchError(f"GET {url}: answer over {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise KeyFetchError(f"GET {url}: not JSON") from None
    if not isinstance(document, dict):
        raise KeyFetchError(f"GET {url}: not a JSON object")
    return document


def rsa_keys(jwks: Mapping[str, Any]) -> dict[str, RSAPublicKey]:
    """kid -> RSA public key for every usable signing key in a JWKS."""
    found: dict[str, RSAPublicKey] = {}
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        raise KeyFetchError("JWKS has no 'keys' list")
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        try:
            key = PyJWK(entry, algorithm="RS256").key
        except (PyJWTError, ValueError, TypeError):  # a malformed key is skipped, not fatal
            continue
        if isinstance(key, RSAPublicKey):
            found[kid] = key
    return found


@dataclass
class KeyCache:
    """The issuer's signing keys, fetched lazily and refreshed only for an unknown ``kid``."""

    issuer: str
    discovery_url: str = ""
    min_refresh_seconds: float = 60.0
    """Between two refetches for unknown ``kid`` values (the load itself is not counted)."""
    retry_seconds: float = 5.0
    """Between two attempts while no key was ever loaded (discovery or JWKS down): refuse meanwhile."""
    fetch: Fetch = fetch_json
    clock: Callable[[], float] = time.monotonic
    keys: dict[str, RSAPublicKey] = field(default_factory=dict)
    loaded: bool = False
    last_attempt: float | None = None
    last_refetch: float | None = None
    last_error: str = ""
    """The last fetch's error, empty after a success (diagnostic: ``lookup`` gives a call's reason)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self.discovery_url:
            self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"

    def _refresh(self) -> None:
        discovery = self.fetch(self.discovery_url)
        if discovery.get("issuer") != self.issuer:
            raise KeyFetchError(
                f"discovery at {self.discovery_url} names issuer {discovery.get('issuer')!r}, not {self.issuer!r}"
            )
        jwks_uri = discovery.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeyFetchError(f"discovery at {self.discovery_url} has no jwks_uri")
        keys = rsa_keys(self.fetch(jwks_uri))
        if not keys:
            raise KeyFetchError(f"JWKS at {jwks_uri} holds no RSA signing key")
        self.keys = keys
        self.loaded = True

    def _may_fetch(self, now: float) -> bool:
        if not self.loaded:
            return self.last_attempt is None or now - self.last_attempt >= self.retry_seconds
        return self.last_refetch is None or now - self.last_refetch >= self.min_refresh_seconds

    def key_for(self, kid: str) -> RSAPublicKey | None:
        """The key for ``kid``, or None (``lookup`` says why)."""
        return self.lookup(kid)[0]

    def lookup(self, kid: str) -> tuple[RSAPublicKey | None, str]:
        """The key for ``kid`` and, when there is none, why: fetches when nothing is loaded yet or
        ``kid`` is unknown, as the limits allow.

        The reason is a fetch error when this call's fetch failed, or when no key was ever loaded
        (the last load's error); it is empty for a ``kid`` merely unknown to the keys held, even
        while an earlier refetch's error is still ``last_error`` (that error said nothing about
        this ``kid``: the keys held are what the refusal rests on)."""
        key = self.keys.get(kid)
        if key is not None:
            return key, ""
        with self._lock:
            key = self.keys.get(kid)
            if key is not None:
                return key, ""
            now = self.clock()
            if not self._may_fetch(now):
                return None, "" if self.loaded else self.last_error
            if self.loaded:
                self.last_refetch = now
            self.last_attempt = now
            try:
                self._refresh()
            except KeyFetchError as e:
                self.last_error = str(e)
                return None, self.last_error
            self.last_error = ""
            return self.keys.get(kid), ""
