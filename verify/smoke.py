"""``smoke``: every client against every route, each status compared with what the grants imply.

Expectations (API Gateway's JWT authorizer, docs/facts.md):

- a route without scopes is public: 2xx without a token;
- a protected route: 401 without a token and 401 with a forged signature (403 on externalId/entraId,
  whose Lambda authorizer answers ``isAuthorized: false``: authorizer/statuses.py);
- 2xx for a client whose grants (the ``grants`` output) include any one of the route's scopes,
  else 403.

Tokens are fetched fresh on every run, one per client, and shared by all of its calls: a revoked
grant only disappears from new tokens. With ``all_secrets`` (``--all-secrets``) a token is also
fetched with each other live secret of each client (``clients.<name>.secrets``), so a rotation's new
secret is proven before the old one is removed; the route calls use the ``clientSecret`` token.

Calls run ``concurrency`` at a time (``--concurrency``), paced by a token bucket below the stage's
throttle (the ``throttle`` output, ``verify.pacing``); outputs without it (stacks deployed before it
existed) are paced by the concurrency alone. The report keeps the order of a sequential run. A token
endpoint or API that cannot be reached at all ends the run with ``UnreachableError`` (exit 4): its
first request is sent alone, so that takes one request's retries, not thousands. So does a token
endpoint that gives no answer within the timeout, and an API that answers none of the calls or not
the tokenless call to a protected route (which API Gateway answers itself, 401: that call is the one
sent first); a route whose authorised or public call times out while the API answers others is that
route's mismatch (its upstream hangs).

Path parameters (``{id}``, ``{proxy+}``) are filled with ``1``; POST, PUT and PATCH send
``{}``; ANY routes are called with GET.

Authorised calls reach the stack's real upstream, so:

- Only GET, HEAD and OPTIONS calls are retried (``verify.http``): a write that timed out or got a
  502 may have been carried out already.
- ``writes=False`` (``--no-writes``): for routes of any other method, only the calls the authorizer
  answers itself are sent: no token, a tampered token, and clients lacking the route's scopes
  (unless their fresh token carries one of those scopes anyway: that call would pass). The
  authorised calls are reported as skipped. If the deployed route has no authorizer at all, even
  those calls reach the upstream: that is the fault the run then reports.
- Where 2xx is expected, an upstream 4xx other than 401, 403 and 429 (which API Gateway also
  answers itself) means the call passed the authorizer and the upstream refused the placeholder id
  or the ``{}`` body: it counts as passed, with a note, unless ``strict``. API Gateway's own 404
  (no route matches) fails: the route is not deployed. 5xx fails.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast

from authorizer.statuses import NOT_AUTHORIZED
from verify.authorizer import Expected, route_expectation, token_roles, token_scopes
from verify.context import Context
from verify.errors import UnreachableError
from verify.http import SAFE_METHODS, HttpError, HttpResponse
from verify.outputs import COMMAND, Client, Route, StackOutputs
from verify.pacing import TokenBucket
from verify.redact import scrub_foreign
from verify.tokens import TokenError, fetch_token, tamper, unverified_parts

# Requests in flight at once: enough to hide a 20-50 ms round trip (bench/smoke.py), few enough to be
# gentle on a small upstream; the stage's throttle paces them further.
DEFAULT_CONCURRENCY: Final = 16
MAX_CONCURRENCY: Final = 64

NO_TOKEN: Final = "(no token)"  # noqa: S105  (a caller label)
TAMPERED: Final = "(tampered token)"
PLACEHOLDER: Final = "1"
SKIPPED: Final = "skipped"
_PARAM: Final = re.compile(r"\{[^/{}]+\}")
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_WWW_DESCRIPTION: Final = re.compile(r'error_description="([^"]*)"')
# What an HTTP API answers when no route matches the request: 404 with this body (observed in
# hanabu/lambda-web issue 10; the AWS Lambda test tool emulates HTTP APIs so, aws/aws-lambda-dotnet
# pull request 1909). An upstream answering exactly this body would be taken for API Gateway.
_GATEWAY_NOT_FOUND: Final = {"message": "Not Found"}
# Statuses API Gateway answers itself (authorizer 401/403, stage throttling 429): an upstream's
# answer with one of them cannot be told apart, so it never counts as "passed the authorizer".
_GATEWAY_STATUSES: Final = frozenset({401, 403, 429})


@dataclass
class ClientToken:
    client: Client
    label: str | None = None
    """The secret's label when it is not ``clientSecret`` (``--all-secrets``); ``None``: clientSecret."""
    token: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    error: str | None = None
    hints: list[str] = field(default_factory=list)

    @property
    def caller(self) -> str:
        """How the report names it: the client, and the secret's label when it is another secret."""
        return self.client.name if self.label is None else f"{self.client.name} (secret {self.label})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "client": self.client.name,
            "secret": self.label or self.client.current_label,
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
    writes: bool = True
    strict: bool = False
    all_secrets: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    paced: bool = False
    """Paced to the ``throttle`` output (False: the outputs have none)."""

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.calls) and all(t.error is None for t in self.tokens)

    @property
    def skipped(self) -> int:
        return sum(c.got == SKIPPED for c in self.calls)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mismatches": sum(not c.ok for c in self.calls),
            "skipped": self.skipped,
            "writes": self.writes,
            "strict": self.strict,
            "allSecrets": self.all_secrets,
            "concurrency": self.concurrency,
            "paced": self.paced,
            "tokens": [t.as_dict() for t in self.tokens],
            "calls": [c.as_dict() for c in self.calls],
        }


def route_url(api_url: str, path: str) -> str:
    """apiUrl (with or without a trailing /) joined with the path, parameters filled in."""
    return api_url.rstrip("/") + _PARAM.sub(PLACEHOLDER, path)


def call_method(route: Route) -> str:
    """The method smoke sends: the route's, GET for ANY."""
    return "GET" if route.method == "ANY" else route.method


def get_token(ctx: Context, client: Client, label: str | None = None) -> ClientToken:
    result = ClientToken(client, label)
    try:
        token = fetch_token(ctx, client, label)
    except TokenError as e:
        result.error, result.hints = str(e), e.hints
        return result
    result.token = token
    parts = unverified_parts(token)
    if parts is not None:
        claims = parts[1]
        result.scopes = token_roles(claims) if ctx.outputs.uses_roles else token_scopes(claims)
        roles = claims.get("roles")
        result.roles = tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else ()
        result.hints = ctx.platform.token_hints(claims)
    return result


def run(
    ctx: Context,
    *,
    writes: bool = True,
    strict: bool = False,
    all_secrets: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> SmokeReport:
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1..{MAX_CONCURRENCY}")
    outputs = ctx.outputs
    wanted: list[tuple[Client, str | None]] = []
    for c in outputs.clients:
        wanted.append((c, None))
        if all_secrets:
            wanted += [(c, s.label) for s in c.secrets if s.label != c.current_label]
    for c, label in wanted:
        outputs.secret_of(c, label)  # fail on '[secret]' placeholders before any request is sent
    bucket = TokenBucket.below(outputs.throttle.rate, outputs.throttle.burst) if outputs.throttle else None

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="smoke") as pool:
        tokens = _in_order(pool, lambda w: get_token(ctx, *w), wanted)
        forged: str | None = None
        for t in tokens:
            if t.token:
                forged = tamper(t.token)
                break
        ctx.redactor.add(forged)
        plan = _Plan(ctx, [t for t in tokens if t.label is None], forged, writes, strict, bucket)
        jobs = [job for route in outputs.routes for job in plan.route_calls(route)]
        # Sent first and alone: a call API Gateway answers itself, so a silent API ends the run there.
        probe = next((i for i, j in enumerate(jobs) if isinstance(j, _Send) and _gateway_answers(j)), 0)
        calls = _in_order(pool, plan.execute, jobs, first=probe)
    silent = plan.silent_gateway(calls)
    if silent is not None:
        raise UnreachableError("the API", silent)
    report = SmokeReport(tokens, calls, writes, strict, all_secrets, concurrency, paced=bucket is not None)
    return report


_T = TypeVar("_T")
_R = TypeVar("_R")


def _in_order(pool: ThreadPoolExecutor, work: Callable[[_T], _R], items: Sequence[_T], first: int = 0) -> list[_R]:
    """``work`` on every item, ``items[first]`` alone (a server that cannot be reached stops the run after
    one request's retries), the rest on the pool; results in the items' order."""
    if not items:
        return []
    alone = work(items[first])
    rest: Iterator[_R] = pool.map(work, [*items[:first], *items[first + 1 :]])
    done = list(rest)
    return [*done[:first], alone, *done[first:]]


def _gateway_answers(job: _Send) -> bool:
    """A call API Gateway answers itself (401), the upstream never sees: no token on a protected route.
    Both authorizers answer it without running (the JWT authorizer, and the Lambda authorizer whose
    identity source, the Authorization header, is missing)."""
    return job.caller == NO_TOKEN and not job.route.public


@dataclass(frozen=True)
class _Send:
    """A call to send: who calls which route with which token, and what the grants say it should get."""

    route: Route
    caller: str
    token: str | None = field(repr=False)
    expected: Expected
    info: ClientToken | None = None


@dataclass(frozen=True)
class _Plan:
    """One smoke run: the context, the clients' fresh tokens, the forged one, the options."""

    ctx: Context
    tokens: list[ClientToken]
    forged: str | None
    writes: bool
    strict: bool
    bucket: TokenBucket | None = None
    timeouts: dict[tuple[str, str], HttpError] = field(default_factory=dict)
    """The calls that got no answer within the timeout, by (caller, route)."""
    answered: list[bool] = field(default_factory=list)
    """Non-empty once the API answered any call (any status)."""

    def silent_gateway(self, calls: Sequence[Call]) -> HttpError | None:
        """The first timeout in report order when the API answered no call at all, else None: one route
        timing out behind a gateway that answers the others is a finding about that route."""
        if self.answered:
            return None
        for c in calls:
            error = self.timeouts.get((c.caller, c.route))
            if error is not None:
                return error
        return None

    def route_calls(self, route: Route) -> list[Call | _Send]:
        """The route's calls in report order: each sent later (``_Send``) or already decided (``Call``)."""
        method = call_method(route)
        # May a call that passes the authorizer be sent? It reaches the upstream.
        may_pass = self.writes or method in SAFE_METHODS
        skipped = f"not sent (--no-writes): an authorised {method} reaches the upstream"
        send = _Send

        if route.public:
            if may_pass:
                return [send(route, NO_TOKEN, None, "2xx")]
            return [Call(NO_TOKEN, route.key, "2xx", SKIPPED, True, skipped)]
        calls: list[Call | _Send] = [send(route, NO_TOKEN, None, "401")]
        # The JWT authorizer answers a bad signature 401; the roles platforms' Lambda authorizer
        # refuses it, and API Gateway answers that 403 (authorizer/statuses.py: unverified).
        forged: Expected = cast(Expected, str(NOT_AUTHORIZED)) if self.ctx.outputs.uses_roles else "401"
        if self.forged:
            calls.append(send(route, TAMPERED, self.forged, forged))
        else:
            calls.append(Call(TAMPERED, route.key, forged, SKIPPED, True, "no client token to forge from"))
        for t in self.tokens:
            expected, _ = route_expectation(route.scopes, t.client.grants)
            carried = sorted(set(t.scopes) & set(route.scopes))
            if t.token is None:
                calls.append(Call(t.client.name, route.key, expected, "no token", False, "token request failed"))
            elif may_pass or (expected == "403" and not carried):
                calls.append(send(route, t.client.name, t.token, expected, t))
            elif expected == "2xx":
                calls.append(Call(t.client.name, route.key, expected, SKIPPED, True, skipped))
            else:
                calls.append(
                    Call(
                        t.client.name,
                        route.key,
                        expected,
                        "not sent",
                        False,
                        f"the fresh token carries {', '.join(carried)}, which the outputs do not grant this client: "
                        "the call would pass the authorizer and reach the upstream, so it was not sent "
                        "(--no-writes). A grant is still in B2C (revocation incomplete) or the outputs are stale",
                    )
                )
        return calls

    def execute(self, job: Call | _Send) -> Call:
        if isinstance(job, Call):
            return job
        return self.call(job.route, job.caller, job.token, job.expected, job.info)

    def call(
        self, route: Route, caller: str, token: str | None, expected: Expected, info: ClientToken | None = None
    ) -> Call:
        method = call_method(route)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            # Retried only when the method is safe (HttpClient's default): this reaches the upstream.
            response = self.ctx.http.request(
                method,
                route_url(self.ctx.outputs.api_url, route.path),
                headers=headers,
                json_body={} if method in _BODY_METHODS else None,
                pace=self.bucket.acquire if self.bucket is not None else None,
            )
        except HttpError as e:
            if e.unreachable:
                raise UnreachableError("the API", e) from None
            if e.no_answer:
                if caller == NO_TOKEN and not route.public:
                    # API Gateway answers this call itself: no answer is the API's, not an upstream's.
                    raise UnreachableError("the API", e) from None
                self.timeouts[(caller, route.key)] = e
            return Call(caller, route.key, expected, e.kind, False, str(e), e.attempts)
        self.answered.append(True)
        ok, note = judge(expected, response, route, info, self.strict, self.ctx.outputs)
        return Call(caller, route.key, expected, str(response.status), ok, note, response.attempts)


def matches(expected: Expected, status: int) -> bool:
    if expected == "2xx":
        return 200 <= status < 300
    return str(status) == expected


def upstream_refused(status: int) -> bool:
    """A 4xx that only the upstream gives: the call passed API Gateway (authorizer included)."""
    return 400 <= status < 500 and status not in _GATEWAY_STATUSES


def gateway_not_found(response: HttpResponse) -> bool:
    return response.status == 404 and response.json() == _GATEWAY_NOT_FOUND


def judge(
    expected: Expected,
    response: HttpResponse,
    route: Route,
    info: ClientToken | None,
    strict: bool = False,
    outputs: StackOutputs | None = None,
) -> tuple[bool, str]:
    """Whether the answer is what the grants imply, and a note saying why (or what else to know)."""
    status = response.status
    if gateway_not_found(response):
        return False, (
            f"API Gateway's own 404 (no route matches {call_method(route)} {route_url('', route.path)}): "
            f"{route.key} is not deployed on this stage. Run `pulumi up`, and check that apiUrl is this stack's"
        )
    if matches(expected, status):
        return True, ""
    if expected == "2xx" and not strict and upstream_refused(status):
        where = "reached the upstream (public route)" if route.public else "passed the authorizer"
        return True, f"{where}; upstream answered {status}"
    return False, explain(expected, response, route, info, outputs)


def explain(
    expected: Expected,
    response: HttpResponse,
    route: Route,
    info: ClientToken | None,
    outputs: StackOutputs | None = None,
) -> str:
    """Why a status differs from the expectation, in the authorizer's terms. Follow-up commands read
    the same outputs as this run (``--outputs FILE`` or ``--stack NAME``)."""
    status = response.status
    tries = f" after {response.attempts} tries" if response.attempts > 1 else ""
    if status == 401:
        m = _WWW_DESCRIPTION.search(response.headers.get("www-authenticate", ""))
        # The header is the gateway's text, not verify's: scrubbed as foreign text.
        cause = f"API Gateway: {scrub_foreign(m.group(1))}" if m else "the JWT authorizer rejected the token"
        if info is not None:
            doctor = _command(outputs, "doctor", "--client", info.client.name)
            return f"{cause}; run `{doctor}` and `{_command(outputs, 'preflight')}`"
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
    passed = 200 <= status < 300 or upstream_refused(status)
    answered = "" if 200 <= status < 300 else f" (the upstream answered {status})"
    if passed and expected == "403" and info is not None:
        extra = set(info.scopes) & set(route.scopes)
        if extra:
            return (
                f"the token carries {', '.join(sorted(extra))}, which the outputs do not grant this client{answered}: "
                "a grant is still in B2C (revocation incomplete) or the outputs are stale"
            )
        return (
            f"the route let a token without its scopes through{answered}: the deployed route's scopes differ from "
            "the outputs"
        )
    if passed and expected == "401":
        return f"the route answered without a valid token{answered}: the deployed route has no JWT authorizer"
    if expected == "2xx" and upstream_refused(status):
        return (
            f"passed the authorizer, but the upstream answered {status} and --strict requires 2xx (path "
            f"parameters were filled with {PLACEHOLDER!r}; POST, PUT and PATCH send {{}})"
        )
    if status == 429:
        return f"throttled{tries}: the stage's throttling limits"
    if status >= 500:
        return f"server error{tries}: integration or upstream failure (API Gateway passes the upstream's status on)"
    return ""


def _command(outputs: StackOutputs | None, *args: str) -> str:
    """A follow-up ``uv run python -m verify`` command reading the same outputs as this run."""
    return outputs.command(*args) if outputs is not None else shlex.join([*COMMAND, *args])
