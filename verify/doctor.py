"""``doctor``: one token, decoded like jwt.io does, held rule by rule against the stack's authorizer.

The rules are API Gateway's (``verify.authorizer``); the keys are the ones API Gateway would use,
from the ``jwks_uri`` of ``<issuer>.well-known/openid-configuration``. When that document is
missing (B2C's tenant-form issuer), the verdict is 401 whatever the token; the signature is then
still checked against the platform's own discovery (for B2C, derived from ``tokenUrl``) so the user
learns whether the token itself is sound.

The signature segment and the token itself are never printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

import jwt

from authorizer.statuses import NOT_AUTHORIZED
from authorizer.tokens import ALGORITHM as ROLES_ALGORITHM
from verify.authorizer import (
    DEFAULT_SKEW,
    RSA_ALGORITHMS,
    Expected,
    bare_token,
    check_alg,
    check_audience,
    check_issuer,
    check_times,
    route_expectation,
    token_roles,
    token_scopes,
)
from verify.context import Context
from verify.errors import EXIT_FAILED, EXIT_OK
from verify.findings import Finding, passed
from verify.oidc import resolve_keys
from verify.outputs import Client, StackOutputs
from verify.tokens import unverified_parts

_PUBLIC: Final = "public route (no authorizer)"


@dataclass(frozen=True)
class RouteVerdict:
    route: str
    expected: Expected
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"route": self.route, "expected": self.expected, "why": self.why}


@dataclass
class DoctorReport:
    header: dict[str, Any]
    claims: dict[str, Any]
    rules: list[Finding] = field(default_factory=list)
    routes: list[RouteVerdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    protected: int = 0
    refused: Expected = "401"
    """What API Gateway answers a token that fails a rule: the JWT authorizer's 401, or on the roles
    platforms the Lambda authorizer's refusal, ``authorizer.statuses.NOT_AUTHORIZED`` (unverified)."""
    claim: str = "scope/scp"
    """The claim the authorizer reads the token's permissions from: ``roles`` on the roles platforms."""

    @property
    def failed_rules(self) -> list[Finding]:
        return [r for r in self.rules if not r.ok]

    @property
    def opened(self) -> list[RouteVerdict]:
        return [r for r in self.routes if r.expected == "2xx" and r.why != _PUBLIC]

    @property
    def exit_code(self) -> int:
        """1 when no protected route would let the token through (401 or 403 on all of them)."""
        if self.failed_rules:
            return EXIT_FAILED
        if self.protected and not self.opened:
            return EXIT_FAILED
        return EXIT_OK

    @property
    def verdict(self) -> str:
        failed = self.failed_rules
        if failed:
            names = ", ".join(r.name for r in failed)
            who = "API Gateway" if self.refused == "401" else "the stack's Lambda authorizer"
            return f"{self.refused} on every protected route: {who} would reject this token (failed: {names})"
        if not self.protected:
            return "the token passes the authorizer's rules; the stack has no protected route"
        if not self.opened:
            return f"403 on every protected route: the token is valid but its {self.claim} holds none of theirs"
        return f"the token passes the authorizer and opens {len(self.opened)} of {self.protected} protected route(s)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "claims": self.claims,
            "rules": [r.as_dict("rule", status=False) for r in self.rules],
            "routes": [r.as_dict() for r in self.routes],
            "notes": self.notes,
            "verdict": self.verdict,
            "exitCode": self.exit_code,
        }


def diagnose(
    ctx: Context, token: str, *, skew: float = DEFAULT_SKEW, now: float | None = None, client: Client | None = None
) -> DoctorReport:
    outputs, platform = ctx.outputs, ctx.platform
    token = bare_token(token)
    parts = unverified_parts(token)
    report = DoctorReport({}, {}, protected=len(outputs.protected_routes))
    if outputs.uses_roles:
        report.refused, report.claim = cast(Expected, str(NOT_AUTHORIZED)), "roles"
    if parts is None:
        report.rules.append(
            passed(
                "format",
                False,
                "not a JWT: expected three base64url segments header.claims.signature with JSON header and "
                "claims; API Gateway answers 401",
                "pass the access_token value from the token endpoint's answer (not the id_token or the whole JSON)",
            )
        )
        _route_verdicts(report, outputs, ())
        return report
    header, claims = parts
    report.header, report.claims = header, claims

    alg_rule = check_alg(header)
    if outputs.uses_roles and alg_rule.ok and header.get("alg") != ROLES_ALGORITHM:
        # The roles platforms' function accepts RS256 only (authorizer/tokens.py), what Microsoft signs with.
        alg_rule = passed("alg", False, f"alg {header.get('alg')!r}: the stack's Lambda authorizer accepts RS256 only")
    report.rules.append(alg_rule)
    report.rules.extend(_key_rules(ctx, token, header, alg_rule.ok, report.notes))
    report.rules.append(check_issuer(claims, outputs.issuer, platform))
    report.rules.append(check_audience(claims, [outputs.audience]))
    report.rules.extend(check_times(claims, now, skew))

    scopes = token_roles(claims) if outputs.uses_roles else token_scopes(claims)
    _route_verdicts(report, outputs, scopes)
    report.notes.extend(platform.token_hints(claims))
    if outputs.uses_roles and report.failed_rules:
        report.notes.append(
            "on this platform the rules are checked by the stack's Lambda authorizer, which refuses the token: "
            f"API Gateway then answers {report.refused} (not the 401 the rule texts name; AWS does not document "
            "this status, docs/platforms.md)"
        )
    roles = claims.get("roles")
    as_roles = set(roles) if isinstance(roles, list) and not scopes else set()
    if client is not None:
        missing = [g for g in client.grants if g not in scopes and g not in as_roles]
        extra = [s for s in scopes if s not in client.grants]
        if missing:
            report.notes.append(
                f"the outputs grant {client.name} {', '.join(missing)}, but the fresh token lacks "
                f"{'it' if len(missing) == 1 else 'them'}: the grant or its admin consent is missing in "
                f"{platform.name}, or was revoked"
            )
        if extra:
            report.notes.append(
                f"the token carries {', '.join(extra)}, which the outputs do not grant {client.name}: a grant "
                f"left in {platform.name}, or stale outputs"
            )
    return report


def _route_verdicts(report: DoctorReport, outputs: StackOutputs, scopes: tuple[str, ...]) -> None:
    failed = report.failed_rules
    held = " ".join(scopes) or "none"
    roles = report.claims.get("roles")
    for route in outputs.routes:
        if route.public:
            report.routes.append(RouteVerdict(route.key, "2xx", _PUBLIC))
        elif failed:
            report.routes.append(RouteVerdict(route.key, report.refused, f"rule {failed[0].name} fails"))
        else:
            expected, matched = route_expectation(route.scopes, scopes)
            if expected == "2xx":
                why = f"opened by {', '.join(matched)}"
            else:
                why = f"needs one of {', '.join(route.scopes)}; token {report.claim}: {held}"
                if roles and not scopes and not outputs.uses_roles:
                    why += " (its roles claim is never read)"
            report.routes.append(RouteVerdict(route.key, expected, why))


def _key_rules(ctx: Context, token: str, header: Mapping[str, Any], rsa: bool, notes: list[str]) -> list[Finding]:
    """discovery, kid and signature: the keys API Gateway would use, or the platform's as a hint."""
    outputs, platform = ctx.outputs, ctx.platform
    rules: list[Finding] = []
    keys = resolve_keys(ctx.http, outputs.issuer, platform.fallback_discovery_url(outputs.token_url))
    jwks = keys.jwks
    if not keys.authoritative:
        rules.append(
            passed(
                "discovery",
                False,
                f"{keys.discovery.problem}: API Gateway finds no keys for the issuer and answers 401 to every token",
                platform.missing_discovery_fix(outputs.issuer, keys.advertised_issuer, outputs.token_url),
            )
        )
        if jwks is not None:
            notes.append(f"kid and signature were checked against {jwks.url}, which API Gateway would not use")
    elif jwks is None:
        rules.append(
            passed(
                "jwks",
                False,
                f"{keys.discovery.url} names no jwks_uri: API Gateway finds no keys and answers 401",
                f"run `{outputs.command('preflight')}`",
            )
        )
    elif not jwks.ok:
        rules.append(
            passed("jwks", False, f"{jwks.problem}: API Gateway answers 401", f"run `{outputs.command('preflight')}`")
        )
    if jwks is None or not jwks.rsa_keys:
        return rules
    kid = header.get("kid")
    known = ", ".join(jwks.rsa_keys)
    if not isinstance(kid, str):
        rules.append(passed("kid", False, "the header has no kid: API Gateway cannot pick a key (401)"))
        return rules
    key = jwks.rsa_keys.get(kid)
    if key is None:
        rules.append(
            passed(
                "kid",
                False,
                f"kid {kid!r} is not in the JWKS at {jwks.url} (keys: {known}): API Gateway answers 401",
                "the token was signed for another tenant or policy, or with a key since rotated out: fetch a "
                "fresh token from the stack's tokenUrl",
            )
        )
        return rules
    rules.append(passed("kid", True, f"kid {kid!r} is in the JWKS at {jwks.url}"))
    if not rsa:
        return rules
    alg = str(header.get("alg"))
    try:
        public_key = jwt.PyJWK(dict(key), algorithm=alg if alg in RSA_ALGORITHMS else "RS256")
        jwt.PyJWS().decode(token, key=public_key, algorithms=[alg] if alg in RSA_ALGORITHMS else [])
    except jwt.PyJWTError:
        rules.append(
            passed(
                "signature",
                False,
                f"the signature does not verify with key {kid!r}: the token was altered or forged (401)",
                "use the token exactly as the token endpoint issued it",
            )
        )
        return rules
    where = "" if keys.authoritative else " (of the policy's JWKS)"
    rules.append(passed("signature", True, f"the {alg} signature verifies with key {kid!r}{where}"))
    return rules
