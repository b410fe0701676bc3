"""API Gateway's HTTP API JWT authorizer, as rules verify can hold a token against.

Source: AWS "Control access to HTTP APIs with JWT authorizers" and "Troubleshooting issues with
HTTP API JWT authorizers" (docs/facts.md, "AWS API Gateway HTTP API JWT authorizer"):

- The token comes from ``Authorization``, bare or prefixed ``Bearer ``.
- Keys come from the ``jwks_uri`` of ``{issuer}/.well-known/openid-configuration``; only RSA
  algorithms; the header's ``kid`` must name a key.
- ``iss`` must equal the configured issuer exactly; ``aud`` (or ``client_id`` only when ``aud`` is
  absent) must equal a configured audience; ``exp`` in the future, ``nbf`` and ``iat`` in the past.
- Any failure above: 401 with a ``www-authenticate`` header. A valid token whose ``scope`` or
  ``scp`` holds none of the route's scopes: 403. Any one of the route's scopes suffices.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Literal

from verify.findings import Finding, passed
from verify.idp import IdentityPlatform

# RS256 is what B2C signs with; RS384/RS512 are the other RSA algorithms PyJWT checks with a JWK.
RSA_ALGORITHMS: Final = ("RS256", "RS384", "RS512")
# Each rule is a Finding (verify.findings) that is ok or failed; a failed one means API Gateway answers 401.
DEFAULT_SKEW: Final = 30

Expected = Literal["2xx", "401", "403"]


def bare_token(authorization: str) -> str:
    """The token from an ``Authorization`` value, with or without ``Bearer ``."""
    value = authorization.strip()
    if value[:7].lower() == "bearer ":
        return value[7:].strip()
    return value


def token_scopes(claims: Mapping[str, object]) -> tuple[str, ...]:
    """Scopes API Gateway reads: ``scope`` and ``scp``, space-separated (or lists)."""
    found: list[str] = []
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            found.extend(value.split())
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, str))
    return tuple(dict.fromkeys(found))


def token_roles(claims: Mapping[str, object]) -> tuple[str, ...]:
    """App roles the roles platforms' Lambda authorizer reads: the ``roles`` array (docs/platforms.md)."""
    value = claims.get("roles")
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v for v in value if isinstance(v, str)))


def route_expectation(route_scopes: Sequence[str], held: Iterable[str]) -> tuple[Expected, tuple[str, ...]]:
    """2xx and the scopes that open the route, or 403 when none of the route's scopes is held."""
    if not route_scopes:
        return "2xx", ()
    held_set = set(held)
    matched = tuple(s for s in route_scopes if s in held_set)
    return ("2xx", matched) if matched else ("403", ())


def check_alg(header: Mapping[str, object]) -> Finding:
    alg = header.get("alg")
    if alg in RSA_ALGORITHMS:
        return passed("alg", True, f"{alg} is an RSA algorithm")
    if isinstance(alg, str) and alg.lower() == "none":
        return passed(
            "alg",
            False,
            "alg 'none': the token is unsigned. API Gateway accepts only RSA-signed tokens whose key is in "
            "the issuer's JWKS, so it answers 401",
            "use a token from the token endpoint as issued; never strip or forge its signature",
        )
    if isinstance(alg, str) and alg.upper().startswith("HS"):
        return passed(
            "alg",
            False,
            f"alg {alg}: a shared-secret (HMAC) signature. API Gateway accepts only RSA algorithms with keys "
            "from the issuer's JWKS, so it answers 401",
            "use a token issued by the identity provider's token endpoint (B2C signs RS256)",
        )
    return passed(
        "alg",
        False,
        f"alg {alg!r} is not one of {', '.join(RSA_ALGORITHMS)}: API Gateway accepts only RSA algorithms (401)",
        "use a token issued by the identity provider's token endpoint",
    )


def check_issuer(claims: Mapping[str, object], issuer: str, platform: IdentityPlatform) -> Finding:
    iss = claims.get("iss")
    if iss == issuer:
        return passed("iss", True, f"iss equals the authorizer's issuer {issuer}")
    if not isinstance(iss, str):
        return passed("iss", False, "no iss claim: API Gateway answers 401", "use a token from the stack's tokenUrl")
    return passed(
        "iss",
        False,
        f"iss {iss} is not byte for byte the authorizer's issuer {issuer}: API Gateway answers 401",
        platform.issuer_mismatch_fix(issuer, iss),
    )


def check_audience(claims: Mapping[str, object], audiences: Sequence[str]) -> Finding:
    aud = claims.get("aud")
    if aud is not None:
        if isinstance(aud, str):
            values = [aud]
        else:
            values = [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []
        if any(v in audiences for v in values):
            return passed("aud", True, f"aud {', '.join(values)} is a configured audience")
        return passed(
            "aud",
            False,
            f"aud {', '.join(values) or repr(aud)} is not the authorizer's audience {', '.join(audiences)} "
            "(client_id is not consulted while aud is present): API Gateway answers 401",
            "request the token with scope=<the API's App ID URI>/.default, so aud is the API app's client id, "
            "and keep the stack's audience output equal to that client id",
        )
    client_id = claims.get("client_id")
    if isinstance(client_id, str) and client_id in audiences:
        return passed("aud", True, f"no aud; client_id {client_id} is a configured audience")
    return passed(
        "aud",
        False,
        "neither aud nor a matching client_id: API Gateway answers 401",
        "request the token with scope=<the API's App ID URI>/.default",
    )


# NumericDate (RFC 7519, section 2): seconds since 1970. Values outside 1970..9999 are no time a
# token carries, and Python cannot format them: time.gmtime raises OverflowError or OSError, and
# ValueError for NaN. What API Gateway does with them is not documented.
_EPOCH_MAX: Final = 253_402_300_799  # 9999-12-31T23:59:59Z


def numeric_date(name: str, value: object) -> float | str:
    """``value`` as seconds since 1970, or why it is no usable NumericDate for claim ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} is not a number ({type(value).__name__}): API Gateway answers 401"
    # Range first: an int beyond a float's range would make float() and math.isfinite() raise.
    if (isinstance(value, float) and math.isnan(value)) or not 0 <= value <= _EPOCH_MAX:
        return (
            f"{name} {value!r:.40} is not a plausible time (seconds since 1970, up to year 9999): no identity "
            "provider issues that, and what API Gateway does with it is not documented; expect 401"
        )
    return float(value)


def check_times(claims: Mapping[str, object], now: float | None = None, skew: float = DEFAULT_SKEW) -> list[Finding]:
    now = time.time() if now is None else now
    rules: list[Finding] = []
    exp = claims.get("exp")
    exp_at = numeric_date("exp", exp) if exp is not None else "no exp claim: API Gateway requires one (401)"
    if isinstance(exp_at, str):
        rules.append(passed("exp", False, exp_at, "use a token from the stack's tokenUrl as issued"))
    elif exp_at + skew <= now:
        rules.append(
            passed(
                "exp",
                False,
                f"expired {_ago(now - exp_at)} ago (exp {_utc(exp_at)}): API Gateway answers 401",
                "fetch a fresh token (B2C access tokens live 60 minutes by default)",
            )
        )
    else:
        rules.append(passed("exp", True, f"expires in {_ago(exp_at - now)} ({_utc(exp_at)})"))
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is None:
            continue
        at = numeric_date(name, value)
        if isinstance(at, str):
            rules.append(passed(name, False, at, "use a token from the stack's tokenUrl as issued"))
        elif at - skew > now:
            rules.append(
                passed(
                    name,
                    False,
                    f"{name} is {_ago(at - now)} in the future ({_utc(at)}): API Gateway answers 401",
                    "check this machine's clock and the identity provider's; allowed skew here: "
                    f"{skew:g} s (--clock-skew)",
                )
            )
        else:
            rules.append(passed(name, True, f"{name} {_utc(at)} is in the past"))
    return rules


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _ago(seconds: float) -> str:
    seconds = abs(int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
