"""The checks a token must pass on a roles platform, through PyJWT[crypto] (no hand-written crypto).

Sources (docs/platforms.md): Microsoft's "Access token claims reference" (``iss``, ``aud`` = the
API's client id for v2 tokens, ``roles`` for app permissions, ``scp`` only for delegated user
tokens, ``azp``/``appid`` naming the client) and "Validate tokens"; the any-one rule is the JWT
authorizer's for scopes (AWS "Control access to HTTP APIs with JWT authorizers").

- ``alg`` must be RS256 (what Microsoft signs access tokens with); ``none``, HS256 and anything
  else is refused before a key is looked up, so a public key can never serve as an HMAC secret.
- the header's ``kid`` must name a key of the issuer's JWKS (``keys.KeyCache``).
- ``iss`` equals the configured issuer exactly; ``aud`` equals the configured audience;
  ``exp``, ``nbf`` and ``iat`` are checked with ``LEEWAY_SECONDS``; ``exp``/``iat`` are required.
- ``roles`` (a list of strings) holds at least one of the route's roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import jwt

from authorizer.keys import KeyCache

ALGORITHM: Final = "RS256"
LEEWAY_SECONDS: Final = 60
"""Clock skew allowed on exp/nbf/iat: small, and the same order as Microsoft's libraries' default
(Microsoft.IdentityModel's ClockSkew is 5 minutes; we allow less)."""


@dataclass(frozen=True)
class Decision:
    """What the function answers, and the words its log line carries (never the token)."""

    allow: bool
    reason: str
    client: str = ""
    """``azp`` (v2 tokens) or ``appid`` (v1), from a token whose signature was verified; else empty."""
    matched: tuple[str, ...] = ()


def deny(reason: str, client: str = "") -> Decision:
    return Decision(False, reason, client)


def bearer(authorization: str) -> str:
    """The token from an Authorization value, bare or after ``Bearer `` (as the JWT authorizer takes it)."""
    value = authorization.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


def decide(
    token: str,
    route_roles: Sequence[str],
    *,
    issuer: str,
    audience: str,
    keys: KeyCache,
) -> Decision:
    """Allow when the token is valid for this API and holds one of ``route_roles``."""
    if not token:
        return deny("no token")
    if not route_roles:
        return deny("route has no roles in the map")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        return deny("not a JWT")
    alg = header.get("alg")
    if alg != ALGORITHM:
        return deny(f"alg {alg!r} refused: only {ALGORITHM}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return deny("no kid in the token header")
    key, error = keys.lookup(kid)
    if key is None:
        if error:
            return deny(f"signing keys unavailable: {error}")
        return deny(f"kid {kid!r} is not in the issuer's JWKS")
    try:
        claims: Mapping[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud"], "strict_aud": True},
        )
    except jwt.InvalidTokenError as e:
        return deny(f"{type(e).__name__}: {e}")
    client = _client(claims)
    # PyJWT already compares iss; say it again exactly, as PyJWT 2.10.0 once matched substrings
    # (CVE-2024-53861, fixed in 2.10.1): the lock pins a later version, this keeps it true anyway.
    if claims.get("iss") != issuer:
        return deny("iss does not equal the issuer", client)
    roles = claims.get("roles")
    if roles is None:
        if "scp" in claims:
            return deny("token has scp but no roles: a delegated user token, not client credentials", client)
        return deny("token has no roles: the client holds no app role of this API", client)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        return deny("roles is not a list of strings", client)
    matched = tuple(r for r in route_roles if r in roles)
    if not matched:
        return deny(f"roles hold none of the route's roles {list(route_roles)}", client)
    return Decision(True, f"role {matched[0]!r} held", client, matched)


def _client(claims: Mapping[str, Any]) -> str:
    for name in ("azp", "appid"):
        value = claims.get(name)
        if isinstance(value, str):
            return value
    return ""
