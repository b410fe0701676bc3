"""``smoke``: every client against every route, each status compared with what the grants imply.

Expectations (API Gateway's JWT authorizer, DOMAIN.md):

- a route without scopes is public: 2xx without a token;
- a protected route: 401 without a token and 401 with a forged signature;
- 2xx for a client whose grants (the ``grants`` output) include any one of the route's scopes,
  else 403.

Tokens are fetched fresh on every run, one per client: a revoked grant only disappears from new
tokens. Path parameters (``{id}``, ``{proxy+}``) are filled with ``1``; POST, PUT and PATCH send
``{}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from verify.authorizer import Expected, route_expectation, token_scopes
from verify.http import HttpClient, HttpError, HttpResponse
from verify.idp import IdentityPlatform
from verify.outputs import Client, Route, StackOutputs
from verify.redact import Redactor
from verify.tokens import TokenError, fetch_token, tamper, unverified_parts

NO_TOKEN: Final = "(no token)"  # noqa: S105  (a caller label)
TAMPERED: Final = "(tampered token)"
PLACEHOLDER: Final = "1"
_PARAM: Final = re.compile(r"\{[^/{}]+\}")
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_WWW_DESCRIPTION: Final = re.compile(r'error_description="([^"]*)"')


@dataclass
class ClientToken:
    client: Client
    token: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    error: str | None = None
    hints: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "client": self.client.name,
            "ok": self.error is None,
            "scopes": list(self.scopes),
            "roles": list(self.roles),
            "grants": list(self.client.grants),
            "error": self.error,
            "hints": self.hints,
        }


@dataclass(frozen=True)
class Call:
    caller: str
    route: str
    expected: Expected
    got: str
    ok: bool
    note: str = ""
    attempts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "caller": self.caller,
            "route": self.route,
            "expected": self.expected,
            "got": self.got,
            "ok": self.ok,
            "note": self.note,
            "attempts": self.attempts,
        }


@dataclass
class SmokeReport:
    tokens: list[ClientToken]
    calls: list[Call]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.calls) and all(t.error is None for t in self.tokens)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mismatches": sum(not c.ok for c in self.calls),
            "tokens": [t.as_dict() for t in self.tokens],
            "calls": [c.as_dict() for c in self.calls],
        }


def route_url(api_url: str, path: str) -> str:
    """apiUrl (with or without a trailing /) joined with the path, parameters filled in."""
    return api_url.rstrip("/") + _PARAM.sub(PLACEHOLDER, path)


def get_token(
    outputs: StackOutputs, client: Client, http: HttpClient, platform: IdentityPlatform, redactor: Redactor
) -> ClientToken:
    result = ClientToken(client)
    try:
        token = fetch_token(
            http, outputs.token_url, client.client_id, outputs.secret_of(client), outputs.scope, platform, redactor
        )
    except TokenError as e:
        result.error, result.hints = str(e), e.hints
        return result
    result.token = token
    parts = unverified_parts(token)
    if parts is not None:
        claims = parts[1]
        result.scopes = token_scopes(claims)
        roles = claims.get("roles")
        result.roles = tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else ()
        result.hints = platform.token_hints(claims)
    return result


def run(outputs: StackOutputs, http: HttpClient, platform: IdentityPlatform, redactor: Redactor) -> SmokeReport:
    for c in outputs.clients:
        outputs.secret_of(c)  # fail on '[secret]' placeholders before any request is sent
    tokens = [get_token(outputs, c, http, platform, redactor) for c in outputs.clients]
    forged: str | None = None
    for t in tokens:
        if t.token:
            forged = tamper(t.token)
            break
    redactor.add(forged)

    calls: list[Call] = []
    for route in outputs.routes:
        if route.public:
            calls.append(_call(outputs, http, route, NO_TOKEN, None, "2xx"))
            continue
        calls.append(_call(outputs, http, route, NO_TOKEN, None, "401"))
        if forged:
            calls.append(_call(outputs, http, route, TAMPERED, forged, "401"))
        else:
            calls.append(Call(TAMPERED, route.key, "401", "skipped", True, "no client token to forge from"))
        for t in tokens:
            expected, _ = route_expectation(route.scopes, t.client.grants)
            if t.token is None:
                calls.append(Call(t.client.name, route.key, expected, "no token", False, "token request failed"))
                continue
            calls.append(_call(outputs, http, route, t.client.name, t.token, expected, t))
    return SmokeReport(tokens, calls)


def _call(
    outputs: StackOutputs,
    http: HttpClient,
    route: Route,
    caller: str,
    token: str | None,
    expected: Expected,
    info: ClientToken | None = None,
) -> Call:
    method = "GET" if route.method == "ANY" else route.method
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = http.request(
            method,
            route_url(outputs.api_url, route.path),
            headers=headers,
            json_body={} if method in _BODY_METHODS else None,
        )
    except HttpError as e:
        return Call(caller, route.key, expected, e.kind, False, str(e), e.attempts)
    ok = matches(expected, response.status)
    note = "" if ok else explain(expected, response, route, caller, info)
    return Call(caller, route.key, expected, str(response.status), ok, note, response.attempts)


def matches(expected: Expected, status: int) -> bool:
    if expected == "2xx":
        return 200 <= status < 300
    return str(status) == expected


def explain(expected: Expected, response: HttpResponse, route: Route, caller: str, info: ClientToken | None) -> str:
    """Why a status differs from the expectation, in the authorizer's terms."""
    status = response.status
    tries = f" after {response.attempts} tries" if response.attempts > 1 else ""
    if status == 401:
        m = _WWW_DESCRIPTION.search(response.headers.get("www-authenticate", ""))
        cause = f"API Gateway: {m.group(1)}" if m else "the JWT authorizer rejected the token"
        if info is not None:
            return (
                f"{cause}; run `python -m verify doctor --client {info.client.name}` and `python -m verify preflight`"
            )
        return cause
    if status == 403 and info is not None and expected == "2xx":
        if info.roles and not info.scopes:
            return (
                f"the token carries its permissions as roles ({', '.join(info.roles)}), which API Gateway never "
                "reads; it needs scp or scope: wrong token endpoint (see the hint above)"
            )
        held = " ".join(info.scopes) or "none"
        return (
            f"the token holds none of the route's scopes ({', '.join(route.scopes)}); token scopes: {held}. "
            "The grant is missing, revoked or not admin-consented in B2C"
        )
    if 200 <= status < 300 and expected == "403" and info is not None:
        extra = set(info.scopes) & set(route.scopes)
        if extra:
            return (
                f"the token carries {', '.join(sorted(extra))}, which the outputs do not grant this client: "
                "a grant is still in B2C (revocation incomplete) or the outputs are stale"
            )
        return "the route let a token without its scopes through: the deployed route's scopes differ from the outputs"
    if 200 <= status < 300 and expected == "401":
        return "the route answered without a valid token: the deployed route has no JWT authorizer"
    if status == 404:
        return (
            "404: no such route in the deployed stage, or the upstream's own 404 "
            f"(path parameters were filled with {PLACEHOLDER!r})"
        )
    if status == 429:
        return f"throttled{tries}: the stage's throttling limits"
    if status >= 500:
        return f"server error{tries}: integration or upstream failure (API Gateway passes the upstream's status on)"
    return ""
