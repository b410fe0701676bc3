"""Each component on its own, under mocks: what it sends to the providers and how children wire up."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_azuread as azuread
import pytest

from components import naming
from components.api_app import ApiApp, ApiAppArgs
from components.client_app import ClientApp, ClientAppArgs
from components.config import Permission, Route, Throttle
from components.http_api import JwtHttpApi, JwtHttpApiArgs
from tests.support.mocks import RecordingMocks, install_mocks, settle

APP = "azuread:index/application:Application"
SP = "azuread:index/servicePrincipal:ServicePrincipal"
ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
ROUTE = "aws:apigatewayv2/route:Route"
ISSUER = "https://contosob2c.b2clogin.com/tfp/11111111-2222-3333-4444-555555555555/B2C_1_susi/v2.0/"
PERMISSIONS = [Permission("app.read", "Read orders"), Permission("app.write", "Create orders")]


@pytest.fixture
def mocks() -> RecordingMocks:
    return install_mocks()[0]


def assert_parented(mocks: RecordingMocks, component_type: str) -> None:
    """Every custom resource is a child of the component: its URN's type chain is component$type."""
    chains = [urn.split("::")[2].split("$") for urn in mocks.urns]
    children = [c for c in chains if c[-1] != component_type]
    assert children and len(children) == len(chains) - 1
    for chain in children:
        assert chain[0] == component_type and len(chain) == 2, f"{'$'.join(chain)} is not parented"


def test_api_app_declares_roles_audience_and_token_version(mocks: RecordingMocks) -> None:
    out = settle(
        lambda: vars(
            ApiApp("api", ApiAppArgs("orders-dev API", "https://contosob2c.onmicrosoft.com/orders-dev", PERMISSIONS))
        )
    )
    app = mocks.one(APP, "api-app")
    assert app.inputs["displayName"] == "orders-dev API"
    assert app.inputs["identifierUris"] == ["https://contosob2c.onmicrosoft.com/orders-dev"]
    assert app.inputs["signInAudience"] == "AzureADandPersonalMicrosoftAccount"
    assert app.inputs["api"]["requestedAccessTokenVersion"] == 2
    assert app.inputs["appRoles"] == [
        {
            "allowedMemberTypes": ["Application"],
            "description": p.description,
            "displayName": p.value,
            "enabled": True,
            "id": naming.app_role_id(p.value),
            "value": p.value,
        }
        for p in PERMISSIONS
    ]
    sp = mocks.one(SP, "api-sp")
    # The service principal belongs to this application; the component exposes the ids grants need.
    assert sp.inputs["clientId"] == app.outputs["clientId"] == out["client_id"].value
    assert out["service_principal_object_id"].value == sp.outputs["objectId"]
    assert out["application_id"].value.startswith("/applications/")
    assert out["scope"].value == "https://contosob2c.onmicrosoft.com/orders-dev/.default"
    assert_parented(mocks, "b2capigw:azure:ApiApp")


def test_api_app_role_ids_survive_reordering_and_new_permissions() -> None:
    """Reordering or adding permissions must not change an existing role's id: every grant names it."""

    def role_ids(permissions: list[Permission]) -> dict[str, str]:
        mocks = install_mocks()[0]
        settle(lambda: {"ids": ApiApp("api", ApiAppArgs("orders-dev API", "api://orders-dev", permissions)).role_ids})
        return {r["value"]: r["id"] for r in mocks.one(APP, "api-app").inputs["appRoles"]}

    before = role_ids(PERMISSIONS)
    after = role_ids([Permission("app.admin", "Administer"), *reversed(PERMISSIONS)])
    assert {v: after[v] for v in before} == before
    assert len(set(after.values())) == 3


def _client(grants: list[str], days: int = 180) -> ClientApp:
    return ClientApp(
        "client-reporting",
        ClientAppArgs(
            display_name="orders-dev client reporting",
            api_client_id="api-client-id",
            api_service_principal_object_id="api-sp-object-id",
            role_ids={p.value: naming.app_role_id(p.value) for p in PERMISSIONS},
            grants=grants,
            secret_days=days,
        ),
    )


def test_client_app_requires_and_is_granted_exactly_its_roles(mocks: RecordingMocks) -> None:
    out = settle(lambda: vars(_client(["app.read", "app.write"], days=90)))
    app = mocks.one(APP, "client-reporting-app")
    assert app.inputs["displayName"] == "orders-dev client reporting"
    assert app.inputs["signInAudience"] == "AzureADandPersonalMicrosoftAccount"
    assert app.inputs["api"]["requestedAccessTokenVersion"] == 2
    assert app.inputs["requiredResourceAccesses"] == [
        {
            "resourceAppId": "api-client-id",
            "resourceAccesses": [
                {"id": naming.app_role_id("app.read"), "type": "Role"},
                {"id": naming.app_role_id("app.write"), "type": "Role"},
            ],
        }
    ]
    sp = mocks.one(SP, "client-reporting-sp")
    assert sp.inputs["clientId"] == app.outputs["clientId"] == out["client_id"].value
    for role in ("app.read", "app.write"):
        assert mocks.one(ASSIGNMENT, f"client-reporting-grant-{role}").inputs == {
            "appRoleId": naming.app_role_id(role),
            "principalObjectId": sp.outputs["objectId"],
            "resourceObjectId": "api-sp-object-id",
        }
    password = mocks.one(PASSWORD, "client-reporting-secret")
    # The password hangs off the application's resource id, not its client id (docs/testing.md).
    assert password.inputs["applicationId"] == f"/applications/{app.outputs['objectId']}"
    assert password.inputs["endDateRelative"] == "2160h"
    assert "endDate" not in password.inputs
    assert out["client_secret"].value == password.outputs["value"]
    assert out["client_secret"].secret, "the client secret must be a Pulumi secret"
    assert not out["client_id"].secret
    assert_parented(mocks, "b2capigw:azure:ClientApp")


def test_reordering_a_clients_grants_changes_nothing_it_declares() -> None:
    def declared(grants: list[str]) -> list[tuple[str, str, dict[str, object]]]:
        mocks = install_mocks()[0]
        settle(lambda: vars(_client(grants)))
        return sorted(((r.type, r.name, r.inputs) for r in mocks.registered if r.custom), key=lambda t: t[:2])

    assert declared(["app.read", "app.write"]) == declared(["app.write", "app.read"])


def test_client_without_grants_requests_nothing_and_is_assigned_nothing(mocks: RecordingMocks) -> None:
    settle(lambda: vars(_client([])))
    assert mocks.one(APP, "client-reporting-app").inputs.get("requiredResourceAccesses", []) == []
    assert mocks.of_type(ASSIGNMENT) == []
    assert len(mocks.of_type(PASSWORD)) == 1


def test_client_refuses_grants_the_api_does_not_define_before_registering(mocks: RecordingMocks) -> None:
    def build() -> None:
        with pytest.raises(ValueError, match="not roles of the API"):
            _client(["app.admin"])

    settle(build)  # runs every registration the attempt may have started
    assert mocks.registered == [] and mocks.urns == []


ROUTES = [
    Route("GET /posts", ("app.read",), False),
    Route("POST /posts", ("app.write", "app.read"), False),
    Route("GET /health", (), True),
]


def _http_api(opts: pulumi.ResourceOptions | None = None) -> JwtHttpApi:
    return JwtHttpApi(
        "http",
        JwtHttpApiArgs(
            api_name="orders-dev",
            issuer=ISSUER,
            audience=pulumi.Output.from_input("api-client-id"),
            upstream="https://jsonplaceholder.typicode.com",
            routes=ROUTES,
            throttle=Throttle(burst=20, rate=10.0),
            log_group_name="/aws/apigateway/orders-dev/access",
            log_retention_days=14,
            tags={"stack": "dev"},
        ),
        opts,
    )


def test_http_api_authorizer_routes_integration_and_stage(mocks: RecordingMocks) -> None:
    out = settle(lambda: vars(_http_api()))
    api = mocks.one("aws:apigatewayv2/api:Api", "http-api")
    assert api.inputs["protocolType"] == "HTTP" and api.inputs["name"] == "orders-dev"
    assert api.inputs["tags"] == {"stack": "dev"}
    assert api.inputs["description"] == "HTTP API protected by Azure AD B2C tokens (b2c-apigw)"
    assert out["api_endpoint"].value == api.outputs["apiEndpoint"]

    auth = mocks.one("aws:apigatewayv2/authorizer:Authorizer", "http-jwt")
    assert auth.inputs["apiId"] == out["api_id"].value
    assert auth.inputs["authorizerType"] == "JWT"
    assert auth.inputs["identitySources"] == ["$request.header.Authorization"]
    assert auth.inputs["jwtConfiguration"] == {"issuer": ISSUER, "audiences": ["api-client-id"]}

    integration = mocks.one("aws:apigatewayv2/integration:Integration", "http-upstream")
    assert integration.inputs["integrationType"] == "HTTP_PROXY"
    assert integration.inputs["integrationMethod"] == "ANY"
    assert integration.inputs["integrationUri"] == "https://jsonplaceholder.typicode.com"
    assert integration.inputs["requestParameters"] == {"overwrite:path": "$request.path"}
    assert integration.inputs["payloadFormatVersion"] == "1.0"

    routes = {r.inputs["routeKey"]: r for r in mocks.of_type(ROUTE)}
    assert set(routes) == {"GET /posts", "POST /posts", "GET /health"}
    integration_id = mocks.monitor.resources[next(u for u in mocks.urns if u.endswith("::http-upstream"))].id
    for route in ROUTES:
        registered = routes[route.key]
        assert registered.name == f"http-route-{route.key}", "routes are keyed by their route key"
        assert registered.inputs["target"] == f"integrations/{integration_id}"
        if route.public:
            assert registered.inputs["authorizationType"] == "NONE"
            assert "authorizerId" not in registered.inputs
            assert "authorizationScopes" not in registered.inputs
        else:
            assert registered.inputs["authorizationType"] == "JWT"
            assert registered.inputs["authorizerId"] == out["authorizer_id"].value
            assert registered.inputs["authorizationScopes"] == list(route.scopes)

    group = mocks.one("aws:cloudwatch/logGroup:LogGroup", "http-access-logs")
    assert group.inputs["name"] == "/aws/apigateway/orders-dev/access"
    assert group.inputs["retentionInDays"] == 14
    stage = mocks.one("aws:apigatewayv2/stage:Stage", "http-stage").inputs
    assert stage["apiId"] == out["api_id"].value
    assert stage["name"] == "$default" and stage["autoDeploy"] is True
    assert stage["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    fields = json.loads(stage["accessLogSettings"]["format"])
    # What the issue asks each line to say, and where API Gateway puts it: the calling client is the
    # token's azp (aud is the API itself), the granted roles are in scp; the gateway's status and the
    # upstream's are kept apart, so a failing upstream is told from a refusal at the gateway.
    assert fields == {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "routeKey": "$context.routeKey",
        "path": "$context.path",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationStatus": "$context.integrationStatus",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "clientId": "$context.authorizer.claims.azp",
        "sub": "$context.authorizer.claims.sub",
        "scopes": "$context.authorizer.claims.scp",
    }
    assert stage["defaultRouteSettings"] == {"throttlingBurstLimit": 20, "throttlingRateLimit": 10.0}
    assert stage["tags"] == group.inputs["tags"] == {"stack": "dev"}
    assert out["routes"].value == {
        "GET /posts": ["app.read"],
        "POST /posts": ["app.read", "app.write"],  # sorted: config order is not meaningful
        "GET /health": [],
    }
    assert_parented(mocks, "b2capigw:aws:JwtHttpApi")


def test_children_use_the_providers_the_caller_gives_the_component(mocks: RecordingMocks) -> None:
    """E.g. an azuread provider for the B2C directory beside one for the company tenant (docs/facts.md):
    every child must reach the cloud through the provider given to its component."""

    def build() -> dict[str, object]:
        b2c = azuread.Provider("b2c", tenant_id="11111111-2222-3333-4444-555555555555")
        region = aws.Provider("eu", region="eu-west-1")
        api = ApiApp(
            "api",
            ApiAppArgs("orders-dev API", "api://orders-dev", PERMISSIONS),
            pulumi.ResourceOptions(providers=[b2c]),
        )
        _http_api(pulumi.ResourceOptions(providers={"aws": region}))
        client = ClientApp(
            "client-reporting",
            ClientAppArgs(
                "orders-dev client reporting",
                api.client_id,
                api.service_principal_object_id,
                api.role_ids,
                ["app.read"],
                180,
            ),
            pulumi.ResourceOptions(providers=[b2c]),
        )
        return {"b2c": b2c.urn, "eu": region.urn, "api": api.client_id, "client": client.client_id}

    out = settle(build)
    children = [r for r in mocks.registered if r.custom and not r.type.startswith("pulumi:providers:")]
    assert {r.type.split(":")[0] for r in children} == {"azuread", "aws"}
    assert {r.name for r in children} >= {
        "client-reporting-app",
        "client-reporting-grant-app.read",
        "client-reporting-secret",
    }
    for r in children:
        expected = out["b2c"].value if r.type.startswith("azuread:") else out["eu"].value
        assert r.provider is not None and r.provider.startswith(f"{expected}::"), f"{r.type} {r.name}: {r.provider}"
