"""The whole program (__main__.py) under mocks with the example stack config: the wiring across the
clouds, the stack outputs, the seed scenario as a config diff, stacks side by side, and bad config."""

from __future__ import annotations

import copy
import json
import runpy
from typing import Any
from unittest import mock

import pulumi
import pytest

from components import naming
from tests.support.config_cases import BAD_VALUES
from tests.support.example import DEV_CONFIG, TENANT_ID
from tests.support.mocks import MAIN, SECRET_MARKER, ProgramRun, Registered, install_mocks, run_program, settle

APP = "azuread:index/application:Application"
SP = "azuread:index/servicePrincipal:ServicePrincipal"
ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
ROUTE = "aws:apigatewayv2/route:Route"
ISSUER_TFP = f"https://contosob2c.b2clogin.com/tfp/{TENANT_ID}/B2C_1_susi/v2.0/"


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_program(DEV_CONFIG)


def test_declares_the_expected_resources(dev: ProgramRun) -> None:
    counts: dict[str, int] = {}
    for r in dev.registered:
        counts[r.type] = counts.get(r.type, 0) + 1
    assert counts == {
        "b2capigw:azure:ApiApp": 1,
        "b2capigw:azure:ClientApp": 1,
        "b2capigw:aws:JwtHttpApi": 1,
        APP: 2,
        SP: 2,
        ASSIGNMENT: 1,
        PASSWORD: 1,
        "aws:apigatewayv2/api:Api": 1,
        AUTHORIZER: 1,
        "aws:apigatewayv2/integration:Integration": 1,
        ROUTE: 3,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:apigatewayv2/stage:Stage": 1,
    }


def test_the_access_log_group_is_named_and_kept_as_the_readme_says(dev: ProgramRun) -> None:
    # README names this group; a different name would replace it (and its logs) on existing stacks.
    group = dev.mocks.one("aws:cloudwatch/logGroup:LogGroup", "http-access-logs").inputs
    assert group["name"] == "/aws/apigateway/orders-dev/access"
    assert group["retentionInDays"] == DEV_CONFIG["b2c-apigw:api"]["logRetentionDays"] == 30


def test_authorizer_trusts_exactly_the_tokens_b2c_issues_for_the_api_app(dev: ProgramRun) -> None:
    api_app = dev.mocks.one(APP, "api-app")
    jwt = dev.mocks.one(AUTHORIZER, "http-jwt").inputs["jwtConfiguration"]
    # aud of a B2C token is the API app's client id; iss is the tfp form of the configured flow.
    assert jwt == {"issuer": ISSUER_TFP, "audiences": [api_app.outputs["clientId"]]}
    assert dev.exports["audience"].value == api_app.outputs["clientId"]
    assert dev.exports["issuer"].value == ISSUER_TFP


def test_route_scopes_and_grants_name_the_app_roles_of_the_api(dev: ProgramRun) -> None:
    roles = {r["value"]: r["id"] for r in dev.mocks.one(APP, "api-app").inputs["appRoles"]}
    assert set(roles) == {"app.read", "app.write"}
    scopes = {r.inputs["routeKey"]: r.inputs.get("authorizationScopes", []) for r in dev.mocks.of_type(ROUTE)}
    assert scopes == {"GET /posts": ["app.read"], "POST /posts": ["app.write"], "GET /health": []}

    client = dev.mocks.one(APP, "client-reporting-app")
    (access,) = client.inputs["requiredResourceAccesses"]
    assert access["resourceAppId"] == dev.mocks.one(APP, "api-app").outputs["clientId"]
    assert access["resourceAccesses"] == [{"id": roles["app.read"], "type": "Role"}]
    grant = dev.mocks.one(ASSIGNMENT, "client-reporting-grant-app.read").inputs
    assert grant["appRoleId"] == roles["app.read"]
    assert grant["resourceObjectId"] == dev.mocks.one(SP, "api-sp").outputs["objectId"]
    assert grant["principalObjectId"] == dev.mocks.one(SP, "client-reporting-sp").outputs["objectId"]


def test_a_grant_waits_for_the_api_application_that_defines_its_role(dev: ProgramRun) -> None:
    """Adding a permission and granting it in one `pulumi up`: the assignment must be created after
    the API application's update that adds the role, or Graph refuses it. The engine orders steps by
    these dependencies."""
    grant = dev.mocks.one(ASSIGNMENT, "client-reporting-grant-app.read")
    assert {"api-app", "api-sp", "client-reporting-sp"} <= grant.dependencies, grant.dependencies
    client = dev.mocks.one(APP, "client-reporting-app")
    assert "api-app" in client.dependencies, client.dependencies


def test_the_users_settings_reach_the_resources() -> None:
    """Values other than the defaults, so a program that ignored them (and used the defaults that
    Pulumi.dev.yaml happens to hold) would fail here."""
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:tenant"] |= {"issuerFormat": "tenant", "domain": "login.contoso.com"}
    cfg["b2c-apigw:api"] |= {"throttle": {"burst": 7, "rate": 2.5}, "logRetentionDays": 14}
    cfg["b2c-apigw:clients"][0]["secretDays"] = 30
    run = run_program(cfg, stack="trial")

    issuer = f"https://login.contoso.com/{TENANT_ID}/v2.0/"
    assert run.mocks.one(AUTHORIZER, "http-jwt").inputs["jwtConfiguration"]["issuer"] == issuer
    assert run.exports["issuer"].value == issuer
    assert run.exports["tokenUrl"].value.startswith("https://login.contoso.com/")
    stage = run.mocks.one("aws:apigatewayv2/stage:Stage", "http-stage").inputs
    assert stage["defaultRouteSettings"] == {"throttlingBurstLimit": 7, "throttlingRateLimit": 2.5}
    group = run.mocks.one("aws:cloudwatch/logGroup:LogGroup", "http-access-logs").inputs
    assert group["retentionInDays"] == 14
    password = run.mocks.one(PASSWORD, "client-reporting-secret")
    assert password.inputs["endDateRelative"] == f"{30 * 24}h"
    for r in (run.mocks.one("aws:apigatewayv2/api:Api", "http-api").inputs, stage, group):
        assert r["tags"] == {"project": "b2c-apigw", "stack": "trial", "api": "orders"}


def test_stack_outputs(dev: ProgramRun) -> None:
    values = {k: e.value for k, e in dev.exports.items()}
    api = dev.mocks.one("aws:apigatewayv2/api:Api", "http-api")
    assert values["apiUrl"] == api.outputs["apiEndpoint"]
    assert (
        values["tokenUrl"] == "https://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"
    )
    assert values["discoveryUrl"] == ISSUER_TFP + ".well-known/openid-configuration"
    assert values["scope"] == "https://contosob2c.onmicrosoft.com/orders-dev/.default"
    assert values["routes"] == {"GET /posts": ["app.read"], "POST /posts": ["app.write"], "GET /health": []}
    client_app = dev.mocks.one(APP, "client-reporting-app")
    password = dev.mocks.one(PASSWORD, "client-reporting-secret")
    assert values["clients"] == {
        "reporting": {
            "clientId": client_app.outputs["clientId"],
            "grants": ["app.read"],
            "clientSecret": password.outputs["value"],
            # A secretDays client's one secret, under the label "default", with the end date the provider computed.
            "secrets": {"default": {"secret": password.outputs["value"], "expires": "2026-06-30T00:00:00Z"}},
        }
    }
    # The stage's throttle, which `verify smoke` paces itself to.
    stage = dev.mocks.one("aws:apigatewayv2/stage:Stage", "http-stage").inputs["defaultRouteSettings"]
    assert values["throttle"] == {"rate": stage["throttlingRateLimit"], "burst": stage["throttlingBurstLimit"]}
    assert values["throttle"] == {"rate": 100.0, "burst": 50}


def test_secrets_are_secret_and_absent_from_every_plain_output(dev: ProgramRun) -> None:
    assert dev.exports["clients"].secret
    secret_output = dev.raw_exports["clients"]["reporting"]["clientSecret"]
    assert isinstance(secret_output, pulumi.Output)
    for key, export in dev.exports.items():
        if not export.secret:
            assert SECRET_MARKER not in json.dumps(export.value), f"{key} shows a client secret in plain text"
    assert {k for k, e in dev.exports.items() if e.secret} == {"clients"}


def test_secret_value_reported_secret_on_its_own(dev: ProgramRun) -> None:
    resolved = settle(lambda: {"secret": dev.raw_exports["clients"]["reporting"]["clientSecret"]})
    assert resolved["secret"].secret


def _by_urn(run: ProgramRun) -> dict[tuple[str, str], Registered]:
    return {(r.type, r.name): r for r in run.registered}


def test_seed_scenario_revoking_a_grant_deletes_one_assignment_and_edits_one_app() -> None:
    """Removing app.read from the client: its assignment goes, its required access loses the entry,
    and every other resource is declared exactly as before (so nothing else is updated or replaced)."""
    granted = dict(DEV_CONFIG)
    granted["b2c-apigw:clients"] = [{"name": "reporting", "grants": ["app.read", "app.write"]}]
    revoked = dict(DEV_CONFIG)
    revoked["b2c-apigw:clients"] = [{"name": "reporting", "grants": ["app.write"]}]
    before, after = _by_urn(run_program(granted)), _by_urn(run_program(revoked))

    assert set(before) - set(after) == {(ASSIGNMENT, "client-reporting-grant-app.read")}
    assert set(after) - set(before) == set()
    changed = {key for key in after if after[key].inputs != before[key].inputs}
    assert changed == {(APP, "client-reporting-app")}
    write_role = naming.app_role_id("app.write")
    assert after[(APP, "client-reporting-app")].inputs["requiredResourceAccesses"][0]["resourceAccesses"] == [
        {"id": write_role, "type": "Role"}
    ]
    # The edit is to requiredResourceAccesses alone: no replacement-triggering input moves.
    b, a = before[(APP, "client-reporting-app")].inputs, after[(APP, "client-reporting-app")].inputs
    assert {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)} == {"requiredResourceAccesses"}


def test_revoking_the_last_grant_leaves_the_client_with_no_access() -> None:
    cfg = dict(DEV_CONFIG)
    cfg["b2c-apigw:clients"] = [{"name": "reporting", "grants": []}]
    run = run_program(cfg)
    assert run.mocks.of_type(ASSIGNMENT) == []
    assert run.mocks.one(APP, "client-reporting-app").inputs.get("requiredResourceAccesses", []) == []
    assert run.exports["clients"].value["reporting"]["grants"] == []


def test_adding_a_route_adds_exactly_one_resource() -> None:
    cfg = json.loads(json.dumps(DEV_CONFIG))
    cfg["b2c-apigw:api"]["routes"].append({"route": "GET /posts/{id}", "scopes": ["app.read", "app.write"]})
    before, after = _by_urn(run_program(DEV_CONFIG)), _by_urn(run_program(cfg))
    assert set(after) - set(before) == {(ROUTE, "http-route-GET /posts/{id}")}
    assert all(after[k].inputs == before[k].inputs for k in before)


def test_renaming_the_api_leaves_every_client_secret_in_place() -> None:
    """Every argument of an ApplicationPassword forces a new password, and its label carries the API
    name: a rename must not rotate the secrets that callers hold (the engine keeps ignored inputs)."""
    renamed = json.loads(json.dumps(DEV_CONFIG))
    renamed["b2c-apigw:api"]["name"] = "sales"
    before, after = _by_urn(run_program(DEV_CONFIG)), _by_urn(run_program(renamed))
    key = (PASSWORD, "client-reporting-secret")
    b, a = before[key], after[key]
    moved = {k for k in a.inputs.keys() | b.inputs.keys() if a.inputs.get(k) != b.inputs.get(k)}
    assert moved == {"displayName"}  # the label would change...
    assert a.ignore_changes == ["displayName"]  # ...and the engine keeps the old one: no replacement
    assert all(r.ignore_changes == [] for k, r in after.items() if k != key)
    # The applications themselves are renamed (updates in place); the visible names follow the API.
    assert after[(APP, "client-reporting-app")].inputs["displayName"] == "sales-dev client reporting"


def test_changing_secret_days_rotates_the_secret() -> None:
    # README: "Changing secretDays also rotates it" - the lifetime must not be among the ignored inputs.
    longer = json.loads(json.dumps(DEV_CONFIG))
    longer["b2c-apigw:clients"][0]["secretDays"] = 365
    key = (PASSWORD, "client-reporting-secret")
    b, a = _by_urn(run_program(DEV_CONFIG))[key], _by_urn(run_program(longer))[key]
    assert (b.inputs["endDateRelative"], a.inputs["endDateRelative"]) == ("4320h", "8760h")
    assert "endDateRelative" not in a.ignore_changes


def test_reordering_scopes_and_grants_changes_no_output() -> None:
    # A preview would otherwise show the routes/clients outputs changing for an edit that changes nothing.
    forward, backward = json.loads(json.dumps(DEV_CONFIG)), json.loads(json.dumps(DEV_CONFIG))
    forward["b2c-apigw:api"]["routes"][0]["scopes"] = ["app.read", "app.write"]
    backward["b2c-apigw:api"]["routes"][0]["scopes"] = ["app.write", "app.read"]
    forward["b2c-apigw:clients"][0]["grants"] = ["app.read", "app.write"]
    backward["b2c-apigw:clients"][0]["grants"] = ["app.write", "app.read"]
    a, b = run_program(forward).exports, run_program(backward).exports
    assert a["routes"].value == b["routes"].value
    assert a["clients"].value == b["clients"].value
    assert b["routes"].value["GET /posts"] == ["app.read", "app.write"]


def _visible_names(run: ProgramRun) -> set[str]:
    names: set[str] = set()
    for r in run.registered:
        for key in ("displayName", "name"):
            if isinstance(r.inputs.get(key), str) and r.custom and r.inputs[key] not in ("$default", "b2c-jwt"):
                names.add(r.inputs[key])
        names.update(r.inputs.get("identifierUris", []))
    return names


def test_two_stacks_of_one_config_share_no_tenant_or_account_visible_name() -> None:
    dev, prod = run_program(DEV_CONFIG, stack="dev"), run_program(DEV_CONFIG, stack="prod")
    dev_names, prod_names = _visible_names(dev), _visible_names(prod)
    # App display names, the App ID URI, the secret's display name, the HTTP API and its log group.
    assert len(dev_names) == 6, dev_names
    assert not dev_names & prod_names
    assert all("dev" in n for n in dev_names) and all("prod" in n for n in prod_names)
    # Logical names stay the same across stacks: the stack lives in the URN, not in the name.
    assert {(r.type, r.name) for r in dev.registered} == {(r.type, r.name) for r in prod.registered}


def test_tenant_issuer_format_builds_the_default_iss_and_warns() -> None:
    cfg = json.loads(json.dumps(DEV_CONFIG))
    cfg["b2c-apigw:tenant"]["issuerFormat"] = "tenant"
    run = run_program(cfg)
    issuer = f"https://contosob2c.b2clogin.com/{TENANT_ID}/v2.0/"
    assert run.mocks.one(AUTHORIZER, "http-jwt").inputs["jwtConfiguration"]["issuer"] == issuer
    assert run.exports["discoveryUrl"].value == issuer + ".well-known/openid-configuration"
    assert any("issuerFormat is 'tenant'" in w and "401" in w for w in run.warnings), run.warnings


def test_the_tenant_format_warning_names_the_missing_discovery_url_and_the_fix() -> None:
    cfg = json.loads(json.dumps(DEV_CONFIG))
    cfg["b2c-apigw:tenant"]["issuerFormat"] = "tenant"
    (warning,) = [w for w in run_program(cfg).warnings if "issuerFormat" in w]
    discovery = f"https://contosob2c.b2clogin.com/{TENANT_ID}/v2.0/.well-known/openid-configuration"
    assert f"API Gateway looks for keys at {discovery}, which B2C does not serve" in warning
    assert "Prefer 'tfp'" in warning


def test_config_notices_reach_the_user_as_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    # The program's only chance to say so before AWS fails partway through pulumi up.
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    cfg = json.loads(json.dumps(DEV_CONFIG))
    del cfg["aws:region"]
    assert any(w.startswith("aws:region is not set") for w in run_program(cfg).warnings)


def test_an_app_id_uri_override_reaches_entra_and_the_scope() -> None:
    cfg = json.loads(json.dumps(DEV_CONFIG))
    cfg["b2c-apigw:api"]["appIdUri"] = f"api://{TENANT_ID}/orders-trial"
    run = run_program(cfg)
    assert run.mocks.one(APP, "api-app").inputs["identifierUris"] == [f"api://{TENANT_ID}/orders-trial"]
    assert run.exports["scope"].value == f"api://{TENANT_ID}/orders-trial/.default"


def test_tfp_issuer_format_does_not_warn(dev: ProgramRun) -> None:
    assert not any("issuerFormat" in w for w in dev.warnings)


def _bad(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    cfg = copy.deepcopy(DEV_CONFIG)
    target: Any = cfg
    for part in path[:-1]:
        target = target[part]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return cfg


# Every bad-input case of the config tests, plus whole sections missing, run through __main__.py.
BAD_CONFIGS = {
    "no config at all": {},
    "missing api section": _bad(("b2c-apigw:api",), None),
    "missing tenant section": _bad(("b2c-apigw:tenant",), None),
    **{f"{key}={value!r}"[:70]: _bad(path, value) for path, value, key, _ in BAD_VALUES},
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_fails_with_one_message_and_registers_nothing(case: str) -> None:
    mocks, _ = install_mocks(config=BAD_CONFIGS[case])
    raised: list[pulumi.RunError] = []

    def program() -> None:
        with mock.patch.object(pulumi, "export"), pytest.raises(pulumi.RunError) as info:
            runpy.run_path(str(MAIN), run_name="__pulumi_program__")
        raised.append(info.value)

    settle(program)
    (error,) = raised
    assert str(error).startswith("the stack config is invalid; nothing was created.")
    # Nothing at all reached the engine: not a component, not a resource.
    assert mocks.registered == []
