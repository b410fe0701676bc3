"""Each stack policy's validate function with hand-built StackValidationArgs: a small stack shaped like
the program's (outputs in the engine's form, parents and property dependencies linked), which passes,
then one bad variant at a time giving exactly one violation on the resource at fault, and the unknown
form of what each policy reads giving an advisory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from policy.rules.wiring import (
    ACCESS_LOG_RETENTION,
    GRANTS_ARE_API_ROLES,
    PUBLIC_ROUTES_DECLARED,
    ROUTE_SCOPES_ARE_API_ROLES,
    ROUTE_USES_STACK_AUTHORIZER,
)
from tests.support.policy_harness import UNKNOWN, Resource, resource, validate_stack

API_CLIENT_ID = "0a0a0a0a-0000-4000-8000-00000000000a"
CLIENT_CLIENT_ID = "0b0b0b0b-0000-4000-8000-00000000000b"
API_SP_OBJECT_ID = "0c0c0c0c-0000-4000-8000-00000000000c"
READ_ROLE = "6a1c1a2e-0000-5000-8000-000000000001"
WRITE_ROLE = "6a1c1a2e-0000-5000-8000-000000000002"
GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/orders-dev/access"
GRAPH = "00000003-0000-0000-c000-000000000000"


@dataclass
class Stack:
    component: Resource
    api: Resource
    jwt: Resource
    request: Resource
    routes: dict[str, Resource]
    group: Resource
    stage: Resource
    api_app: Resource
    api_sp: Resource
    client_app: Resource
    assignment: Resource

    @property
    def resources(self) -> list[Resource]:
        return [
            self.component,
            self.api,
            self.jwt,
            self.request,
            *self.routes.values(),
            self.group,
            self.stage,
            self.api_app,
            self.api_sp,
            self.client_app,
            self.assignment,
        ]


def route(stack_parent: Resource, api: Resource, key: str, authorizer: Resource | None, **props: Any) -> Resource:
    inputs = {"apiId": "a1b2c3d4e5", "routeKey": key, "target": "integrations/abc1234", **props}
    deps: dict[str, list[Resource]] = {"apiId": [api]}
    if authorizer is not None:
        inputs["authorizerId"] = authorizer.outputs["id"]
        deps["authorizerId"] = [authorizer]
    return resource("aws:apigatewayv2/route:Route", f"http-route-{key}", inputs, None, stack_parent, deps)


def build(public_routes: list[str] | None = None) -> Stack:
    component = resource(
        "b2capigw:aws:JwtHttpApi",
        "http",
        {},
        {"api_id": "a1b2c3d4e5", "publicRoutes": ["GET /health"] if public_routes is None else public_routes},
    )
    api = resource(
        "aws:apigatewayv2/api:Api", "http-api", {"name": "orders-dev", "protocolType": "HTTP"}, None, component
    )
    api.outputs["id"] = "a1b2c3d4e5"
    jwt = resource(
        "aws:apigatewayv2/authorizer:Authorizer",
        "http-jwt",
        {
            "apiId": "a1b2c3d4e5",
            "authorizerType": "JWT",
            "identitySources": ["$request.header.Authorization"],
            "jwtConfiguration": {"issuer": "https://login.example.com/v2.0/", "audiences": [API_CLIENT_ID]},
        },
        None,
        component,
        {"apiId": [api]},
    )
    jwt.outputs["id"] = "jwt1234"
    request = resource(
        "aws:apigatewayv2/authorizer:Authorizer",
        "http-entra",
        {
            "apiId": "a1b2c3d4e5",
            "authorizerType": "REQUEST",
            "identitySources": ["$request.header.Authorization", "$context.routeKey"],
        },
        None,
        component,
        {"apiId": [api]},
    )
    request.outputs["id"] = "req5678"
    routes = {
        "GET /posts": route(
            component, api, "GET /posts", jwt, authorizationType="JWT", authorizationScopes=["app.read"]
        ),
        "POST /posts": route(
            component, api, "POST /posts", jwt, authorizationType="JWT", authorizationScopes=["app.read", "app.write"]
        ),
        "GET /tenants": route(component, api, "GET /tenants", request, authorizationType="CUSTOM"),
        "GET /health": route(component, api, "GET /health", None, authorizationType="NONE"),
    }
    group = resource(
        "aws:cloudwatch/logGroup:LogGroup",
        "http-access-logs",
        {"name": "/aws/apigateway/orders-dev/access", "retentionInDays": 30},
        {"name": "/aws/apigateway/orders-dev/access", "retentionInDays": 30, "arn": GROUP_ARN},
        component,
    )
    stage = resource(
        "aws:apigatewayv2/stage:Stage",
        "http-stage",
        {"apiId": "a1b2c3d4e5", "name": "$default", "accessLogSettings": {"destinationArn": GROUP_ARN, "format": "{}"}},
        None,
        component,
        {"accessLogSettings": [group], "apiId": [api]},
    )
    roles = [
        {"id": READ_ROLE, "value": "app.read", "allowedMemberTypes": ["Application"], "enabled": True},
        {"id": WRITE_ROLE, "value": "app.write", "allowedMemberTypes": ["Application"], "enabled": True},
    ]
    api_app = resource(
        "azuread:index/application:Application",
        "api-app",
        {"displayName": "orders-dev", "appRoles": roles},
        {"displayName": "orders-dev", "appRoles": roles, "clientId": API_CLIENT_ID},
    )
    api_sp = resource(
        "azuread:index/servicePrincipal:ServicePrincipal",
        "api-sp",
        {"clientId": API_CLIENT_ID},
        {"clientId": API_CLIENT_ID, "objectId": API_SP_OBJECT_ID},
        None,
        {"clientId": [api_app]},
    )
    access = [
        {"resourceAppId": API_CLIENT_ID, "resourceAccesses": [{"id": READ_ROLE, "type": "Role"}]},
        {"resourceAppId": GRAPH, "resourceAccesses": [{"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"}]},
    ]
    client_app = resource(
        "azuread:index/application:Application",
        "client-reporting-app",
        {"displayName": "orders-dev client reporting", "requiredResourceAccesses": access},
        {
            "displayName": "orders-dev client reporting",
            "requiredResourceAccesses": access,
            "clientId": CLIENT_CLIENT_ID,
        },
        None,
        {"requiredResourceAccesses": [api_app]},
    )
    assignment = resource(
        "azuread:index/appRoleAssignment:AppRoleAssignment",
        "client-reporting-grant-app.read",
        {
            "appRoleId": READ_ROLE,
            "principalObjectId": "0d0d0d0d-0000-4000-8000-00000000000d",
            "resourceObjectId": API_SP_OBJECT_ID,
        },
        None,
        None,
        {"resourceObjectId": [api_sp], "appRoleId": [api_app]},
    )
    return Stack(component, api, jwt, request, routes, group, stage, api_app, api_sp, client_app, assignment)


STACK_POLICIES = [
    PUBLIC_ROUTES_DECLARED,
    ROUTE_USES_STACK_AUTHORIZER,
    ROUTE_SCOPES_ARE_API_ROLES,
    GRANTS_ARE_API_ROLES,
    ACCESS_LOG_RETENTION,
]


def set_prop(r: Resource, key: str, value: Any) -> None:
    """What a change to one input does to a resource's state: the input and the output change together."""
    for props in (r.inputs, r.outputs):
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value


@pytest.mark.parametrize("policy", STACK_POLICIES, ids=lambda p: p.name)
def test_the_well_formed_stack_passes_every_stack_policy(policy: Any) -> None:
    outcome = validate_stack(policy, build().resources)
    assert (outcome.violations, outcome.advisory) == ([], None)


# --- Public routes ------------------------------------------------------------------------------------


def test_a_route_without_an_authorizer_that_is_not_declared_gets_one_violation() -> None:
    stack = build(public_routes=[])
    outcome = validate_stack(PUBLIC_ROUTES_DECLARED, stack.resources)
    assert outcome.violations == [
        (
            "route 'http-route-GET /health': has no authorizer and is not declared public. Fix: give it an "
            "authorizer (JWT with scopes), or declare it public: b2c-apigw sets `public: true` on the route in "
            "b2c-apigw:api.routes (JwtHttpApi lists it in its publicRoutes output); another program lists the key "
            "in a publicRoutes output of the route's parent component; or add the route key to this policy's "
            "allowedPublicRoutes.",
            stack.routes["GET /health"].urn,
        )
    ]


def test_the_pack_config_can_allow_further_public_routes() -> None:
    stack = build(public_routes=[])
    outcome = validate_stack(PUBLIC_ROUTES_DECLARED, stack.resources, {"allowedPublicRoutes": ["GET /health"]})
    assert outcome.violations == []


def test_a_public_name_is_not_a_declaration() -> None:
    # Never a logical-name convention: a route called "public-..." without the declaration is refused.
    stack = build(public_routes=[])
    health = stack.routes["GET /health"]
    health.name = "public-health"
    assert len(validate_stack(PUBLIC_ROUTES_DECLARED, stack.resources).violations) == 1


def test_the_declaration_belongs_to_the_routes_own_parent() -> None:
    stack = build()
    health = stack.routes["GET /health"]
    orphan = resource(health.type, "orphan-health", health.inputs)  # same key, no declaring parent
    (violation,) = validate_stack(PUBLIC_ROUTES_DECLARED, [*stack.resources, orphan]).violations
    assert violation[1] == orphan.urn
    assert violation[0].startswith("route 'orphan-health' (GET /health): has no authorizer and is not declared")


def test_an_open_catch_all_is_left_to_the_catch_all_policy() -> None:
    stack = build(public_routes=[])
    set_prop(stack.routes["GET /health"], "routeKey", "$default")
    assert validate_stack(PUBLIC_ROUTES_DECLARED, stack.resources).violations == []


def test_an_unknown_route_key_is_advisory_for_the_declaration() -> None:
    stack = build()
    set_prop(stack.routes["GET /health"], "routeKey", UNKNOWN)
    outcome = validate_stack(PUBLIC_ROUTES_DECLARED, stack.resources)
    assert outcome.violations == []
    assert outcome.advisory is not None and "route 'http-route-GET /health': routeKey" in outcome.advisory


@pytest.mark.parametrize("bad", ["GET /health", ["health"], [1]])
def test_bad_allowed_public_routes_are_refused_naming_the_key(bad: object) -> None:
    with pytest.raises(ValueError, match="allowedPublicRoutes"):
        validate_stack(PUBLIC_ROUTES_DECLARED, build().resources, {"allowedPublicRoutes": bad})


# --- Routes use this stack's authorizers ----------------------------------------------------------


def test_an_authorizer_id_from_elsewhere_gets_one_violation() -> None:
    stack = build()
    posts = stack.routes["GET /posts"]
    posts.property_dependencies.pop("authorizerId")
    set_prop(posts, "authorizerId", "abc9999")
    assert validate_stack(ROUTE_USES_STACK_AUTHORIZER, stack.resources).violations == [
        (
            "route 'http-route-GET /posts': uses an authorizer this stack does not declare. "
            "Fix: point authorizerId at the id of one of this stack's authorizers.",
            posts.urn,
        )
    ]


def test_a_literal_id_of_the_stacks_own_authorizer_is_found_without_dependencies() -> None:
    stack = build()
    posts = stack.routes["GET /posts"]
    posts.property_dependencies.pop("authorizerId")
    assert validate_stack(ROUTE_USES_STACK_AUTHORIZER, stack.resources).violations == []


def test_a_custom_route_on_the_jwt_authorizer_gets_one_violation() -> None:
    stack = build()
    tenants = stack.routes["GET /tenants"]
    tenants.property_dependencies["authorizerId"] = [stack.jwt.urn]
    assert validate_stack(ROUTE_USES_STACK_AUTHORIZER, stack.resources).messages == [
        "route 'http-route-GET /tenants': is a CUSTOM route on authorizer 'http-jwt', whose type is JWT. "
        "Fix: use a REQUEST authorizer for a CUSTOM route."
    ]


def test_an_authorizer_of_another_api_gets_one_violation() -> None:
    stack = build()
    other = resource("aws:apigatewayv2/api:Api", "other-api", {"name": "other", "protocolType": "HTTP"})
    stack.jwt.property_dependencies["apiId"] = [other.urn]
    outcome = validate_stack(ROUTE_USES_STACK_AUTHORIZER, [*stack.resources, other])
    assert outcome.messages == [
        "route 'http-route-GET /posts': uses authorizer 'http-jwt', which belongs to another API. "
        "Fix: use an authorizer of the route's own API.",
        "route 'http-route-POST /posts': uses authorizer 'http-jwt', which belongs to another API. "
        "Fix: use an authorizer of the route's own API.",
    ]


def test_an_unknown_authorizer_id_without_dependencies_is_advisory() -> None:
    stack = build()
    posts = stack.routes["GET /posts"]
    posts.property_dependencies.pop("authorizerId")
    set_prop(posts, "authorizerId", UNKNOWN)
    outcome = validate_stack(ROUTE_USES_STACK_AUTHORIZER, stack.resources)
    assert outcome.violations == [] and outcome.advisory is not None and "authorizerId" in outcome.advisory


# --- Route scopes are app roles of the audience's API ---------------------------------------------


def test_a_scope_that_is_no_app_role_gets_one_violation() -> None:
    stack = build()
    set_prop(stack.routes["GET /posts"], "authorizationScopes", ["app.read", "app.delete"])
    assert validate_stack(ROUTE_SCOPES_ARE_API_ROLES, stack.resources).violations == [
        (
            "route 'http-route-GET /posts': demands scopes ['app.delete'] that are not app roles of application "
            "'api-app' (its roles: ['app.read', 'app.write']), so no token can carry them. Fix: use only the API's "
            "permission values as scopes, or add the permission to the API.",
            stack.routes["GET /posts"].urn,
        )
    ]


def test_an_audience_that_is_no_app_of_the_stack_is_reported_once_on_the_authorizer() -> None:
    stack = build()
    set_prop(stack.jwt, "jwtConfiguration", {"issuer": "https://login.example.com/v2.0/", "audiences": ["other"]})
    assert validate_stack(ROUTE_SCOPES_ARE_API_ROLES, stack.resources).violations == [
        (
            "authorizer 'http-jwt': has an audience that is no application of this stack, so its routes' scopes "
            "cannot be checked against the API's app roles. Fix: set jwtConfiguration.audiences to the client id "
            "of the stack's API app.",
            stack.jwt.urn,
        )
    ]


def test_an_app_id_uri_audience_names_the_api_too() -> None:
    # Entra v1 access tokens carry the App ID URI in aud.
    stack = build()
    uri = "api://orders-dev"
    set_prop(stack.api_app, "identifierUris", [uri])
    set_prop(stack.jwt, "jwtConfiguration", {"issuer": "https://sts.windows.net/t/", "audiences": [uri]})
    set_prop(stack.routes["GET /posts"], "authorizationScopes", ["app.nope"])
    (message,) = validate_stack(ROUTE_SCOPES_ARE_API_ROLES, stack.resources).messages
    assert "demands scopes ['app.nope'] that are not app roles of application 'api-app'" in message


def test_a_disabled_role_is_no_scope() -> None:
    stack = build()
    roles = [dict(r) for r in stack.api_app.outputs["appRoles"]]
    roles[1]["enabled"] = False
    set_prop(stack.api_app, "appRoles", roles)
    (message,) = validate_stack(ROUTE_SCOPES_ARE_API_ROLES, stack.resources).messages
    assert "route 'http-route-POST /posts': demands scopes ['app.write']" in message


@pytest.mark.parametrize("where", ["audience", "clientId"])
def test_an_unknown_audience_or_client_id_is_advisory(where: str) -> None:
    stack = build()
    if where == "audience":
        set_prop(stack.jwt, "jwtConfiguration", {"issuer": "https://login.example.com/v2.0/", "audiences": [UNKNOWN]})
    else:
        stack.api_app.outputs["clientId"] = UNKNOWN
    outcome = validate_stack(ROUTE_SCOPES_ARE_API_ROLES, stack.resources)
    assert outcome.violations == [] and outcome.advisory is not None


# --- Grants are app roles of the API they name ------------------------------------------------------


def test_a_requested_role_the_api_does_not_define_gets_one_violation() -> None:
    stack = build()
    access = [
        {
            "resourceAppId": API_CLIENT_ID,
            "resourceAccesses": [{"id": "6a1c1a2e-0000-5000-8000-0000000000ff", "type": "Role"}],
        }
    ]
    set_prop(stack.client_app, "requiredResourceAccesses", access)
    assert validate_stack(GRANTS_ARE_API_ROLES, stack.resources).violations == [
        (
            "application 'client-reporting-app': requests app role id 6a1c1a2e-0000-5000-8000-0000000000ff, which "
            "application 'api-app' does not define. Fix: request only the API app's own app roles (grants name "
            "permissions of the API).",
            stack.client_app.urn,
        )
    ]


def test_an_assignment_of_a_role_the_api_does_not_define_gets_one_violation() -> None:
    stack = build()
    set_prop(stack.assignment, "appRoleId", "00000000-0000-0000-0000-000000000000")
    assert validate_stack(GRANTS_ARE_API_ROLES, stack.resources).violations == [
        (
            "app role assignment 'client-reporting-grant-app.read': grants app role id "
            "00000000-0000-0000-0000-000000000000, which application 'api-app' does not define. Fix: grant only app "
            "roles the API app defines.",
            stack.assignment.urn,
        )
    ]


@pytest.mark.parametrize("where", ["client role id", "api client id"])
def test_unknown_grant_values_are_advisory(where: str) -> None:
    stack = build()
    if where == "client role id":
        access = [{"resourceAppId": API_CLIENT_ID, "resourceAccesses": [{"id": UNKNOWN, "type": "Role"}]}]
        set_prop(stack.client_app, "requiredResourceAccesses", access)
        set_prop(stack.assignment, "appRoleId", UNKNOWN)
    else:
        stack.api_app.outputs["clientId"] = UNKNOWN
    outcome = validate_stack(GRANTS_ARE_API_ROLES, stack.resources)
    assert outcome.violations == [] and outcome.advisory is not None


# --- Access logs are kept for a bounded time ------------------------------------------------------


def test_a_log_group_without_retention_gets_one_violation_on_the_group() -> None:
    stack = build()
    set_prop(stack.group, "retentionInDays", None)
    assert validate_stack(ACCESS_LOG_RETENTION, stack.resources).violations == [
        (
            "log group 'http-access-logs': keeps stage 'http-stage''s access logs forever (no retentionInDays). "
            "Fix: set retentionInDays to a CloudWatch Logs value such as 30.",
            stack.group.urn,
        )
    ]


def test_a_log_group_outside_the_stack_gets_one_violation() -> None:
    stack = build()
    stack.stage.property_dependencies.pop("accessLogSettings")
    set_prop(stack.stage, "accessLogSettings", {"destinationArn": GROUP_ARN.replace("orders-dev", "elsewhere")})
    assert validate_stack(ACCESS_LOG_RETENTION, stack.resources).messages == [
        "stage 'http-stage': writes access logs to a log group this stack does not manage, so their retention is "
        "unchecked. Fix: create the log group in this stack with retentionInDays and log to its ARN."
    ]


def test_an_arn_of_the_stacks_group_is_found_without_dependencies_and_no_logs_is_left_to_the_stage_policy() -> None:
    stack = build()
    stack.stage.property_dependencies.pop("accessLogSettings")
    assert validate_stack(ACCESS_LOG_RETENTION, stack.resources).violations == []
    set_prop(stack.stage, "accessLogSettings", None)
    assert validate_stack(ACCESS_LOG_RETENTION, stack.resources).violations == []


def test_an_unknown_retention_is_advisory() -> None:
    stack = build()
    set_prop(stack.group, "retentionInDays", UNKNOWN)
    outcome = validate_stack(ACCESS_LOG_RETENTION, stack.resources)
    assert outcome.violations == []
    assert outcome.advisory is not None and "log group 'http-access-logs': retentionInDays" in outcome.advisory
