"""The stack config contract: parsing and validation, before any resource is registered.

``parse_settings`` is plain Python: it takes the raw values of the config keys and returns frozen,
typed ``Settings``, or raises ``ConfigError`` listing *every* bad key with what would be valid, so a
user fixes a config in one round. ``read_settings`` reads the keys from Pulumi config and turns a
``ConfigError`` into a ``pulumi.RunError`` (printed without a stack trace) before ``__main__``
creates anything: a bad config never deploys half a stack.

The keys live in the ``b2c-apigw`` namespace (``tenant``, ``api``, ``clients``), plus the provider
key ``azuread:tenantId``, which must name the B2C directory itself (docs/facts.md: registrations made in
the company's main directory are the commonest failure).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast
from urllib.parse import SplitResult, urlsplit

from . import b2c, naming

NAMESPACE: Final = "b2c-apigw"

# --- Limits and defaults, each with where it comes from -------------------------------------------

DEFAULT_ISSUER_FORMAT: Final[b2c.IssuerFormat] = "tfp"
DEFAULT_THROTTLE_BURST: Final = 50
DEFAULT_THROTTLE_RATE: Final = 100.0
# API Gateway's default account-level quota (AWS "Amazon API Gateway quotas"): 10,000 requests per
# second with a burst of 5,000. A stage limit above the account's does nothing.
MAX_THROTTLE_BURST: Final = 5000
MAX_THROTTLE_RATE: Final = 10000.0
DEFAULT_LOG_RETENTION_DAYS: Final = 30
# The only values CloudWatch Logs accepts for retentionInDays (PutRetentionPolicy API reference).
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
DEFAULT_SECRET_DAYS: Final = 180
# The Entra portal offers client secrets of at most 24 months; 730 days matches it.
MIN_SECRET_DAYS: Final = 1
MAX_SECRET_DAYS: Final = 730
# AWS "HTTP API quotas": at most 10 authorization scopes per route.
MAX_SCOPES_PER_ROUTE: Final = 10
# Entra, for the AzureADandPersonalMicrosoftAccount audience: at most 30 permissions per resource in
# requiredResourceAccess (learn.microsoft.com/entra/identity-platform/supported-accounts-validation).
MAX_GRANTS_PER_CLIENT: Final = 30
# AWS "Quotas for configuring and running an HTTP API": routes per API, raisable per account.
DEFAULT_ROUTES_QUOTA: Final = 300
# HTTP API route methods (AWS "Working with routes for HTTP APIs").
HTTP_METHODS: Final = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

# Patterns end in \Z, not $: $ also matches before a final newline, which a YAML block scalar (|) adds.
# aws:region, e.g. eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-4.
_AWS_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}\Z")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# The tenant name is the left-most label of <name>.onmicrosoft.com and <name>.b2clogin.com: letters
# and digits only (the B2C "Initial domain name" field), at most a DNS label long.
_TENANT_NAME = re.compile(r"^[a-z0-9]{1,63}\Z")
# User flows are B2C_1_<name>, custom policies B2C_1A_<name>; the portal writes the prefix in capitals.
# The tfp issuer carries the policy as B2C writes it, which may be lowercased, and API Gateway compares
# it byte for byte, so the spelling is kept exactly as configured and any case is accepted: preflight
# reports a case difference and tells the user to copy B2C's spelling here.
_POLICY = re.compile(r"^(?i:B2C_1A?_)[A-Za-z0-9_.-]{1,100}\Z")
_HOSTNAME = re.compile(r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+\Z")
# API and client names reach AWS names, display names and the App ID URI: keep them slugs.
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,31}\Z")
# App role values: no spaces, not starting with a dot (Entra appRole.value); kept to characters that
# are also safe in an API Gateway authorization scope and a Pulumi logical name.
_PERMISSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}\Z")
_ROUTE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>/\S*)\Z")
_SEGMENT = re.compile(r"^(\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\+\}|[A-Za-z0-9._~!$&'()*,;=:@-]+)\Z")

_TENANT_KEYS: Final = ("name", "id", "policy", "issuerFormat", "domain")
_API_KEYS: Final = ("name", "permissions", "upstream", "routes", "throttle", "logRetentionDays", "appIdUri")
_PERMISSION_KEYS: Final = ("value", "description")
_ROUTE_KEYS: Final = ("route", "scopes", "public")
_THROTTLE_KEYS: Final = ("burst", "rate")
_CLIENT_KEYS: Final = ("name", "grants", "secretDays")


# --- The typed settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    """The Azure AD B2C tenant and the user flow whose endpoints issue the tokens."""

    name: str
    """Initial domain prefix: ``contosob2c`` for ``contosob2c.onmicrosoft.com``."""
    id: str
    """Directory (tenant) id, a GUID; the ``<tenantId>`` of the issuer."""
    policy: str
    """An existing user flow or custom policy (``B2C_1_susi``); B2C endpoints are policy-scoped."""
    issuer_format: b2c.IssuerFormat
    """Which ``iss`` form the user flow emits: ``tfp`` (default) or ``tenant``."""
    domain: str | None
    """Custom domain replacing ``<name>.b2clogin.com``, if any."""

    @property
    def issuer(self) -> str:
        return b2c.issuer(self.name, self.id, self.policy, self.issuer_format, self.domain)

    @property
    def token_url(self) -> str:
        return b2c.token_url(self.name, self.policy, self.domain)


@dataclass(frozen=True)
class Permission:
    """One app role on the API app, and the scope routes demand."""

    value: str
    description: str


@dataclass(frozen=True)
class Route:
    """One API Gateway route: ``key`` is ``METHOD /path``; ``scopes`` is empty for public routes."""

    key: str
    scopes: tuple[str, ...]
    public: bool


@dataclass(frozen=True)
class Throttle:
    """Stage-wide default route throttling."""

    burst: int
    rate: float


@dataclass(frozen=True)
class Api:
    """The protected API: its permissions, upstream and routes."""

    name: str
    permissions: tuple[Permission, ...]
    upstream: str
    """``https://host[:port]``; each route's path is forwarded to it unchanged."""
    routes: tuple[Route, ...]
    throttle: Throttle
    log_retention_days: int
    identifier_uri: str
    """The App ID URI: the override from config, else ``https://<tenant>.onmicrosoft.com/<api>-<stack>``."""

    @property
    def permission_values(self) -> tuple[str, ...]:
        return tuple(p.value for p in self.permissions)


@dataclass(frozen=True)
class Client:
    """A machine-to-machine caller and the permissions granted to it (admin consent)."""

    name: str
    grants: tuple[str, ...]
    secret_days: int


@dataclass(frozen=True)
class Settings:
    """Everything ``__main__`` needs, validated."""

    stack: str
    tenant: Tenant
    api: Api
    clients: tuple[Client, ...]
    notices: tuple[str, ...] = ()
    """Things worth a warning that are not errors (``__main__`` logs them)."""


class ConfigError(ValueError):
    """The config is invalid; ``problems`` lists each bad key with what would be valid."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the stack config is invalid; nothing was created. Fix these keys and run again:\n{lines}")


# --- Validation ------------------------------------------------------------------------------------


class _Problems:
    """Collects problems so one run reports every bad key, not just the first."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{key}: {message}")


def _show(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _mapping(raw: object, key: str, allowed: Sequence[str], p: _Problems) -> Mapping[str, Any] | None:
    if not isinstance(raw, Mapping):
        p.add(key, f"must be a map with the keys {', '.join(allowed)} (got {_show(raw)})")
        return None
    for k in raw:
        if k not in allowed:
            p.add(f"{key}.{k}", f"unknown key (valid: {', '.join(allowed)})")
    return cast(Mapping[str, Any], raw)


def _string(raw: Mapping[str, Any], field: str, key: str, p: _Problems, *, required: bool = True) -> str | None:
    value = raw.get(field)
    if value is None:
        if required:
            p.add(f"{key}.{field}", "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        p.add(f"{key}.{field}", f"must be a non-empty string (got {_show(value)})")
        return None
    return value


def _int(raw: Mapping[str, Any], field: str, key: str, default: int, p: _Problems) -> int | None:
    value = raw.get(field, default)
    # bool is an int in Python; `true` in YAML is never a number of days.
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(f"{key}.{field}", f"must be a whole number (got {_show(value)})")
        return None
    return value


def _string_list(raw: Mapping[str, Any], field: str, key: str, p: _Problems) -> list[str] | None:
    value = raw.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        p.add(f"{key}.{field}", f"must be a list of permission values (got {_show(value)})")
        return None
    return cast(list[str], value)


def _check_permission_refs(values: Sequence[str], known: Sequence[str], key: str, p: _Problems) -> tuple[str, ...]:
    seen: list[str] = []
    for v in values:
        if v not in known:
            p.add(key, f"{v!r} is not in api.permissions (valid: {', '.join(known) or 'none defined'})")
        elif v in seen:
            p.add(key, f"lists {v!r} twice")
        else:
            seen.append(v)
    return tuple(seen)


def _parse_tenant(raw: object, p: _Problems) -> Tenant | None:
    key = f"{NAMESPACE}:tenant"
    t = _mapping(raw, key, _TENANT_KEYS, p)
    if t is None:
        return None
    before = len(p.items)
    name = _string(t, "name", key, p)
    if name is not None and not _TENANT_NAME.match(name):
        hint = ""
        if "." in name:
            hint = f"; give only the prefix, e.g. {name.split('.', 1)[0].lower()!r}"
        elif name.lower() != name:
            hint = f"; write it in lowercase, {name.lower()!r}"
        p.add(
            f"{key}.name",
            f"{name!r} is not an onmicrosoft.com prefix "
            f"(lowercase letters and digits only, at most 63 characters{hint})",
        )
    tenant_id = _string(t, "id", key, p)
    if tenant_id is not None and not _GUID.match(tenant_id):
        p.add(
            f"{key}.id",
            f"{tenant_id!r} is not a GUID (the B2C directory's tenant id, e.g. 11111111-2222-3333-4444-555555555555)",
        )
    policy = _string(t, "policy", key, p)
    if policy is not None and not _POLICY.match(policy):
        p.add(
            f"{key}.policy",
            f"{policy!r} is not a B2C user flow or custom policy name "
            "(B2C_1_<name> for a user flow, B2C_1A_<name> for a custom policy)",
        )
    fmt = t.get("issuerFormat", DEFAULT_ISSUER_FORMAT)
    if fmt not in b2c.ISSUER_FORMATS:
        p.add(f"{key}.issuerFormat", f"{_show(fmt)} is not an issuer format (valid: tfp, tenant)")
    domain = _string(t, "domain", key, p, required=False)
    if domain is not None and not _HOSTNAME.match(domain):
        p.add(
            f"{key}.domain",
            f"{domain!r} is not a host name (give only the host, e.g. login.contoso.com, without https:// or a path)",
        )
    if len(p.items) > before or name is None or tenant_id is None or policy is None:
        return None
    return Tenant(
        name=name,
        id=tenant_id.lower(),
        policy=policy,
        issuer_format=cast(b2c.IssuerFormat, fmt),
        domain=domain,
    )


def _parse_permissions(raw: object, key: str, p: _Problems) -> tuple[Permission, ...]:
    if not isinstance(raw, list) or not raw:
        p.add(key, f"must be a non-empty list of {{value, description}} (got {_show(raw)})")
        return ()
    out: list[Permission] = []
    for i, item in enumerate(raw):
        ikey = f"{key}[{i}]"
        m = _mapping(item, ikey, _PERMISSION_KEYS, p)
        if m is None:
            continue
        value = _string(m, "value", ikey, p)
        if value is None:
            continue
        if not _PERMISSION.match(value):
            p.add(
                f"{ikey}.value",
                f"{value!r} is not a valid app role value (letters, digits, '.', '_', ':' and '-', "
                "no spaces, starting with a letter or digit, at most 120 characters)",
            )
            continue
        if any(q.value == value for q in out):
            p.add(f"{ikey}.value", f"duplicate permission {value!r} (each value defines one app role)")
            continue
        description = _string(m, "description", ikey, p, required=False) or f"Allows {value}"
        out.append(Permission(value=value, description=description))
    return tuple(out)


def _split_url(raw: str, key: str, p: _Problems) -> SplitResult | None:
    """urlsplit, with what it refuses (a bracketed host that is no IP address, characters that
    change under NFKC) reported against the key instead of raised, and what it would silently drop
    (tabs and newlines, e.g. the final newline of a YAML block scalar) refused too."""
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in raw):
        p.add(key, f"{raw!r} contains whitespace or control characters")
        return None
    try:
        return urlsplit(raw)
    except ValueError as error:
        p.add(key, f"{raw!r} is not a valid URL ({error})")
        return None


def _parse_upstream(raw: object, key: str, p: _Problems) -> str | None:
    if not isinstance(raw, str) or not raw:
        p.add(key, f"is required: the https:// origin the routes forward to (got {_show(raw)})")
        return None
    parts = _split_url(raw, key, p)
    if parts is None:
        return None
    if parts.scheme != "https" or not parts.hostname:
        p.add(key, f"{raw!r} must be an https:// URL (API Gateway calls it over the internet)")
        return None
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port in (-1, 0) or not _HOSTNAME.match((parts.hostname or "").lower()):
        p.add(key, f"{raw!r} does not have a valid host name and port")
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        p.add(
            key,
            f"{raw!r} must be an origin only, like https://{parts.netloc}: the integration forwards each "
            "route's path as-is ($request.path), so a base path would be dropped",
        )
        return None
    # Rebuilt from its parts: "https://example.com:" (an empty port) would otherwise reach the integration.
    return f"https://{parts.hostname}" + (f":{port}" if port is not None else "")


def _check_route_key(route_key: str, key: str, p: _Problems) -> bool:
    m = _ROUTE.match(route_key)
    if not m:
        p.add(key, f"{route_key!r} is not 'METHOD /path' (e.g. 'GET /posts' or 'GET /posts/{{id}}')")
        return False
    method, path = m.group("method"), m.group("path")
    if method not in HTTP_METHODS:
        p.add(key, f"{route_key!r} has an unknown method {method!r} (valid: {', '.join(HTTP_METHODS)})")
        return False
    if path != "/":
        segments = path[1:].split("/")
        for i, seg in enumerate(segments):
            if not _SEGMENT.match(seg) or (seg.endswith("+}") and i != len(segments) - 1):
                p.add(
                    key,
                    f"{route_key!r} has an invalid path segment {seg!r} (segments are literal text, "
                    "{name}, or a greedy {name+} as the last segment; no empty segments or trailing '/')",
                )
                return False
    return True


def _route_shape(route_key: str) -> str:
    """A route key with its path parameter names blanked: two keys of one shape match the same requests."""
    return re.sub(r"\{[A-Za-z0-9_]+(\+?)\}", r"{\1}", route_key)


def _path_parameters(route_key: str) -> list[tuple[str, str, str, bool]]:
    """Each path parameter of a route key: (the path before it with parameter names blanked, the
    same path as written, its name, greedy or not)."""
    segments = route_key.split(" ", 1)[1].split("/")[1:]
    found = []
    for i, seg in enumerate(segments):
        if seg.startswith("{"):
            before = "/" + "".join(f"{s}/" for s in segments[:i])
            found.append((_route_shape(before), before, seg.strip("{}+"), seg.endswith("+}")))
    return found


def _renamed_parameter(route_key: str, seen: dict[tuple[str, bool], tuple[str, str]]) -> str | None:
    """What is wrong if ``route_key`` names a path position differently from an earlier route;
    otherwise records its names in ``seen`` ((blanked path before, greedy) -> (name, route key)).

    API Gateway keeps one parameter name per path position across all routes, whatever their
    methods: ``DELETE /posts/{postId}`` beside ``GET /posts/{id}`` fails CreateRoute with
    ConflictException ("has a conflicting variable on the same hierarchical level"; reported by
    users, not in AWS's docs). A greedy and a plain parameter at one position are left alone."""
    params = _path_parameters(route_key)
    for shape, before, name, greedy in params:
        first = seen.get((shape, greedy))
        if first is not None and first[0] != name:
            plus = "+" if greedy else ""
            return (
                f"{route_key!r} calls the path parameter after {before} {{{name}{plus}}} where {first[1]!r} calls "
                f"it {{{first[0]}{plus}}}: API Gateway allows one name per path position across all routes and "
                "methods (ConflictException), so use one name"
            )
    for shape, _, name, greedy in params:
        seen.setdefault((shape, greedy), (name, route_key))
    return None


def _parse_routes(raw: object, key: str, permissions: Sequence[str], p: _Problems) -> tuple[Route, ...]:
    if not isinstance(raw, list) or not raw:
        p.add(key, f"must be a non-empty list of {{route, scopes}} or {{route, public: true}} (got {_show(raw)})")
        return ()
    out: list[Route] = []
    shapes: dict[str, str] = {}  # route shape -> the first route key of that shape (linear, not pairwise)
    # (path before a parameter, greedy) -> (the parameter's name there, the first route key naming it)
    parameter_names: dict[tuple[str, bool], tuple[str, str]] = {}
    for i, item in enumerate(raw):
        ikey = f"{key}[{i}]"
        m = _mapping(item, ikey, _ROUTE_KEYS, p)
        if m is None:
            continue
        route_key = _string(m, "route", ikey, p)
        if route_key is None or not _check_route_key(route_key, f"{ikey}.route", p):
            continue
        shape = _route_shape(route_key)
        first = shapes.get(shape)
        if first == route_key:
            p.add(f"{ikey}.route", f"duplicate route {route_key!r} (each route key may appear once)")
            continue
        if first is not None:
            p.add(
                f"{ikey}.route",
                f"{route_key!r} matches the same requests as {first!r} (only path parameter names differ)",
            )
            continue
        renamed = _renamed_parameter(route_key, parameter_names)
        if renamed:
            p.add(f"{ikey}.route", renamed)
            continue
        shapes[shape] = route_key
        public = m.get("public", False)
        if not isinstance(public, bool):
            p.add(f"{ikey}.public", f"must be true or false (got {_show(public)})")
            continue
        rkey = f"{ikey} ({route_key}).scopes"
        scopes = _string_list(m, "scopes", f"{ikey} ({route_key})", p)
        if scopes is None:
            continue
        if public and scopes:
            p.add(rkey, "a public route takes no scopes: remove them, or remove 'public: true'")
            continue
        if not public and not scopes:
            p.add(
                rkey,
                "a protected route needs at least one scope "
                f"(one of: {', '.join(permissions)}); to serve it without a token set 'public: true'",
            )
            continue
        if len(scopes) > MAX_SCOPES_PER_ROUTE:
            p.add(rkey, f"has {len(scopes)} scopes; API Gateway allows at most {MAX_SCOPES_PER_ROUTE} per route")
            continue
        out.append(Route(key=route_key, scopes=_check_permission_refs(scopes, permissions, rkey, p), public=public))
    return tuple(out)


def _parse_throttle(raw: object, key: str, p: _Problems) -> Throttle | None:
    if raw is None:
        return Throttle(burst=DEFAULT_THROTTLE_BURST, rate=DEFAULT_THROTTLE_RATE)
    m = _mapping(raw, key, _THROTTLE_KEYS, p)
    if m is None:
        return None
    burst = _int(m, "burst", key, DEFAULT_THROTTLE_BURST, p)
    # 0 is accepted by AWS and answers every request with 429: never what a stack wants.
    if burst is not None and not 1 <= burst <= MAX_THROTTLE_BURST:
        p.add(f"{key}.burst", f"{burst} is outside 1..{MAX_THROTTLE_BURST} (requests)")
        burst = None
    rate = m.get("rate", DEFAULT_THROTTLE_RATE)
    # `pulumi config set --path ...throttle.rate 12.5` stores a string: without --type float (newer
    # CLIs only) the CLI types only whole numbers and true/false (pulumi config set docs).
    if isinstance(rate, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", rate):
        rate = float(rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= MAX_THROTTLE_RATE:
        p.add(
            f"{key}.rate",
            f"{_show(rate)} must be a number above 0 and at most {MAX_THROTTLE_RATE:g} (requests per second)",
        )
        return None
    if burst is None:
        return None
    return Throttle(burst=burst, rate=float(rate))


def _identifier_uri_problem(parts: SplitResult, tenant: Tenant | None) -> str | None:
    """What Entra's identifier URI restrictions would refuse, as far as config can tell.

    With this sign-in audience Entra accepts only URIs that carry something unique to the tenant:
    its id, an app id, or one of its verified domains (learn.microsoft.com/entra/identity-platform/
    identifier-uri-restrictions). Custom verified domains are not known here, so any other dotted
    host passes; another tenant's onmicrosoft.com domain cannot be verified in this one."""
    host = parts.hostname or ""
    initial = f"{tenant.name}.onmicrosoft.com" if tenant is not None else None
    if initial and host.endswith(".onmicrosoft.com") and host != initial and not host.endswith(f".{initial}"):
        return f"{host} is not a domain of this tenant: use {initial} or one of its verified custom domains"
    if host == "b2clogin.com" or host.endswith(".b2clogin.com"):
        domain = initial or "its onmicrosoft.com domain"
        return f"{host} is Microsoft's sign-in host, not a domain of this tenant: use {domain}"
    if _is_ip(host):
        return "an IP address is not a verified domain"
    if "." in host:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme == "api" and (_GUID.match(host) or any(_GUID.match(s) for s in segments)):
        return None
    example = f"https://{initial}/orders" if initial else "https://<tenant>.onmicrosoft.com/orders"
    return (
        f"Entra refuses an App ID URI with nothing unique to the tenant in it: use a verified domain "
        f"({example}) or api://<tenant id>/<name>"
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _parse_identifier_uri(raw: object, key: str, tenant: Tenant | None, p: _Problems) -> str | None:
    if not isinstance(raw, str) or not raw:
        p.add(key, f"must be a URI string (got {_show(raw)})")
        return None
    parts = _split_url(raw, key, p)
    if parts is None:
        return None
    if parts.scheme not in ("https", "api") or not parts.netloc:
        p.add(key, f"{raw!r} must start with https:// (on a verified domain) or api://; urn: is not accepted")
    elif parts.query or parts.fragment or raw.endswith("/") or "*" in raw:
        p.add(key, f"{raw!r} must not end with '/' nor carry a query, fragment or wildcard")
    elif len(raw) > naming.MAX_IDENTIFIER_URI_LENGTH:
        p.add(key, f"{raw!r} is {len(raw)} characters; Entra ID allows {naming.MAX_IDENTIFIER_URI_LENGTH}")
    elif problem := _identifier_uri_problem(parts, tenant):
        p.add(key, f"{raw!r}: {problem}")
    else:
        return raw
    return None


def _parse_api(raw: object, tenant: Tenant | None, stack: str, p: _Problems) -> Api | None:
    key = f"{NAMESPACE}:api"
    a = _mapping(raw, key, _API_KEYS, p)
    if a is None:
        return None
    before = len(p.items)
    name = _string(a, "name", key, p)
    if name is not None and not _SLUG.match(name):
        p.add(
            f"{key}.name",
            f"{name!r} must be lowercase letters, digits and '-', starting with a letter, at most 32 characters",
        )
    elif name is not None and (problem := _display_name_problem(naming.api_display_name(name, stack), stack)):
        p.add(f"{key}.name", problem)
    permissions = _parse_permissions(a.get("permissions"), f"{key}.permissions", p)
    values = [q.value for q in permissions]
    upstream = _parse_upstream(a.get("upstream"), f"{key}.upstream", p)
    routes = _parse_routes(a.get("routes"), f"{key}.routes", values, p)
    throttle = _parse_throttle(a.get("throttle"), f"{key}.throttle", p)
    retention = _int(a, "logRetentionDays", key, DEFAULT_LOG_RETENTION_DAYS, p)
    if retention is not None and retention not in LOG_RETENTION_DAYS:
        p.add(
            f"{key}.logRetentionDays",
            f"{retention} is not a CloudWatch retention (valid: {', '.join(map(str, LOG_RETENTION_DAYS))})",
        )
    identifier_uri: str | None = None
    if "appIdUri" in a:
        identifier_uri = _parse_identifier_uri(a["appIdUri"], f"{key}.appIdUri", tenant, p)
    elif tenant is not None and name is not None and _SLUG.match(name):
        identifier_uri = naming.default_identifier_uri(tenant.name, name, stack)
        if len(identifier_uri) > naming.MAX_IDENTIFIER_URI_LENGTH:
            p.add(
                f"{key}.name",
                f"the App ID URI {identifier_uri!r} would exceed {naming.MAX_IDENTIFIER_URI_LENGTH} characters: "
                "shorten the API name or set api.appIdUri",
            )
    if (
        len(p.items) > before
        or name is None
        or upstream is None
        or throttle is None
        or retention is None
        or identifier_uri is None
    ):
        return None
    return Api(
        name=name,
        permissions=permissions,
        upstream=upstream,
        routes=routes,
        throttle=throttle,
        log_retention_days=retention,
        identifier_uri=identifier_uri,
    )


def _display_name_problem(display_name: str, stack: str) -> str | None:
    """Whether Entra would refuse this display name. It bounds every other visible name too: the
    HTTP API name (128 in the AWS provider) and the log group name are shorter than it."""
    if len(display_name) <= naming.MAX_DISPLAY_NAME_LENGTH:
        return None
    return (
        f"the registration's display name {display_name!r} would be {len(display_name)} characters; Entra "
        f"allows {naming.MAX_DISPLAY_NAME_LENGTH} for this sign-in audience: shorten this name or the stack's "
        f"({stack!r})"
    )


def _parse_clients(
    raw: object, permissions: Sequence[str] | None, api_name: str | None, stack: str, p: _Problems
) -> tuple[Client, ...]:
    key = f"{NAMESPACE}:clients"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        p.add(key, f"must be a list of {{name, grants, secretDays}} (got {_show(raw)})")
        return ()
    out: list[Client] = []
    for i, item in enumerate(raw):
        ikey = f"{key}[{i}]"
        m = _mapping(item, ikey, _CLIENT_KEYS, p)
        if m is None:
            continue
        name = _string(m, "name", ikey, p)
        if name is None:
            continue
        if not _SLUG.match(name):
            p.add(
                f"{ikey}.name",
                f"{name!r} must be lowercase letters, digits and '-', starting with a letter, at most 32 characters",
            )
            continue
        if any(c.name == name for c in out):
            p.add(f"{ikey}.name", f"duplicate client name {name!r}")
            continue
        if api_name is not None and (
            problem := _display_name_problem(naming.client_display_name(api_name, stack, name), stack)
        ):
            p.add(f"{ikey}.name", problem)
            continue
        ckey = f"{ikey} ({name})"
        grants = _string_list(m, "grants", ckey, p)
        days = _int(m, "secretDays", ckey, DEFAULT_SECRET_DAYS, p)
        if days is not None and not MIN_SECRET_DAYS <= days <= MAX_SECRET_DAYS:
            p.add(f"{ckey}.secretDays", f"{days} is outside {MIN_SECRET_DAYS}..{MAX_SECRET_DAYS} (days)")
            continue
        if grants is None or days is None:
            continue
        if len(grants) > MAX_GRANTS_PER_CLIENT:
            p.add(
                f"{ckey}.grants",
                f"has {len(grants)} grants; Entra allows at most {MAX_GRANTS_PER_CLIENT} permissions of one API "
                "per application with this sign-in audience",
            )
            continue
        checked = _check_permission_refs(grants, permissions, f"{ckey}.grants", p) if permissions is not None else ()
        out.append(Client(name=name, grants=checked, secret_days=days))
    return tuple(out)


def parse_settings(
    *,
    tenant: object,
    api: object,
    clients: object,
    stack: str,
    azuread_tenant_id: str | None,
    aws_region: str | None,
) -> Settings:
    """Validate the raw config values (as decoded from YAML/JSON) and return typed settings.

    Raises ``ConfigError`` naming every bad key; ``None`` stands for a key that is not set.
    ``aws_region`` is ``aws:region`` or, as the AWS provider also reads it, ``AWS_REGION`` /
    ``AWS_DEFAULT_REGION``.
    """
    p = _Problems()
    notices: list[str] = []
    # Checked here so that a bad region stops the run before Azure resources are created, rather
    # than failing at the first AWS resource. Unset is only a notice: the provider may still find
    # a region in the AWS profile.
    if aws_region is None:
        notices.append(
            "aws:region is not set (nor AWS_REGION / AWS_DEFAULT_REGION): the AWS provider will use the "
            "profile's region, or fail after the Azure side was created; set aws:region"
        )
    elif not _AWS_REGION.match(aws_region):
        p.add("aws:region", f"{aws_region!r} is not an AWS region name (e.g. eu-west-1)")
    if tenant is None:
        p.add(f"{NAMESPACE}:tenant", "is missing (a map with name, id and policy; see the README)")
    if api is None:
        p.add(f"{NAMESPACE}:api", "is missing (a map with name, permissions, upstream and routes; see the README)")
    t = _parse_tenant(tenant, p) if tenant is not None else None
    a = _parse_api(api, t, stack, p) if api is not None else None
    # Grants are checked against the permissions even when another api key is bad, so that one
    # run names every problem; the permissions' own problems were reported above.
    permission_values: list[str] | None = None
    if a is not None:
        permission_values = list(a.permission_values)
    elif isinstance(api, Mapping):
        permission_values = [q.value for q in _parse_permissions(api.get("permissions"), "", _Problems())]
    api_name = a.name if a is not None else None
    if api_name is None and isinstance(api, Mapping) and isinstance(api.get("name"), str) and _SLUG.match(api["name"]):
        api_name = api["name"]
    c = _parse_clients(clients, permission_values, api_name, stack, p)
    if a is not None and len(a.routes) > DEFAULT_ROUTES_QUOTA:
        notices.append(
            f"api.routes has {len(a.routes)} routes; API Gateway's default quota is {DEFAULT_ROUTES_QUOTA} per API "
            "(Service Quotas: Routes per API): unless it was raised for this account, pulumi up fails partway"
        )

    if azuread_tenant_id is None:
        p.add(
            "azuread:tenantId",
            "is not set: set it to the B2C directory's id (tenant.id) so the azuread provider "
            "creates the registrations there and not in another directory",
        )
    elif (
        isinstance(tenant, Mapping)
        and isinstance(tenant.get("id"), str)
        and _GUID.match(tenant["id"])  # a malformed tenant.id is reported once, above
        and azuread_tenant_id.strip().lower() != str(tenant["id"]).strip().lower()
    ):
        p.add(
            "azuread:tenantId",
            f"{azuread_tenant_id!r} differs from {NAMESPACE}:tenant.id {tenant['id']!r}: the registrations "
            "would be created in another directory than the B2C tenant that issues the tokens",
        )

    if p.items:
        raise ConfigError(p.items)
    assert t is not None and a is not None  # no problems means every section parsed
    return Settings(stack=stack, tenant=t, api=a, clients=c, notices=tuple(notices))


def _decode(raw: str | None) -> object:
    """Structured config arrives as JSON text. A value that is not JSON is a plain string set where a
    map or list belongs; it is passed on as that string so the section's check names the key."""
    if raw is None:
        return None
    try:
        return cast(object, json.loads(raw))
    except json.JSONDecodeError:
        return raw


SECTIONS: Final = ("tenant", "api", "clients")


def read_settings(
    get: Callable[[str], str | None],
    stack: str,
    env: Mapping[str, str] | None = None,
    *,
    keys: Iterable[str] = (),
    secret_keys: Iterable[str] = (),
) -> Settings:
    """Read the config through ``get`` (full key such as ``b2c-apigw:api`` -> raw text or ``None``)
    and validate it.

    ``keys`` are all keys set on the stack, so a misspelt section (``b2c-apigw:client``) is an error
    rather than a silently empty one; ``secret_keys`` are those stored with ``--secret``, whose values
    no error message repeats. ``read_pulumi_settings`` supplies all of these from the running stack.
    """
    env = {} if env is None else env
    p = _Problems()
    valid = [f"{NAMESPACE}:{s}" for s in SECTIONS]
    for key in sorted(keys):
        if key.startswith(f"{NAMESPACE}:") and key not in valid:
            p.add(key, f"unknown key (valid: {', '.join(valid)})")
    values = {s: _decode(get(f"{NAMESPACE}:{s}")) for s in SECTIONS}
    azuread_tenant_id = get("azuread:tenantId")
    try:
        settings = parse_settings(
            tenant=values["tenant"],
            api=values["api"],
            clients=values["clients"],
            stack=stack,
            azuread_tenant_id=azuread_tenant_id,
            aws_region=get("aws:region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
        )
    except ConfigError as error:
        p.items.extend(error.problems)
    secret = [k for k in (*valid, "azuread:tenantId") if k in set(secret_keys)]
    # A section read as plain text loses its secrecy: its values would reach resource names, URLs and
    # plain stack outputs (issuer, tokenUrl, scope), i.e. the state, unencrypted. None is a credential.
    leaked = [
        f"{key}: is stored as a secret (or holds a secret value), but its values become names, URLs and "
        "plain stack outputs, where Pulumi cannot keep them secret; none of them is a credential, so set "
        "it again without --secret"
        for key in valid
        if key in secret
    ]
    if p.items or leaked:
        hidden = [str(leaf) for s in SECTIONS if f"{NAMESPACE}:{s}" in secret for leaf in _leaves(values[s])]
        if azuread_tenant_id and "azuread:tenantId" in secret:
            hidden.append(azuread_tenant_id)
        raise ConfigError([*leaked, *(_hide(problem, secret, hidden) for problem in p.items)])
    return settings


def _leaves(value: object) -> Iterable[object]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif value is not None and not isinstance(value, bool):
        yield value


def _hide(problem: str, secret_keys: Sequence[str], hidden: Sequence[str]) -> str:
    """A problem with no value of a secret key in it: the key is named, its value and anything
    derived from it (hints) are not."""
    for key in secret_keys:
        if problem.startswith((f"{key}:", f"{key}.", f"{key}[")):
            return problem.split(": ", 1)[0] + ": is invalid (its value is not shown: the key is stored as a secret)"
    # Other problems may quote a secret value (e.g. a mismatch between two keys): longest first, so a
    # value that contains another is hidden whole.
    for value in sorted((h for h in hidden if h), key=len, reverse=True):
        problem = problem.replace(value, "[secret]")
    return problem


def read_pulumi_settings(stack: str) -> Settings:
    """The settings of the running stack: what ``__main__`` calls before it creates anything."""
    from pulumi.runtime import config as runtime_config

    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    secret_keys = {k for k in keys if runtime_config.is_config_secret(k)}
    secret_keys |= set(runtime_config.get_config_secret_keys_env())
    return read_settings(runtime_config.get_config, stack, os.environ, keys=keys, secret_keys=secret_keys)
