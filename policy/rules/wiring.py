"""Stack policies: what only the whole stack shows. Public routes are declared, routes use this stack's
own authorizers, route scopes and client grants are roles of the API app, access logs are kept for a
bounded time.

A stack policy sees each resource's *outputs* (pulumi ``step_generator.go``, ``AnalyzeResources``: "Unlike
Analyze, AnalyzeStack is called on the final outputs of each resource"), its parent, and which resources
each property was computed from (``property_dependencies``). Links between resources follow those
dependencies first (they are known at preview, when ids are not), then equal ids/ARNs.

Public routes are declared, never inferred from names: a route without an authorizer is public only if an
ancestor component resource lists its route key in a ``publicRoutes`` output (b2c-apigw's ``JwtHttpApi``
does, from ``public: true`` in the stack config), or the pack's config lists it in ``allowedPublicRoutes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import PolicyConfigSchema, PolicyResource

from ._policy import Check, Violations, stack_policy, view
from ._support import (
    APP_ROLE_ASSIGNMENT,
    APPLICATION,
    AUTHORIZER,
    LOG_GROUP,
    ROUTE,
    SERVICE_PRINCIPAL,
    STAGE,
    Props,
    number,
    violation,
)
from .apigw import authorization_type, is_catch_all

Checks = Iterator[tuple[PolicyResource, Check]]

PUBLIC_ROUTES_OUTPUT: Final = "publicRoutes"
ROUTE_KEY: Final = re.compile(r"^(\$default|[A-Z]+ /\S*)\Z")
AUTHORIZER_KIND: Final = {"JWT": "JWT", "CUSTOM": "REQUEST"}


def allowed_public_routes(config: Mapping[str, Any]) -> set[str]:
    raw = config.get("allowedPublicRoutes", [])
    if isinstance(raw, str) or not isinstance(raw, Sequence) or not all(isinstance(k, str) for k in raw):
        raise ValueError(
            f"apigw-public-routes-declared: allowedPublicRoutes must be a list of route keys (got {raw!r})"
        )
    bad = [k for k in raw if not ROUTE_KEY.match(k)]
    if bad:
        raise ValueError(
            f"apigw-public-routes-declared: allowedPublicRoutes entries {bad} are not route keys like 'GET /health'"
        )
    return set(raw)


def of_type(resources: Sequence[PolicyResource], resource_type: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type == resource_type]


def linked(
    resource: PolicyResource,
    prop: str,
    candidates: Sequence[PolicyResource],
    key: Callable[[Props], Any],
    *path: str,
) -> list[PolicyResource]:
    """The candidates ``resource.<prop>`` was computed from (known even at preview, when ids are not);
    without such dependencies, those whose ``key`` equals the value at ``prop`` (and ``path`` inside it)."""
    by_dependency = [d for d in resource.property_dependencies.get(prop, []) if d in candidates]
    if by_dependency:
        return by_dependency
    value = view(resource).get(prop, *path)
    if value is None:
        return []
    return [c for c in candidates if key(view(c)) == value]


def _declared_public(route: PolicyResource) -> set[str] | None:
    ancestor = route.parent
    while ancestor is not None:
        declared = view(ancestor).get(PUBLIC_ROUTES_OUTPUT)
        if declared is not None:
            return {str(k) for k in declared}
        ancestor = ancestor.parent
    return None


def _public_routes(resources: Sequence[PolicyResource], config: Mapping[str, Any]) -> Checks:
    allowed = allowed_public_routes(config)
    for route in of_type(resources, ROUTE):

        def declared(route: PolicyResource = route) -> Violations:
            p = view(route)
            key = str(p.get("routeKey", default=""))
            if authorization_type(p) != "NONE" or is_catch_all(key):  # catch-alls: apigw-no-open-catch-all
                return
            if key in allowed or key in (_declared_public(route) or set()):
                return
            yield violation(
                p.label,
                "has no authorizer and is not declared public",
                "give it an authorizer (JWT with scopes), or declare it public: b2c-apigw sets `public: true` on "
                "the route in b2c-apigw:api.routes (JwtHttpApi lists it in its publicRoutes output); another "
                f"program lists the key in a {PUBLIC_ROUTES_OUTPUT} output of the route's parent component; or "
                "add the route key to this policy's allowedPublicRoutes",
            )

        yield route, declared


def _route_authorizers(resources: Sequence[PolicyResource], _config: Mapping[str, Any]) -> Checks:
    authorizers = of_type(resources, AUTHORIZER)
    for route in of_type(resources, ROUTE):

        def own(route: PolicyResource = route) -> Violations:
            p = view(route)
            kind = authorization_type(p)
            if kind not in AUTHORIZER_KIND:
                return
            if not route.property_dependencies.get("authorizerId") and not p.get("authorizerId"):
                return  # apigw-route-authorization reports it
            found = linked(route, "authorizerId", authorizers, lambda a: a.get("id"))
            if not found:
                yield violation(
                    p.label,
                    "uses an authorizer this stack does not declare",
                    "point authorizerId at the id of one of this stack's authorizers",
                )
                return
            authorizer = view(found[0])
            if authorizer.get("authorizerType") != AUTHORIZER_KIND[kind]:
                yield violation(
                    p.label,
                    f"is a {kind} route on {authorizer.label}, whose type is {authorizer.get('authorizerType')}",
                    f"use a {AUTHORIZER_KIND[kind]} authorizer for a {kind} route",
                )
            if _api_of(route) != _api_of(found[0]):
                yield violation(
                    p.label,
                    f"uses {authorizer.label}, which belongs to another API",
                    "use an authorizer of the route's own API",
                )

        yield route, own


def _api_of(resource: PolicyResource) -> Any:
    deps = resource.property_dependencies.get("apiId", [])
    if deps:
        return {d.urn for d in deps}
    return view(resource).get("apiId")


def _api_apps_by_client_id(resources: Sequence[PolicyResource]) -> dict[str, PolicyResource]:
    """Applications by client id; unknown while any application's client id is unknown."""
    return {str(view(a).get("clientId")): a for a in of_type(resources, APPLICATION)}


def _role_values(app: PolicyResource) -> set[str]:
    return {str(r.get("value")) for r in view(app).get("appRoles", default=[]) if r.get("enabled", True)}


def _role_ids(app: PolicyResource) -> set[str]:
    return {str(r.get("id")).lower() for r in view(app).get("appRoles", default=[])}


def _route_scopes(resources: Sequence[PolicyResource], _config: Mapping[str, Any]) -> Checks:
    authorizers = of_type(resources, AUTHORIZER)
    audience_reported: set[str] = set()
    for route in of_type(resources, ROUTE):

        def scopes_are_roles(route: PolicyResource = route) -> Violations:
            p = view(route)
            scopes = p.strings("authorizationScopes")
            if authorization_type(p) != "JWT" or not scopes:
                return
            found = linked(route, "authorizerId", authorizers, lambda a: a.get("id"))
            if not found or view(found[0]).get("authorizerType") != "JWT":
                return  # apigw-route-uses-stack-authorizer reports it
            authorizer = view(found[0])
            audiences = set(authorizer.strings("jwtConfiguration", "audiences"))
            # The audience is the API app's client id (v2 tokens) or one of its App ID URIs (v1 tokens).
            apps = [
                a
                for cid, a in _api_apps_by_client_id(resources).items()
                if cid in audiences or audiences & set(view(a).strings("identifierUris"))
            ]
            if not apps:
                if found[0].urn not in audience_reported:
                    audience_reported.add(found[0].urn)
                    yield (
                        violation(
                            authorizer.label,
                            "has an audience that is no application of this stack, so its routes' scopes cannot be "
                            "checked against the API's app roles",
                            "set jwtConfiguration.audiences to the client id of the stack's API app",
                        ),
                        found[0].urn,
                    )
                return
            roles = set().union(*(_role_values(a) for a in apps))
            missing = sorted(set(scopes) - roles)
            if missing:
                yield violation(
                    p.label,
                    f"demands scopes {missing} that are not app roles of {view(apps[0]).label} "
                    f"(its roles: {sorted(roles)}), so no token can carry them",
                    "use only the API's permission values as scopes, or add the permission to the API",
                )

        yield route, scopes_are_roles


def _grants(resources: Sequence[PolicyResource], _config: Mapping[str, Any]) -> Checks:
    for app in of_type(resources, APPLICATION):

        def requested(app: PolicyResource = app) -> Violations:
            p = view(app)
            accesses = p.get("requiredResourceAccesses", default=[])
            if not accesses:
                return
            by_client_id = _api_apps_by_client_id(resources)
            for access in accesses:
                target = by_client_id.get(str(access.get("resourceAppId")))
                if target is None:
                    continue  # another tenant's API (Microsoft Graph, ...): not this stack's to check
                defined = _role_ids(target)
                for item in access.get("resourceAccesses") or []:
                    if item.get("type") == "Role" and str(item.get("id")).lower() not in defined:
                        yield violation(
                            p.label,
                            f"requests app role id {item.get('id')}, which {view(target).label} does not define",
                            "request only the API app's own app roles (grants name permissions of the API)",
                        )

        yield app, requested

    service_principals = of_type(resources, SERVICE_PRINCIPAL)
    for assignment in of_type(resources, APP_ROLE_ASSIGNMENT):

        def granted(assignment: PolicyResource = assignment) -> Violations:
            p = view(assignment)
            sps = linked(assignment, "resourceObjectId", service_principals, lambda s: s.get("objectId"))
            if not sps:
                return  # a resource outside this stack
            by_client_id = _api_apps_by_client_id(resources)
            target = by_client_id.get(str(view(sps[0]).get("clientId")))
            if target is None:
                return
            role = str(p.get("appRoleId")).lower()
            if role not in _role_ids(target):
                yield violation(
                    p.label,
                    f"grants app role id {p.get('appRoleId')}, which {view(target).label} does not define",
                    "grant only app roles the API app defines",
                )

        yield assignment, granted


def _log_retention(resources: Sequence[PolicyResource], _config: Mapping[str, Any]) -> Checks:
    groups = of_type(resources, LOG_GROUP)
    for stage in of_type(resources, STAGE):

        def kept(stage: PolicyResource = stage) -> Violations:
            p = view(stage)
            found = linked(stage, "accessLogSettings", groups, lambda g: g.get("arn"), "destinationArn")
            if not found and not p.get("accessLogSettings", "destinationArn"):
                return  # apigw-stage-logs-and-throttling reports it
            if not found:
                yield violation(
                    p.label,
                    "writes access logs to a log group this stack does not manage, so their retention is unchecked",
                    "create the log group in this stack with retentionInDays and log to its ARN",
                )
                return
            for group in found:
                g = view(group)
                days = number(g.get("retentionInDays"))
                if days is None or days <= 0:
                    yield (
                        violation(
                            g.label,
                            f"keeps {p.label}'s access logs forever (no retentionInDays)",
                            "set retentionInDays to a CloudWatch Logs value such as 30",
                        ),
                        group.urn,
                    )

        yield stage, kept


_ROUTE_KEYS_SCHEMA = {
    "type": "array",
    "items": {"type": "string", "pattern": ROUTE_KEY.pattern.replace("\\Z", "$")},
    "uniqueItems": True,
    "default": [],
    "description": "Route keys (such as 'GET /health') allowed without an authorizer, besides the declared ones.",
}

PUBLIC_ROUTES_DECLARED = stack_policy(
    "apigw-public-routes-declared",
    "A route without an authorizer is declared public by the program or allowed by the pack's config.",
    _public_routes,
    config_schema=PolicyConfigSchema(properties={"allowedPublicRoutes": _ROUTE_KEYS_SCHEMA}),
)
ROUTE_USES_STACK_AUTHORIZER = stack_policy(
    "apigw-route-uses-stack-authorizer",
    "JWT and CUSTOM routes use an authorizer of this stack, of their kind, on their own API.",
    _route_authorizers,
)
ROUTE_SCOPES_ARE_API_ROLES = stack_policy(
    "apigw-route-scopes-are-api-roles",
    "Every JWT route's scopes are app roles of the API app whose client id is its authorizer's audience.",
    _route_scopes,
)
GRANTS_ARE_API_ROLES = stack_policy(
    "azuread-grants-are-api-roles",
    "Every client app's requested and granted roles exist on the API app they name.",
    _grants,
)
ACCESS_LOG_RETENTION = stack_policy(
    "apigw-access-log-retention",
    "Every stage's access-log group is managed by the stack and has a retention.",
    _log_retention,
)
