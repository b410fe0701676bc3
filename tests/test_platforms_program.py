"""The program on each identity platform, under Pulumi's mocks.

B2C stacks must not change at all with the roles platforms added: their resources are compared with
a snapshot taken from the program before (tests/support/snapshot.py), and their outputs gain only
``platform``, and ``throttle`` and ``clients.<name>.secrets`` (docs/operations.md)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pulumi

from components.lambda_package import DEPLOY_TARGET, PROJECT_ROOT
from tests.support.example import ENTRA_ID_CONFIG, EXTERNAL_ID_CONFIG
from tests.support.mocks import ProgramRun, run_program
from tests.support.snapshot import B2C_EXPORTS_SNAPSHOT, B2C_SNAPSHOT, exports_snapshot, resources_snapshot
from verify.entra import RolesPlatform
from verify.idp import platform_for
from verify.outputs import parse_outputs


def test_b2c_stack_resources_are_exactly_as_before(dev_config: dict[str, Any]) -> None:
    run = run_program(dev_config)
    assert resources_snapshot(run) == B2C_SNAPSHOT.read_text()


def test_b2c_stack_outputs_gain_only_platform_throttle_and_secrets(dev_config: dict[str, Any]) -> None:
    run = run_program(dev_config)
    now = json.loads(exports_snapshot(run))
    before = json.loads(B2C_EXPORTS_SNAPSHOT.read_text())
    assert now.pop("platform", {"value": "b2c", "secret": False}) == {"value": "b2c", "secret": False}
    # The stage's throttle, for `verify smoke`'s pacing, and each client's one secret under "default".
    assert now.pop("throttle") == {"value": {"rate": 100.0, "burst": 50}, "secret": False}
    for client in now["clients"]["value"].values():
        secrets = client.pop("secrets")
        assert list(secrets) == ["default"] and secrets["default"]["secret"] == client["clientSecret"]
    assert now == before


# --- the roles platforms ---------------------------------------------------------------------------

EXTERNAL_TID = EXTERNAL_ID_CONFIG["b2c-apigw:tenant"]["id"]
ENTRA_TID = ENTRA_ID_CONFIG["b2c-apigw:tenant"]["id"]


def roles_run(config: dict[str, Any]) -> ProgramRun:
    return run_program(copy.deepcopy(config))


def test_external_id_endpoints_and_platform_output() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    values = {k: e.value for k, e in run.exports.items()}
    assert values["platform"] == "externalId"
    assert values["issuer"] == f"https://{EXTERNAL_TID}.ciamlogin.com/{EXTERNAL_TID}/v2.0"
    assert values["tokenUrl"] == f"https://contosoext.ciamlogin.com/{EXTERNAL_TID}/oauth2/v2.0/token"
    assert values["discoveryUrl"] == values["issuer"] + "/.well-known/openid-configuration"
    assert values["scope"] == f"api://{EXTERNAL_TID}/orders-dev/.default"
    app = run.mocks.one("azuread:index/application:Application", "api-app")
    assert values["audience"] == app.outputs["clientId"]


def test_entra_id_endpoints() -> None:
    values = {k: e.value for k, e in roles_run(ENTRA_ID_CONFIG).exports.items()}
    assert values["platform"] == "entraId"
    assert values["issuer"] == f"https://login.microsoftonline.com/{ENTRA_TID}/v2.0"
    assert values["tokenUrl"] == f"https://login.microsoftonline.com/{ENTRA_TID}/oauth2/v2.0/token"
    assert values["scope"] == f"api://{ENTRA_TID}/inventory-dev/.default"


def test_roles_platform_registrations_are_single_tenant_v2_with_the_stack_in_the_app_id_uri() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    api = run.mocks.one("azuread:index/application:Application", "api-app")
    assert api.inputs["signInAudience"] == "AzureADMyOrg"
    assert api.inputs["identifierUris"] == [f"api://{EXTERNAL_TID}/orders-dev"]
    assert api.inputs["api"]["requestedAccessTokenVersion"] == 2
    client = run.mocks.one("azuread:index/application:Application", "client-reporting-app")
    assert client.inputs["signInAudience"] == "AzureADMyOrg"
    assert run.mocks.of_type("azuread:index/appRoleAssignment:AppRoleAssignment"), "grants stay app role assignments"


def test_roles_platform_uses_a_lambda_request_authorizer_keyed_by_token_and_route() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    assert not [r for r in run.mocks.of_type("aws:apigatewayv2/authorizer:Authorizer") if r.name == "http-jwt"]
    authorizer = run.mocks.one("aws:apigatewayv2/authorizer:Authorizer", "http-lambda")
    function = run.mocks.one("aws:lambda/function:Function", "authorizer-function")
    assert authorizer.inputs["authorizerType"] == "REQUEST"
    assert authorizer.inputs["authorizerPayloadFormatVersion"] == "2.0"
    assert authorizer.inputs["enableSimpleResponses"] is True
    assert authorizer.inputs["identitySources"] == ["$request.header.Authorization", "$context.routeKey"]
    assert authorizer.inputs["authorizerResultTtlInSeconds"] == 60
    assert authorizer.inputs["authorizerUri"] == function.outputs["invokeArn"]


def test_entra_id_cache_seconds_reach_the_authorizer() -> None:
    run = roles_run(ENTRA_ID_CONFIG)
    assert (
        run.mocks.one("aws:apigatewayv2/authorizer:Authorizer", "http-lambda").inputs["authorizerResultTtlInSeconds"]
        == 0
    )


def test_protected_routes_are_custom_with_the_lambda_authorizer_and_public_ones_none() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    authorizer_id = run.mocks.one("aws:apigatewayv2/authorizer:Authorizer", "http-lambda")
    routes = {r.inputs["routeKey"]: r for r in run.mocks.of_type("aws:apigatewayv2/route:Route")}
    for key in ("GET /posts", "POST /posts"):
        assert routes[key].inputs["authorizationType"] == "CUSTOM", key
        assert "authorizationScopes" not in routes[key].inputs, key
        assert "http-lambda" in routes[key].dependencies, key
    assert routes["GET /health"].inputs["authorizationType"] == "NONE"
    assert "authorizerId" not in routes["GET /health"].inputs
    assert routes["GET /posts"].inputs["authorizerId"] == routes["POST /posts"].inputs["authorizerId"]
    assert authorizer_id.inputs["name"] == "roles-lambda"


def test_the_invoke_permission_is_scoped_to_this_apis_authorizer() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    permission = run.mocks.one("aws:lambda/permission:Permission", "http-invoke")
    api = run.mocks.one("aws:apigatewayv2/api:Api", "http-api")
    function = run.mocks.one("aws:lambda/function:Function", "authorizer-function")
    authorizer_ids = {
        r.inputs["authorizerId"]
        for r in run.mocks.of_type("aws:apigatewayv2/route:Route")
        if "authorizerId" in r.inputs
    }
    assert len(authorizer_ids) == 1
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["function"] == function.inputs["name"]
    assert permission.inputs["sourceArn"] == f"{api.outputs['executionArn']}/authorizers/{authorizer_ids.pop()}"


def test_the_function_gets_issuer_audience_and_its_route_map_in_the_zip() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    function = run.mocks.one("aws:lambda/function:Function", "authorizer-function")
    app = run.mocks.one("azuread:index/application:Application", "api-app")
    assert function.inputs["runtime"] == DEPLOY_TARGET.runtime
    assert function.inputs["architectures"] == [DEPLOY_TARGET.architecture]
    assert function.inputs["handler"] == "authorizer.handler.handler"
    assert function.inputs["name"] == "orders-dev-authorizer"
    assert function.inputs["environment"]["variables"] == {
        "AUTHORIZER_ISSUER": f"https://{EXTERNAL_TID}.ciamlogin.com/{EXTERNAL_TID}/v2.0",
        "AUTHORIZER_AUDIENCE": app.outputs["clientId"],
    }
    archive = function.inputs["code"]
    assert isinstance(archive, pulumi.FileArchive)
    assert not Path(archive.path).is_absolute(), "a machine-specific path would show in every other checkout's diff"
    tree = PROJECT_ROOT / archive.path
    assert tree.is_dir(), "a directory: Pulumi hashes its names and contents, not a zip's deflate bytes"
    assert json.loads((tree / "authorizer" / "routes.json").read_bytes()) == {
        "GET /posts": ["app.read"],
        "POST /posts": ["app.write"],
    }


def test_the_function_has_its_own_log_group_role_and_least_privilege_policy() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    function = run.mocks.one("aws:lambda/function:Function", "authorizer-function")
    logs = run.mocks.one("aws:cloudwatch/logGroup:LogGroup", "authorizer-logs")
    role = run.mocks.one("aws:iam/role:Role", "authorizer-role")
    policy = run.mocks.one("aws:iam/rolePolicy:RolePolicy", "authorizer-logs-policy")
    assert logs.inputs["name"] == "/aws/lambda/orders-dev-authorizer"
    assert logs.inputs["retentionInDays"] == 30
    assert function.inputs["loggingConfig"]["logGroup"] == logs.inputs["name"]
    assert {"authorizer-logs", "authorizer-logs-policy"} <= function.dependencies, "no log written before its group"
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert function.inputs["role"] == role.outputs["arn"]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{logs.outputs['arn']}:*",
        }
    ]


def test_every_example_validates() -> None:
    for config in (EXTERNAL_ID_CONFIG, ENTRA_ID_CONFIG):
        run = roles_run(config)
        assert run.exports["platform"].value == config["b2c-apigw:tenant"]["platform"]
        assert not [w for w in run.warnings if "invalid" in w]


def test_b2c_stacks_create_no_lambda_resources(dev_config: dict[str, Any]) -> None:
    run = run_program(dev_config)
    assert not [r for r in run.registered if r.type.startswith(("aws:lambda", "aws:iam"))]


def test_verify_reads_the_platform_from_a_roles_stacks_outputs() -> None:
    run = roles_run(EXTERNAL_ID_CONFIG)
    parsed = parse_outputs({k: e.value for k, e in run.exports.items()}, "mocked stack")
    assert (parsed.platform, parsed.uses_roles) == ("externalId", True)
    assert isinstance(platform_for(parsed), RolesPlatform)


def test_verify_takes_outputs_without_platform_for_b2c(dev_config: dict[str, Any]) -> None:
    exports = {k: e.value for k, e in run_program(dev_config).exports.items()}
    del exports["platform"]  # a stack deployed before the output existed
    parsed = parse_outputs(exports, "mocked stack")
    assert (parsed.platform, parsed.uses_roles) == ("b2c", False)
