"""OpenID discovery and JWKS, fetched the way API Gateway's JWT authorizer fetches them.

API Gateway reads ``{issuer}/.well-known/openid-configuration``, follows its ``jwks_uri``, uses RSA
keys only and rejects a JWKS over 150000 bytes (AWS "HTTP API quotas"; DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from components.b2c import discovery_url  # the program's own rule for where API Gateway looks
from verify.http import HttpClient, HttpError, HttpResponse

__all__ = ["JWKS_MAX_BYTES", "Fetched", "Jwks", "discovery_url", "fetch_json", "fetch_jwks"]

JWKS_MAX_BYTES: Final = 150_000


@dataclass(frozen=True)
class Fetched:
    """A JSON document fetched, or why not."""

    url: str
    doc: Mapping[str, Any] | None
    problem: str | None = None
    status: int | None = None
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.doc is not None


def fetch_json(http: HttpClient, url: str, what: str) -> Fetched:
    try:
        response: HttpResponse = http.get(url, headers={"Accept": "application/json"})
    except HttpError as e:
        return Fetched(url, None, f"{what}: {e}")
    if response.status != 200:
        return Fetched(url, None, f"{what} answered HTTP {response.status}", response.status, len(response.body))
    doc = response.json()
    if not isinstance(doc, dict):
        return Fetched(url, None, f"{what} is not a JSON object", response.status, len(response.body))
    return Fetched(url, doc, None, response.status, len(response.body))


@dataclass(frozen=True)
class Jwks:
    url: str
    rsa_keys: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Keys with ``kty`` RSA, by ``kid``."""
    other_kids: Sequence[str] = ()
    problem: str | None = None
    size: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def fetch_jwks(http: HttpClient, url: str) -> Jwks:
    fetched = fetch_json(http, url, f"the JWKS at {url}")
    if fetched.doc is None:
        return Jwks(url, problem=fetched.problem, size=fetched.size)
    keys = fetched.doc.get("keys")
    if not isinstance(keys, list):
        return Jwks(url, problem=f"the JWKS at {url} has no 'keys' list", size=fetched.size)
    rsa: dict[str, Mapping[str, Any]] = {}
    other: list[str] = []
    for key in keys:
        if not isinstance(key, dict):
            continue
        kid = key.get("kid")
        usable = key.get("kty") == "RSA" and key.get("use", "sig") == "sig" and "n" in key and "e" in key
        if isinstance(kid, str) and usable:
            rsa[kid] = key
        elif isinstance(kid, str):
            other.append(kid)
    problem = None
    if not rsa:
        problem = f"the JWKS at {url} holds no RSA signing key with a kid (API Gateway uses RSA keys only)"
    elif fetched.size > JWKS_MAX_BYTES:
        problem = f"the JWKS at {url} is {fetched.size} bytes; API Gateway accepts at most {JWKS_MAX_BYTES}"
    return Jwks(url, rsa, tuple(other), problem, fetched.size)
