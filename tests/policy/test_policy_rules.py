"""Each resource policy's validate function with hand-built ResourceValidationArgs (props in the engine's
form): a passing resource, every bad variant giving exactly one violation with its message, and the
unknown form of what it reads giving an advisory instead of a pass or a violation."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.apigw import (
    JWT_AUTHORIZER,
    NO_OPEN_CATCH_ALL,
    REQUEST_AUTHORIZER_CACHE,
    ROUTE_AUTHORIZATION,
    STAGE_LOGS_AND_THROTTLING,
)
from policy.rules.azuread import API_APP_ROLES, PASSWORD_LIFETIME
from tests.support.mocks import SECRET_MARKER
from tests.support.policy_harness import UNKNOWN, secret, validate_resource

ROUTE = "aws:apigatewayv2/route:Route"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
STAGE = "aws:apigatewayv2/stage:Stage"
APP = "azuread:index/application:Application"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigateway/orders-dev/access"
ISSUER = "https://contosob2c.b2clogin.com/tfp/11111111-2222-3333-4444-555555555555/B2C_1_susi/v2.0/"
ROLE_ID = "6a1c1a2e-0000-5000-8000-000000000001"


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` with keys replaced (a value of None removes the key)."""
    out = {**base, **changes}
    return {k: v for k, v in out.items() if v is not None}


# --- Routes ---------------------------------------------------------------------------------------

JWT_ROUTE = {
    "apiId": "a1b2c3d4e5",
    "routeKey": "GET /posts",
    "target": "integrations/abc1234",
    "authorizationType": "JWT",
    "authorizerId": "def5678",
    "authorizationScopes": ["app.read"],
}
ROUTE_NAME = "http-route-GET /posts"
LABEL = "route 'http-route-GET /posts'"


@pytest.mark.parametrize(
    "props",
    [
        JWT_ROUTE,
        with_(JWT_ROUTE, authorizationScopes=[f"s{i}" for i in range(10)]),
        with_(JWT_ROUTE, authorizationType="CUSTOM", authorizationScopes=None),
        # Public routes are the stack policy's to judge (it sees the program's declaration).
        with_(JWT_ROUTE, authorizationType="NONE", authorizerId=None, authorizationScopes=None),
        with_(JWT_ROUTE, authorizationType=None, authorizerId=None, authorizationScopes=None),
    ],
)
def test_authorized_routes_pass(props: dict[str, Any]) -> None:
    outcome = validate_resource(ROUTE_AUTHORIZATION, ROUTE, props, ROUTE_NAME)
    assert (outcome.violations, outcome.advisory) == ([], None)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            with_(JWT_ROUTE, authorizationScopes=None),
            f"{LABEL}: is a JWT route that demands no scope, so every token the authorizer accepts reaches it. "
            "Fix: set authorizationScopes to 1-10 app roles of the API (any one suffices).",
        ),
        (
            with_(JWT_ROUTE, authorizationScopes=[]),
            f"{LABEL}: is a JWT route that demands no scope, so every token the authorizer accepts reaches it. "
            "Fix: set authorizationScopes to 1-10 app roles of the API (any one suffices).",
        ),
        (
            with_(JWT_ROUTE, authorizationScopes=[f"s{i}" for i in range(11)]),
            f"{LABEL}: demands 11 scopes; API Gateway allows at most 10 per route. "
            "Fix: keep at most 10 scopes on the route.",
        ),
        (
            with_(JWT_ROUTE, authorizerId=None),
            f"{LABEL}: is a JWT route without an authorizerId. "
            "Fix: set authorizerId to the id of the stack's JWT authorizer.",
        ),
        (
            with_(JWT_ROUTE, authorizationType="CUSTOM", authorizerId="", authorizationScopes=None),
            f"{LABEL}: is a CUSTOM route without an authorizerId. "
            "Fix: set authorizerId to the id of the stack's Lambda REQUEST authorizer.",
        ),
        (
            with_(JWT_ROUTE, authorizationType="AWS_IAM", authorizerId=None, authorizationScopes=None),
            f"{LABEL}: uses authorization type AWS_IAM, which this pack does not accept. Fix: use JWT (the stack's "
            "JWT authorizer with 1-10 scopes) or CUSTOM (the stack's Lambda REQUEST authorizer), or declare the "
            "route public.",
        ),
    ],
)
def test_each_unauthorized_route_gets_one_violation(props: dict[str, Any], message: str) -> None:
    assert validate_resource(ROUTE_AUTHORIZATION, ROUTE, props, ROUTE_NAME).messages == [message]


def test_a_route_names_its_key_when_the_logical_name_does_not() -> None:
    outcome = validate_resource(ROUTE_AUTHORIZATION, ROUTE, with_(JWT_ROUTE, authorizerId=None), "orders")
    assert outcome.messages[0].startswith("route 'orders' (GET /posts): ")


@pytest.mark.parametrize("key", ["authorizerId", "authorizationScopes", "authorizationType"])
def test_an_unknown_route_property_is_advisory(key: str) -> None:
    outcome = validate_resource(ROUTE_AUTHORIZATION, ROUTE, with_(JWT_ROUTE, **{key: UNKNOWN}), ROUTE_NAME)
    assert outcome.violations == []
    assert outcome.advisory is not None
    assert f"{LABEL}: {key}" in outcome.advisory
    assert "during `pulumi up`" in outcome.advisory


def test_unknown_values_defer_only_the_checks_that_need_them() -> None:
    # Scopes are known (none): that violation is reported; the unknown authorizer id is advisory.
    props = with_(JWT_ROUTE, authorizationScopes=None, authorizerId=UNKNOWN)
    outcome = validate_resource(ROUTE_AUTHORIZATION, ROUTE, props, ROUTE_NAME)
    assert len(outcome.messages) == 1 and "demands no scope" in outcome.messages[0]
    assert outcome.advisory is not None and "authorizerId" in outcome.advisory


@pytest.mark.parametrize(
    "props",
    [
        with_(JWT_ROUTE, routeKey="$default"),
        with_(JWT_ROUTE, routeKey="ANY /{proxy+}", authorizationType="CUSTOM"),
        with_(JWT_ROUTE, routeKey="GET /health", authorizationType="NONE", authorizerId=None),
        with_(JWT_ROUTE, routeKey="GET /files/{proxy+}", authorizationType="NONE", authorizerId=None),
    ],
)
def test_catch_alls_with_an_authorizer_and_other_public_routes_pass_the_catch_all_policy(props: dict[str, Any]) -> None:
    outcome = validate_resource(NO_OPEN_CATCH_ALL, ROUTE, props, "http-route-x")
    assert (outcome.violations, outcome.advisory) == ([], None)


@pytest.mark.parametrize(
    ("key", "auth"),
    [("$default", "NONE"), ("ANY /{proxy+}", None), ("GET /{proxy+}", "NONE")],
)
def test_an_open_catch_all_gets_one_violation(key: str, auth: str | None) -> None:
    props = with_(JWT_ROUTE, routeKey=key, authorizationType=auth, authorizerId=None, authorizationScopes=None)
    assert validate_resource(NO_OPEN_CATCH_ALL, ROUTE, props, "catch-all").messages == [
        f"route 'catch-all' ({key}): is the catch-all route {key} without an authorizer: every request no other "
        "route matches reaches the upstream unauthenticated. Fix: give it authorizationType JWT with scopes (or "
        "CUSTOM), or remove it; neither a public declaration nor allowedPublicRoutes exempts a catch-all."
    ]


def test_an_unknown_route_key_is_advisory_for_the_catch_all_policy() -> None:
    props = with_(JWT_ROUTE, routeKey=UNKNOWN, authorizationType="NONE")
    outcome = validate_resource(NO_OPEN_CATCH_ALL, ROUTE, props, "r")
    assert outcome.violations == [] and outcome.advisory is not None and "routeKey" in outcome.advisory


# --- Authorizers ------------------------------------------------------------------------------------

JWT = {
    "apiId": "a1b2c3d4e5",
    "name": "b2c-jwt",
    "authorizerType": "JWT",
    "identitySources": ["$request.header.Authorization"],
    "jwtConfiguration": {"issuer": ISSUER, "audiences": ["0a0a0a0a-0000-4000-8000-000000000001"]},
}
REQUEST = {
    "apiId": "a1b2c3d4e5",
    "name": "entra-request",
    "authorizerType": "REQUEST",
    "authorizerUri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:"
    "123456789012:function:authz/invocations",
    "authorizerPayloadFormatVersion": "2.0",
    "enableSimpleResponses": True,
    "identitySources": ["$request.header.Authorization", "$context.routeKey"],
    "authorizerResultTtlInSeconds": 300,
}


def test_a_sound_jwt_authorizer_passes_and_request_authorizers_are_not_its_business() -> None:
    for props in (JWT, with_(JWT, jwtConfiguration={"issuer": ISSUER, "audiences": [f"a{i}" for i in range(50)]})):
        assert validate_resource(JWT_AUTHORIZER, AUTHORIZER, props, "http-jwt").violations == []
    assert validate_resource(JWT_AUTHORIZER, AUTHORIZER, with_(REQUEST, identitySources=[]), "x").violations == []


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            with_(JWT, jwtConfiguration={"issuer": "http://login.example.com/", "audiences": ["a"]}),
            "authorizer 'http-jwt': trusts the issuer 'http://login.example.com/', which is not an https URL. Fix: "
            "set jwtConfiguration.issuer to the identity platform's https issuer, exactly as tokens carry it in iss.",
        ),
        (
            with_(JWT, jwtConfiguration={"issuer": "https://", "audiences": ["a"]}),
            "authorizer 'http-jwt': trusts the issuer 'https://', which is not an https URL. Fix: "
            "set jwtConfiguration.issuer to the identity platform's https issuer, exactly as tokens carry it in iss.",
        ),
        (
            with_(JWT, jwtConfiguration={"issuer": ISSUER, "audiences": []}),
            "authorizer 'http-jwt': lists 0 audiences; a JWT authorizer needs 1-50. "
            "Fix: set jwtConfiguration.audiences to the API app's client id (the tokens' aud).",
        ),
        (
            with_(JWT, jwtConfiguration={"issuer": ISSUER, "audiences": [f"a{i}" for i in range(51)]}),
            "authorizer 'http-jwt': lists 51 audiences; a JWT authorizer needs 1-50. "
            "Fix: set jwtConfiguration.audiences to the API app's client id (the tokens' aud).",
        ),
        (
            with_(JWT, identitySources=["$request.header.X-Token"]),
            "authorizer 'http-jwt': reads the token from ['$request.header.X-Token'], not from "
            "$request.header.Authorization alone. Fix: set identitySources to ['$request.header.Authorization'], "
            "where OAuth 2.0 clients send the bearer token.",
        ),
    ],
)
def test_each_unsound_jwt_authorizer_gets_one_violation(props: dict[str, Any], message: str) -> None:
    assert validate_resource(JWT_AUTHORIZER, AUTHORIZER, props, "http-jwt").messages == [message]


def test_an_unknown_audience_is_advisory_while_the_issuer_is_still_checked() -> None:
    # The first preview: the audience is the API app's client id, which does not exist yet.
    props = with_(JWT, jwtConfiguration={"issuer": "http://x/", "audiences": [UNKNOWN]})
    outcome = validate_resource(JWT_AUTHORIZER, AUTHORIZER, props, "http-jwt")
    assert len(outcome.messages) == 1 and "not an https URL" in outcome.messages[0]
    assert outcome.advisory is not None and "authorizer 'http-jwt': jwtConfiguration.audiences" in outcome.advisory


@pytest.mark.parametrize(
    "props",
    [
        REQUEST,
        with_(REQUEST, authorizerResultTtlInSeconds=0, identitySources=["$request.header.Authorization"]),
        with_(REQUEST, authorizerResultTtlInSeconds=None),
        JWT,
    ],
)
def test_request_authorizers_that_cache_per_route_or_not_at_all_pass(props: dict[str, Any]) -> None:
    outcome = validate_resource(REQUEST_AUTHORIZER_CACHE, AUTHORIZER, props, "entra")
    assert (outcome.violations, outcome.advisory) == ([], None)


@pytest.mark.parametrize(
    ("ttl", "shown"),
    [(None, "300"), (60, "60")],  # unset: API Gateway's default TTL, 300 s
)
def test_a_request_authorizer_caching_without_the_route_key_gets_one_violation(ttl: int | None, shown: str) -> None:
    props = with_(REQUEST, authorizerResultTtlInSeconds=ttl, identitySources=["$request.header.Authorization"])
    assert validate_resource(REQUEST_AUTHORIZER_CACHE, AUTHORIZER, props, "entra").messages == [
        f"authorizer 'entra': caches its results for {shown} s keyed by ['$request.header.Authorization'] only, "
        "so one cached allow for a caller opens every route to it until the entry expires. Fix: add "
        "'$context.routeKey' to identitySources, or set authorizerResultTtlInSeconds to 0."
    ]


@pytest.mark.parametrize("key", ["identitySources", "authorizerResultTtlInSeconds"])
def test_unknown_request_authorizer_settings_are_advisory(key: str) -> None:
    props = {**REQUEST, "identitySources": ["$request.header.Authorization"], key: UNKNOWN}
    outcome = validate_resource(REQUEST_AUTHORIZER_CACHE, AUTHORIZER, props, "entra")
    assert outcome.violations == [] and outcome.advisory is not None and key in outcome.advisory


# --- Stages -------------------------------------------------------------------------------------------

STAGE_PROPS = {
    "apiId": "a1b2c3d4e5",
    "name": "$default",
    "autoDeploy": True,
    "accessLogSettings": {"destinationArn": LOG_GROUP_ARN, "format": '{"requestId":"$context.requestId"}'},
    "defaultRouteSettings": {"throttlingBurstLimit": 50, "throttlingRateLimit": 100.0},
}


def test_a_stage_that_logs_and_throttles_passes() -> None:
    outcome = validate_resource(STAGE_LOGS_AND_THROTTLING, STAGE, STAGE_PROPS, "http-stage")
    assert (outcome.violations, outcome.advisory) == ([], None)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            with_(STAGE_PROPS, accessLogSettings=None),
            "stage 'http-stage': writes no access logs, so nobody can see who called or why a call got 401. Fix: "
            "set accessLogSettings.destinationArn to a CloudWatch log group (with retention) and a format.",
        ),
        (
            with_(
                STAGE_PROPS,
                accessLogSettings={"destinationArn": "arn:aws:firehose:eu-west-1:1:deliverystream/x", "format": "{}"},
            ),
            "stage 'http-stage': sends access logs to 'arn:aws:firehose:eu-west-1:1:deliverystream/x', which is not "
            "a CloudWatch Logs log group ARN. Fix: set accessLogSettings.destinationArn to the ARN of a log group "
            "this stack creates.",
        ),
        (
            with_(STAGE_PROPS, accessLogSettings={"destinationArn": LOG_GROUP_ARN}),
            "stage 'http-stage': has an access-log destination but no log format, so API Gateway writes nothing. "
            "Fix: set accessLogSettings.format (JSON with $context variables).",
        ),
        (
            with_(STAGE_PROPS, defaultRouteSettings=None),
            "stage 'http-stage': sets no default route throttling (throttlingBurstLimit, throttlingRateLimit missing "
            "or not positive), so one caller can spend the account's whole request quota. Fix: set "
            "defaultRouteSettings.throttlingBurstLimit and throttlingRateLimit.",
        ),
        (
            with_(STAGE_PROPS, defaultRouteSettings={"throttlingBurstLimit": 0, "throttlingRateLimit": 100}),
            "stage 'http-stage': sets no default route throttling (throttlingBurstLimit missing or not positive), "
            "so one caller can spend the account's whole request quota. Fix: set "
            "defaultRouteSettings.throttlingBurstLimit and throttlingRateLimit.",
        ),
    ],
)
def test_each_stage_gap_gets_one_violation(props: dict[str, Any], message: str) -> None:
    assert validate_resource(STAGE_LOGS_AND_THROTTLING, STAGE, props, "http-stage").messages == [message]


def test_an_unknown_log_group_arn_is_advisory_and_throttling_is_still_checked() -> None:
    # The first preview: the log group is created in the same update, its ARN is unknown.
    props = with_(STAGE_PROPS, accessLogSettings={"destinationArn": UNKNOWN, "format": "{}"}, defaultRouteSettings=None)
    outcome = validate_resource(STAGE_LOGS_AND_THROTTLING, STAGE, props, "http-stage")
    assert len(outcome.messages) == 1 and "throttling" in outcome.messages[0]
    assert outcome.advisory is not None and "stage 'http-stage': accessLogSettings.destinationArn" in outcome.advisory


# --- Client secrets ---------------------------------------------------------------------------------

PASSWORD_PROPS = {
    "applicationId": "/applications/638ebffb-60be-550f-9a6f-51e36f78dd54",
    "displayName": "orders-dev client reporting (pulumi)",
    "endDateRelative": "4320h",
}
FIX_730 = (
    "Fix: set endDateRelative (such as '17520h') or endDate at most 730 days after the start, "
    "and rotate before it ends."
)


@pytest.mark.parametrize(
    ("props", "config"),
    [
        (PASSWORD_PROPS, None),
        (with_(PASSWORD_PROPS, endDateRelative="17520h"), None),  # exactly 730 days
        (with_(PASSWORD_PROPS, endDateRelative="8759h59m60s"), {"maxSecretDays": 365}),
        (
            with_(
                PASSWORD_PROPS, endDateRelative=None, startDate="2026-01-01T00:00:00Z", endDate="2027-01-01T00:00:00Z"
            ),
            {"maxSecretDays": 365.0},  # the CLI's config arrives as JSON numbers
        ),
    ],
)
def test_secrets_that_end_in_time_pass(props: dict[str, Any], config: dict[str, Any] | None) -> None:
    outcome = validate_resource(PASSWORD_LIFETIME, PASSWORD, props, "client-reporting-secret", config)
    assert (outcome.violations, outcome.advisory) == ([], None)


@pytest.mark.parametrize(
    ("props", "config", "message"),
    [
        (
            with_(PASSWORD_PROPS, endDateRelative=None),
            None,
            "application password 'client-reporting-secret': sets no end date, so the secret lives as long as "
            f"Entra allows. {FIX_730}",
        ),
        (
            with_(PASSWORD_PROPS, endDateRelative="19200h"),
            None,
            "application password 'client-reporting-secret': lives 800 days (endDateRelative 19200h), more than "
            f"maxSecretDays 730. {FIX_730}",
        ),
        (
            with_(PASSWORD_PROPS, endDateRelative="4320h"),
            {"maxSecretDays": 90},
            "application password 'client-reporting-secret': lives 180 days (endDateRelative 4320h), more than "
            "maxSecretDays 90. Fix: set endDateRelative (such as '2160h') or endDate at most 90 days after the start, "
            "and rotate before it ends.",
        ),
        (
            with_(PASSWORD_PROPS, endDateRelative="two years"),
            None,
            "application password 'client-reporting-secret': has endDateRelative 'two years', which is not a "
            f"positive duration. {FIX_730}",
        ),
        (
            with_(
                PASSWORD_PROPS, endDateRelative=None, startDate="2026-01-01T00:00:00Z", endDate="2028-03-11T00:00:00Z"
            ),
            None,
            "application password 'client-reporting-secret': lives 800 days (endDate 2028-03-11T00:00:00Z), more "
            f"than maxSecretDays 730. {FIX_730}",
        ),
    ],
)
def test_each_long_or_endless_secret_gets_one_violation(
    props: dict[str, Any], config: dict[str, Any] | None, message: str
) -> None:
    # The password's value is a secret the policy sees in plain text: it must never reach a message.
    props = {**props, "value": secret(f"{SECRET_MARKER}abc123")}
    outcome = validate_resource(PASSWORD_LIFETIME, PASSWORD, props, "client-reporting-secret", config)
    assert outcome.messages == [message]
    assert SECRET_MARKER not in message


def test_an_end_date_counts_from_now_without_a_start_date() -> None:
    props = with_(PASSWORD_PROPS, endDateRelative=None, endDate="2999-01-01T00:00:00Z")
    (message,) = validate_resource(PASSWORD_LIFETIME, PASSWORD, props, "s").messages
    assert "more than maxSecretDays 730" in message


@pytest.mark.parametrize("key", ["endDateRelative", "endDate"])
def test_an_unknown_lifetime_is_advisory(key: str) -> None:
    outcome = validate_resource(PASSWORD_LIFETIME, PASSWORD, {**PASSWORD_PROPS, key: UNKNOWN}, "s")
    assert outcome.violations == [] and outcome.advisory is not None and key in outcome.advisory


@pytest.mark.parametrize("bad", [0, 1.5, "730", None])
def test_a_bad_max_secret_days_is_refused_naming_the_key(bad: object) -> None:
    with pytest.raises(ValueError, match="maxSecretDays must be a whole number of days >= 1"):
        validate_resource(PASSWORD_LIFETIME, PASSWORD, PASSWORD_PROPS, "s", {"maxSecretDays": bad})


# --- API app roles ----------------------------------------------------------------------------------

API_APP = {
    "displayName": "orders-dev",
    "signInAudience": "AzureADandPersonalMicrosoftAccount",
    "identifierUris": ["https://contosob2c.onmicrosoft.com/orders-dev"],
    "api": {"requestedAccessTokenVersion": 2},
    "appRoles": [
        {
            "id": ROLE_ID,
            "value": "app.read",
            "displayName": "app.read",
            "description": "Read orders",
            "allowedMemberTypes": ["Application"],
            "enabled": True,
        }
    ],
}
CLIENT_APP = {"displayName": "orders-dev client reporting", "api": {"requestedAccessTokenVersion": 1}}


@pytest.mark.parametrize("props", [API_APP, CLIENT_APP, with_(API_APP, appRoles=None)])
def test_api_apps_with_app_only_roles_and_v2_tokens_pass(props: dict[str, Any]) -> None:
    outcome = validate_resource(API_APP_ROLES, APP, props, "api-app")
    assert (outcome.violations, outcome.advisory) == ([], None)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            with_(API_APP, appRoles=[{**API_APP["appRoles"][0], "allowedMemberTypes": ["User", "Application"]}]),
            "application 'api-app': app role 'app.read' allows member types ['User', 'Application']. Fix: set "
            "allowedMemberTypes to ['Application'] only: client-credentials callers are applications, and a User "
            "member type lets people be assigned the role.",
        ),
        (
            with_(API_APP, api={"requestedAccessTokenVersion": 1}),
            "application 'api-app': is an API app whose access token version is 1. Fix: set "
            "api.requestedAccessTokenVersion to 2: the identity platform issues v2 tokens for it and API Gateway "
            "trusts the v2 issuer.",
        ),
        (
            with_(API_APP, api=None),
            "application 'api-app': is an API app whose access token version is unset, which Entra treats as 1. "
            "Fix: set api.requestedAccessTokenVersion to 2: the identity platform issues v2 tokens for it and API "
            "Gateway trusts the v2 issuer.",
        ),
    ],
)
def test_each_api_app_gap_gets_one_violation(props: dict[str, Any], message: str) -> None:
    assert validate_resource(API_APP_ROLES, APP, props, "api-app").messages == [message]


def test_unknown_app_roles_are_advisory() -> None:
    outcome = validate_resource(API_APP_ROLES, APP, with_(API_APP, appRoles=[UNKNOWN]), "api-app")
    assert outcome.violations == [] and outcome.advisory is not None and "appRoles" in outcome.advisory


def test_service_principal_passwords_and_inline_application_passwords_are_held_to_the_limit() -> None:
    sp_password = "azuread:index/servicePrincipalPassword:ServicePrincipalPassword"
    (message,) = validate_resource(
        PASSWORD_LIFETIME,
        sp_password,
        {"servicePrincipalId": "/servicePrincipals/x", "endDateRelative": "19200h"},
        "sp",
    ).messages
    assert message.startswith("service principal password 'sp': lives 800 days (endDateRelative 19200h)")
    inline = {**API_APP, "password": {"displayName": "inline"}}
    assert validate_resource(PASSWORD_LIFETIME, APP, inline, "api-app").messages == [
        "application 'api-app': its inline password sets no end date, so the secret lives as long as Entra "
        f"allows. {FIX_730}"
    ]
    inline = {**API_APP, "password": {"startDate": "2026-01-01T00:00:00Z", "endDate": "2026-07-01T00:00:00Z"}}
    assert validate_resource(PASSWORD_LIFETIME, APP, inline, "api-app").violations == []
    # An application without a password is not a secret.
    assert validate_resource(PASSWORD_LIFETIME, APP, API_APP, "api-app").violations == []
