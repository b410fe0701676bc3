"""OpenID discovery and JWKS, fetched the way API Gateway's JWT authorizer fetches them.

API Gateway reads ``{issuer}/.well-known/openid-configuration``, follows its ``jwks_uri``, uses RSA
keys only and rejects a JWKS over 150000 bytes (AWS "HTTP API quotas"; docs/facts.md).

``resolve_keys`` is the one path from an issuer to its keys that ``preflight`` and ``doctor``
share: the issuer's discovery, else the identity platform's own discovery document (which API
Gateway would not use, but which tells what the provider advertises), then that document's JWKS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from components.b2c import discovery_url  # the program's own rule for where API Gateway looks
from verify.errors import UnreachableError
from verify.http import HttpClient, HttpError, HttpResponse

__all__ = [
    "JWKS_MAX_BYTES",
    "Fetched",
    "Jwks",
    "Keys",
    "discovery_url",
    "fetch_json",
    "fetch_jwks",
    "resolve_keys",
]

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
    """The document, or what is wrong with it; a server that cannot be reached at all is no finding
    about the document, nor is one that gives no answer within the timeout: ``UnreachableError``
    (exit 4, "could not check")."""
    try:
        response: HttpResponse = http.get(url, headers={"Accept": "application/json"})
    except HttpError as e:
        if e.no_answer:
            raise UnreachableError("the identity server", e) from None
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


@dataclass(frozen=True)
class Keys:
    """Where the keys for an issuer were looked for, and what was found."""

    discovery: Fetched
    """``<issuer>.well-known/openid-configuration``: where API Gateway looks."""
    fallback: Fetched | None
    """The platform's own discovery, fetched only when the issuer's is missing (and one is known)."""
    jwks: Jwks | None
    """From the ``jwks_uri`` of the document used; ``None`` when it names none (or none was found)."""

    @property
    def doc(self) -> Mapping[str, Any] | None:
        """The discovery document the keys came from: the issuer's, else the fallback."""
        if self.discovery.doc is not None:
            return self.discovery.doc
        return self.fallback.doc if self.fallback is not None else None

    @property
    def authoritative(self) -> bool:
        """The keys are the ones API Gateway would use (they came from the issuer's discovery)."""
        return self.discovery.doc is not None

    @property
    def advertised_issuer(self) -> str | None:
        """The issuer the fallback document advertises, when it was needed and names one."""
        if self.fallback is None or self.fallback.doc is None:
            return None
        issuer = self.fallback.doc.get("issuer")
        return issuer if isinstance(issuer, str) else None


def resolve_keys(http: HttpClient, issuer: str, fallback_url: str | None) -> Keys:
    url = discovery_url(issuer)
    discovery = fetch_json(http, url, f"discovery at {url}")
    fallback = None
    if discovery.doc is None and fallback_url is not None:
        fallback = fetch_json(http, fallback_url, f"discovery at {fallback_url}")
    keys = Keys(discovery, fallback, None)
    jwks_uri = keys.doc.get("jwks_uri") if keys.doc is not None else None
    if not isinstance(jwks_uri, str):
        return keys
    return Keys(discovery, fallback, fetch_jwks(http, jwks_uri))
