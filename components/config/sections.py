"""The section parsers: ``tenant``, ``api`` (with its permissions, routes and throttle) and
``clients``, and ``parse_settings``, which runs them all and the checks across sections."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from .. import b2c, naming, platforms
from .fields import (
    _AWS_REGION,
    _GUID,
    _HOSTNAME,
    _PERMISSION,
    _POLICY,
    _SLUG,
    _TENANT_NAME,
    _check_permission_refs,
    _int,
    _mapping,
    _Problems,
    _show,
    _string,
    _string_list,
)
from .keys import ApiKey, ClientKey, PermissionKey, RouteEntryKey, SecretKey, Section, TenantKey, ThrottleKey
from .limits import (
    DEFAULT_AUTHORIZER_CACHE_SECONDS,
    DEFAULT_ISSUER_FORMAT,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_ROUTES_QUOTA,
    DEFAULT_SECRET_DAYS,
    DEFAULT_THROTTLE_BURST,
    DEFAULT_THROTTLE_RATE,
    LOG_RETENTION_DAYS,
    MAX_AUTHORIZER_CACHE_SECONDS,
    MAX_GRANTS_PER_CLIENT,
    MAX_LIVE_SECRETS,
    MAX_SCOPES_PER_ROUTE,
    MAX_SECRET_DAYS,
    MAX_THROTTLE_BURST,
    MAX_THROTTLE_RATE,
    MIN_SECRET_DAYS,
)
from .model import Api, Client, ClientSecret, ConfigError, Permission, Route, Settings, Tenant, Throttle
from .routes import _check_route_key, _renamed_parameter, _route_shape
from .urls import _parse_identifier_uri, _parse_upstream


def _parse_tenant(raw: object, p: _Problems) -> Tenant | None:
    key = Section.TENANT.key
    t = _mapping(raw, key, TenantKey, p)
    if t is None:
        return None
    before = len(p.items)
    platform = t.get(TenantKey.PLATFORM, "b2c")
    if platform not in platforms.PLATFORMS:
        p.add(
            f"{key}.{TenantKey.PLATFORM}",
            f"{_show(platform)} is not an identity platform (valid: {', '.join(platforms.PLATFORMS)})",
        )
        return None
    roles = platforms.uses_roles(platform)
    # B2C needs the initial domain prefix for every URL; External ID its ciamlogin.com subdomain for
    # the token endpoint; Entra ID builds every URL from the tenant id and takes a name only as a label.
    name = _string(t, TenantKey.NAME, key, p, required=platform != "entraId")
    if name is not None and not _TENANT_NAME.match(name):
        hint = ""
        if "." in name:
            hint = f"; give only the prefix, e.g. {name.split('.', 1)[0].lower()!r}"
        elif name.lower() != name:
            hint = f"; write it in lowercase, {name.lower()!r}"
        what = "a ciamlogin.com subdomain" if platform == "externalId" else "an onmicrosoft.com prefix"
        p.add(
            f"{key}.{TenantKey.NAME}",
            f"{name!r} is not {what} (lowercase letters and digits only, at most 63 characters{hint})",
        )
    tenant_id = _string(t, TenantKey.ID, key, p)
    if tenant_id is not None and not _GUID.match(tenant_id):
        directory = {"b2c": "B2C directory's", "externalId": "external tenant's", "entraId": "directory's"}[platform]
        p.add(
            f"{key}.{TenantKey.ID}",
            f"{tenant_id!r} is not a GUID (the {directory} tenant id, e.g. 11111111-2222-3333-4444-555555555555)",
        )
    policy: str | None = None
    fmt: object = DEFAULT_ISSUER_FORMAT
    if roles:
        for b2c_only, why in (
            (TenantKey.POLICY, "External ID and Entra ID endpoints are not policy-scoped"),
            (TenantKey.ISSUER_FORMAT, f"the {platform} issuer has one form"),
        ):
            if b2c_only in t:
                p.add(f"{key}.{b2c_only}", f"is for platform b2c only ({why}): remove it")
        if platform == "entraId" and TenantKey.DOMAIN in t:
            p.add(
                f"{key}.{TenantKey.DOMAIN}",
                "is not used on platform entraId (its endpoints are on login.microsoftonline.com): remove it",
            )
    else:
        policy = _string(t, TenantKey.POLICY, key, p)
        if policy is not None and not _POLICY.match(policy):
            p.add(
                f"{key}.{TenantKey.POLICY}",
                f"{policy!r} is not a B2C user flow or custom policy name "
                "(B2C_1_<name> for a user flow, B2C_1A_<name> for a custom policy)",
            )
        fmt = t.get(TenantKey.ISSUER_FORMAT, DEFAULT_ISSUER_FORMAT)
        if fmt not in b2c.ISSUER_FORMATS:
            p.add(
                f"{key}.{TenantKey.ISSUER_FORMAT}",
                f"{_show(fmt)} is not an issuer format (valid: {', '.join(b2c.ISSUER_FORMATS)})",
            )
    domain = _string(t, TenantKey.DOMAIN, key, p, required=False) if platform != "entraId" else None
    if domain is not None and not _HOSTNAME.match(domain):
        p.add(
            f"{key}.{TenantKey.DOMAIN}",
            f"{domain!r} is not a host name (give only the host, e.g. login.contoso.com, without https:// or a path)",
        )
    if len(p.items) > before or tenant_id is None or (not roles and (name is None or policy is None)):
        return None
    if platform == "externalId" and name is None:
        return None
    return Tenant(
        name=name,
        id=tenant_id.lower(),
        policy=policy,
        issuer_format=cast(b2c.IssuerFormat, fmt),
        domain=domain,
        platform=cast(platforms.Platform, platform),
    )


def _parse_permissions(raw: object, key: str, p: _Problems) -> tuple[Permission, ...]:
    if not isinstance(raw, list) or not raw:
        p.add(key, f"must be a non-empty list of {{{', '.join(PermissionKey)}}} (got {_show(raw)})")
        return ()
    if all(isinstance(item, str) for item in raw):
        # One mistake, one message: the values still count as the permissions, so the routes and grants
        # naming them are not reported as well.
        maps = ", ".join(f"{{{PermissionKey.VALUE}: {v}}}" for v in raw)
        p.add(
            key,
            f"lists plain strings; each permission is a map with a {PermissionKey.VALUE} (and an optional "
            f"{PermissionKey.DESCRIPTION}): [{maps}]",
        )
        return tuple(Permission(value=v, description=f"Allows {v}") for v in dict.fromkeys(raw) if _PERMISSION.match(v))
    out: list[Permission] = []
    for i, item in enumerate(raw):
        ikey = f"{key}[{i}]"
        m = _mapping(item, ikey, PermissionKey, p)
        if m is None:
            continue
        value = _string(m, PermissionKey.VALUE, ikey, p)
        if value is None:
            continue
        if not _PERMISSION.match(value):
            p.add(
                f"{ikey}.{PermissionKey.VALUE}",
                f"{value!r} is not a valid app role value (letters, digits, '.', '_', ':' and '-', "
                "no spaces, starting with a letter or digit, at most 120 characters)",
            )
            continue
        if any(q.value == value for q in out):
            p.add(f"{ikey}.{PermissionKey.VALUE}", f"duplicate permission {value!r} (each value defines one app role)")
            continue
        description = _string(m, PermissionKey.DESCRIPTION, ikey, p, required=False) or f"Allows {value}"
        out.append(Permission(value=value, description=description))
    return tuple(out)


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
        m = _mapping(item, ikey, RouteEntryKey, p)
        if m is None:
            continue
        route_key = _string(m, RouteEntryKey.ROUTE, ikey, p)
        if route_key is None or not _check_route_key(route_key, f"{ikey}.{RouteEntryKey.ROUTE}", p):
            continue
        shape = _route_shape(route_key)
        first = shapes.get(shape)
        if first == route_key:
            p.add(f"{ikey}.{RouteEntryKey.ROUTE}", f"duplicate route {route_key!r} (each route key may appear once)")
            continue
        if first is not None:
            p.add(
                f"{ikey}.{RouteEntryKey.ROUTE}",
                f"{route_key!r} matches the same requests as {first!r} (only path parameter names differ)",
            )
            continue
        renamed = _renamed_parameter(route_key, parameter_names)
        if renamed:
            p.add(f"{ikey}.{RouteEntryKey.ROUTE}", renamed)
            continue
        shapes[shape] = route_key
        public = m.get(RouteEntryKey.PUBLIC, False)
        if not isinstance(public, bool):
            p.add(f"{ikey}.{RouteEntryKey.PUBLIC}", f"must be true or false (got {_show(public)})")
            continue
        rkey = f"{ikey} ({route_key}).{RouteEntryKey.SCOPES}"
        scopes = _string_list(m, RouteEntryKey.SCOPES, f"{ikey} ({route_key})", p)
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
    m = _mapping(raw, key, ThrottleKey, p)
    if m is None:
        return None
    burst = _int(m, ThrottleKey.BURST, key, DEFAULT_THROTTLE_BURST, p)
    # 0 is accepted by AWS and answers every request with 429: never what a stack wants.
    if burst is not None and not 1 <= burst <= MAX_THROTTLE_BURST:
        p.add(f"{key}.{ThrottleKey.BURST}", f"{burst} is outside 1..{MAX_THROTTLE_BURST} (requests)")
        burst = None
    rate = m.get(ThrottleKey.RATE, DEFAULT_THROTTLE_RATE)
    # `pulumi config set --path ...throttle.rate 12.5` stores a string: without --type float (newer
    # CLIs only) the CLI types only whole numbers and true/false (pulumi config set docs).
    if isinstance(rate, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", rate):
        rate = float(rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= MAX_THROTTLE_RATE:
        p.add(
            f"{key}.{ThrottleKey.RATE}",
            f"{_show(rate)} must be a number above 0 and at most {MAX_THROTTLE_RATE:g} (requests per second)",
        )
        return None
    if burst is None:
        return None
    return Throttle(burst=burst, rate=float(rate))


def _parse_api(raw: object, tenant: Tenant | None, stack: str, p: _Problems) -> Api | None:
    key = Section.API.key
    a = _mapping(raw, key, ApiKey, p)
    if a is None:
        return None
    before = len(p.items)
    name = _string(a, ApiKey.NAME, key, p)
    display_name: str | None = None
    if name is not None and not _SLUG.match(name):
        p.add(
            f"{key}.{ApiKey.NAME}",
            f"{name!r} must be lowercase letters, digits and '-', starting with a letter, at most 32 characters",
        )
    elif name is not None:
        display_name = naming.api_display_name(name, stack)
        if problem := _display_name_problem(display_name, stack):
            p.add(f"{key}.{ApiKey.NAME}", problem)
    permissions = _parse_permissions(a.get(ApiKey.PERMISSIONS), f"{key}.{ApiKey.PERMISSIONS}", p)
    values = [q.value for q in permissions]
    upstream = _parse_upstream(a.get(ApiKey.UPSTREAM), f"{key}.{ApiKey.UPSTREAM}", p)
    routes = _parse_routes(a.get(ApiKey.ROUTES), f"{key}.{ApiKey.ROUTES}", values, p)
    throttle = _parse_throttle(a.get(ApiKey.THROTTLE), f"{key}.{ApiKey.THROTTLE}", p)
    retention = _int(a, ApiKey.LOG_RETENTION_DAYS, key, DEFAULT_LOG_RETENTION_DAYS, p)
    if retention is not None and retention not in LOG_RETENTION_DAYS:
        p.add(
            f"{key}.{ApiKey.LOG_RETENTION_DAYS}",
            f"{retention} is not a CloudWatch retention (valid: {', '.join(map(str, LOG_RETENTION_DAYS))})",
        )
    identifier_uri: str | None = None
    if ApiKey.APP_ID_URI in a:
        identifier_uri = _parse_identifier_uri(a[ApiKey.APP_ID_URI], f"{key}.{ApiKey.APP_ID_URI}", tenant, p)
    elif tenant is not None and name is not None and _SLUG.match(name):
        if tenant.uses_roles:
            identifier_uri = platforms.roles_identifier_uri(tenant.id, name, stack)
        else:
            assert tenant.name is not None  # required on B2C
            identifier_uri = naming.default_identifier_uri(tenant.name, name, stack)
        if len(identifier_uri) > naming.MAX_IDENTIFIER_URI_LENGTH:
            p.add(
                f"{key}.{ApiKey.NAME}",
                f"the App ID URI {identifier_uri!r} would exceed {naming.MAX_IDENTIFIER_URI_LENGTH} characters: "
                f"shorten the API name or set {Section.API}.{ApiKey.APP_ID_URI}",
            )
    cache_seconds: int | None = None
    if tenant is not None and tenant.uses_roles:
        if routes and all(r.public for r in routes):
            # The Lambda authorizer is built from the protected routes' roles; with none, the package
            # build would stop `pulumi up` after the Azure registrations were already registered.
            p.add(
                f"{key}.{ApiKey.ROUTES}",
                f"every route is public: platform {tenant.platform} needs at least one route with scopes "
                "(its Lambda authorizer checks their roles); give one route scopes, or use platform b2c",
            )
        cache_seconds = _int(a, ApiKey.AUTHORIZER_CACHE_SECONDS, key, DEFAULT_AUTHORIZER_CACHE_SECONDS, p)
        if cache_seconds is not None and not 0 <= cache_seconds <= MAX_AUTHORIZER_CACHE_SECONDS:
            p.add(
                f"{key}.{ApiKey.AUTHORIZER_CACHE_SECONDS}",
                f"{cache_seconds} is outside 0..{MAX_AUTHORIZER_CACHE_SECONDS} (seconds; 0 turns the cache off)",
            )
            cache_seconds = None
        if name is not None and _SLUG.match(name):
            function_name = naming.authorizer_function_name(name, stack)
            if len(function_name) > naming.MAX_FUNCTION_NAME_LENGTH:
                p.add(
                    f"{key}.{ApiKey.NAME}",
                    f"the authorizer function's name {function_name!r} would be {len(function_name)} characters; "
                    f"Lambda allows {naming.MAX_FUNCTION_NAME_LENGTH}: shorten this name or the stack's ({stack!r})",
                )
    elif tenant is not None and ApiKey.AUTHORIZER_CACHE_SECONDS in a:
        p.add(
            f"{key}.{ApiKey.AUTHORIZER_CACHE_SECONDS}",
            "is for platforms externalId and entraId only (B2C stacks use API Gateway's JWT authorizer, which "
            "has no result cache to size): remove it",
        )
    if (
        len(p.items) > before
        or name is None
        or display_name is None
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
        display_name=display_name,
        http_api_name=naming.http_api_name(name, stack),
        access_log_group_name=naming.access_log_group_name(name, stack),
        authorizer_cache_seconds=cache_seconds,
    )


def _display_name_problem(display_name: str, stack: str) -> str | None:
    """Whether Entra would refuse this display name. It bounds every other visible name too: within
    it, the HTTP API name (128 in the AWS provider) and the log group name (512 in CloudWatch Logs)
    are within theirs."""
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
    key = Section.CLIENTS.key
    if raw is None:
        return ()
    if not isinstance(raw, list):
        p.add(key, f"must be a list of {{{', '.join(ClientKey)}}} (got {_show(raw)})")
        return ()
    out: list[Client] = []
    accepted: list[str] = []  # the names of the entries that passed every check, which a duplicate repeats
    for i, item in enumerate(raw):
        ikey = f"{key}[{i}]"
        m = _mapping(item, ikey, ClientKey, p)
        if m is None:
            continue
        name = _string(m, ClientKey.NAME, ikey, p)
        if name is None:
            continue
        if not _SLUG.match(name):
            p.add(
                f"{ikey}.{ClientKey.NAME}",
                f"{name!r} must be lowercase letters, digits and '-', starting with a letter, at most 32 characters",
            )
            continue
        if name in accepted:
            p.add(f"{ikey}.{ClientKey.NAME}", f"duplicate client name {name!r}")
            continue
        # Without a valid API name the api section has failed, and no client deploys.
        display_name = naming.client_display_name(api_name, stack, name) if api_name is not None else None
        if display_name is not None and (problem := _display_name_problem(display_name, stack)):
            p.add(f"{ikey}.{ClientKey.NAME}", problem)
            continue
        ckey = f"{ikey} ({name})"
        grants = _string_list(m, ClientKey.GRANTS, ckey, p)
        secrets = _parse_client_secrets(m, ckey, p)
        if grants is None or secrets is None:
            continue
        if len(grants) > MAX_GRANTS_PER_CLIENT:
            p.add(
                f"{ckey}.{ClientKey.GRANTS}",
                f"has {len(grants)} grants; Entra allows at most {MAX_GRANTS_PER_CLIENT} permissions of one API "
                "per application with this sign-in audience",
            )
            continue
        checked = (
            _check_permission_refs(grants, permissions, f"{ckey}.{ClientKey.GRANTS}", p)
            if permissions is not None
            else ()
        )
        accepted.append(name)
        if display_name is not None:
            out.append(Client(name=name, grants=checked, secrets=secrets, display_name=display_name))
    return tuple(out)


# A label keys a password's logical name (client-<name>-secret-<label>) and shows in its display name.
_SECRET_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}\Z")


def _days(raw: Mapping[str, Any], field: str, key: str, p: _Problems) -> int | None:
    days = _int(raw, field, key, DEFAULT_SECRET_DAYS, p)
    if days is not None and not MIN_SECRET_DAYS <= days <= MAX_SECRET_DAYS:
        p.add(f"{key}.{field}", f"{days} is outside {MIN_SECRET_DAYS}..{MAX_SECRET_DAYS} (days)")
        return None
    return days


def _parse_client_secrets(m: Mapping[str, Any], ckey: str, p: _Problems) -> tuple[ClientSecret, ...] | None:
    """``secretDays`` (one secret under today's logical name) or ``secrets`` (one or two labelled ones)."""
    if ClientKey.SECRETS not in m:
        days = _days(m, ClientKey.SECRET_DAYS, ckey, p)
        return None if days is None else (ClientSecret(label=None, days=days),)
    skey = f"{ckey}.{ClientKey.SECRETS}"
    if ClientKey.SECRET_DAYS in m:
        p.add(
            skey,
            f"is set beside {ClientKey.SECRET_DAYS}, which it replaces: set one of them. To move to "
            f"{ClientKey.SECRETS}, remove {ClientKey.SECRET_DAYS} and give its days to the first secret, which keeps "
            "the current password (docs/operations.md)",
        )
        return None
    raw = m[ClientKey.SECRETS]
    shape = f"a list of one or {MAX_LIVE_SECRETS} {{{', '.join(SecretKey)}}} maps"
    if not isinstance(raw, list) or not raw:
        p.add(skey, f"must be {shape}, e.g. [{{label: 2026-06, days: 180}}] (got {_show(raw)})")
        return None
    if len(raw) > MAX_LIVE_SECRETS:
        p.add(
            skey,
            f"lists {len(raw)} secrets; at most {MAX_LIVE_SECRETS} live at once: a rotation needs the secret callers "
            "use and its successor. Entra would hold more, but each extra one is a live credential nobody moves "
            "to: remove the oldest label once its callers use the newer secret",
        )
        return None
    before = len(p.items)
    out: list[ClientSecret] = []
    for j, item in enumerate(raw):
        ekey = f"{skey}[{j}]"
        e = _mapping(item, ekey, SecretKey, p)
        if e is None:
            continue
        label = _string(e, SecretKey.LABEL, ekey, p)
        days = _days(e, SecretKey.DAYS, ekey, p)
        if label is None or days is None:
            continue
        if not _SECRET_LABEL.match(label):
            p.add(
                f"{ekey}.{SecretKey.LABEL}",
                f"{label!r} is not a secret label: letters, digits, '.', '_' and '-', starting with a letter or "
                "digit, at most 32 characters (it names the password in the state, e.g. 2026-06)",
            )
            continue
        if any(s.label == label for s in out):
            p.add(
                f"{ekey}.{SecretKey.LABEL}",
                f"duplicate label {label!r} (each label is one secret; give the new secret a new label)",
            )
            continue
        out.append(ClientSecret(label=label, days=days, keeps_secret_days_password=not out))
    if len(p.items) > before:
        return None
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
        p.add(Section.TENANT.key, "is missing (a map with name, id and policy; see docs/configuration.md)")
    if api is None:
        p.add(
            Section.API.key, "is missing (a map with name, permissions, upstream and routes; see docs/configuration.md)"
        )
    t = _parse_tenant(tenant, p) if tenant is not None else None
    a = _parse_api(api, t, stack, p) if api is not None else None
    # Grants are checked against the permissions even when another api key is bad, so that one
    # run names every problem; the permissions' own problems were reported above.
    permission_values: list[str] | None = None
    if a is not None:
        permission_values = list(a.permission_values)
    elif isinstance(api, Mapping):
        permission_values = [q.value for q in _parse_permissions(api.get(ApiKey.PERMISSIONS), "", _Problems())]
    api_name = a.name if a is not None else None
    if (
        api_name is None
        and isinstance(api, Mapping)
        and isinstance(api.get(ApiKey.NAME), str)
        and _SLUG.match(api[ApiKey.NAME])
    ):
        api_name = api[ApiKey.NAME]
    c = _parse_clients(clients, permission_values, api_name, stack, p)
    if a is not None and len(a.routes) > DEFAULT_ROUTES_QUOTA:
        notices.append(
            f"{Section.API}.{ApiKey.ROUTES} has {len(a.routes)} routes; API Gateway's default quota is "
            f"{DEFAULT_ROUTES_QUOTA} per API "
            "(Service Quotas: Routes per API): unless it was raised for this account, pulumi up fails partway"
        )

    if azuread_tenant_id is None:
        p.add(
            "azuread:tenantId",
            f"is not set: set it to the B2C directory's id ({Section.TENANT}.{TenantKey.ID}) so the azuread provider "
            "creates the registrations there and not in another directory",
        )
    elif (
        isinstance(tenant, Mapping)
        and isinstance(tenant.get(TenantKey.ID), str)
        and _GUID.match(tenant[TenantKey.ID])  # a malformed tenant.id is reported once, above
        and azuread_tenant_id.strip().lower() != str(tenant[TenantKey.ID]).strip().lower()
    ):
        p.add(
            "azuread:tenantId",
            f"{azuread_tenant_id!r} differs from {Section.TENANT.key}.{TenantKey.ID} {tenant[TenantKey.ID]!r}: "
            "the registrations would be created in another directory than the B2C tenant that issues the tokens",
        )

    if p.items:
        raise ConfigError(p.items)
    assert t is not None and a is not None  # no problems means every section parsed
    if t.issuer_format == "tenant":
        notices.append(
            f"{Section.TENANT}.{TenantKey.ISSUER_FORMAT} is 'tenant': API Gateway looks for keys at "
            f"{t.discovery_url}, which B2C does not serve, so every call may get 401. "
            "Prefer 'tfp' and set the user flow's token compatibility issuer claim to the tfp form; "
            "`python -m verify preflight` checks it."
        )
    return Settings(stack=stack, tenant=t, api=a, clients=c, notices=tuple(notices))
