"""The program passes its own pack: every example stack runs under the mocks, every registration goes
through every policy the way `pulumi preview --policy-pack policy` would send it (tests/support/
policy_harness.py), and nothing is violated; then one input changes at a time and exactly the matching
violation appears."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy import StackValidationArgs, StackValidationPolicy

from tests.support.mocks import SECRET_MARKER
from tests.support.policy_harness import (
    EXAMPLES,
    PACK_DIR,
    UNKNOWN,
    Capture,
    Findings,
    Resource,
    analyze,
    run_program,
)

ROUTE = "aws:apigatewayv2/route:Route"
STAGE = "aws:apigatewayv2/stage:Stage"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
APP = "azuread:index/application:Application"


def example_config(path: Path) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(path.read_text())["config"]
    return config


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.name)
def update(request: pytest.FixtureRequest) -> Capture:
    """The example stack as `pulumi up` registers it: every value known."""
    return run_program(example_config(request.param))


@pytest.fixture(scope="module")
def minimal() -> Capture:
    return run_program(example_config(PACK_DIR.parent / "examples" / "b2c-minimal.yaml"))


@pytest.fixture(scope="module")
def first_preview() -> Capture:
    """The example stack at its first preview: nothing exists, so every id, client id and ARN is unknown."""
    return run_program(example_config(PACK_DIR.parent / "examples" / "b2c-minimal.yaml"), preview=True)


def test_there_is_an_example_stack_to_check() -> None:
    assert PACK_DIR.parent / "examples" / "b2c-minimal.yaml" in EXAMPLES


def test_every_example_stack_passes_every_policy(update: Capture) -> None:
    assert len(update.resources) > 10
    findings = analyze(update.resources)
    assert findings.items == []


def test_the_first_preview_is_advisory_where_values_are_unknown_and_never_violated(first_preview: Capture) -> None:
    findings = analyze(first_preview.resources)
    assert findings.violations == []
    assert {f.level for f in findings.advisories} == {"advisory"}
    # What a first preview cannot know yet, each named with its resource: authorizer ids, the API's client id
    # (the authorizer's audience), the log group's ARN, and the role ids the grants carry.
    by_policy: dict[str, str] = {}
    for f in findings.advisories:
        by_policy[f.policy] = by_policy.get(f.policy, "") + f.message
    assert "route 'http-route-GET /posts': authorizerId" in by_policy["apigw-route-authorization"]
    assert "authorizer 'http-jwt': jwtConfiguration.audiences" in by_policy["apigw-jwt-authorizer"]
    assert "stage 'http-stage': accessLogSettings.destinationArn" in by_policy["apigw-stage-logs-and-throttling"]
    assert "application 'client-reporting-app': requiredResourceAccesses" in by_policy["azuread-grants-are-api-roles"]
    for f in findings.advisories:
        assert f.message.startswith(f"can't run policy '{f.policy}'") and "during `pulumi up`" in f.message
    # What is known at preview is still checked: the secret's lifetime, the public route's declaration,
    # which authorizer each route uses (its dependency), the access-log group's retention.
    deferred = set(by_policy)
    assert not deferred & {
        "azuread-password-lifetime",
        "apigw-public-routes-declared",
        "apigw-route-uses-stack-authorizer",
        "apigw-access-log-retention",
        "azuread-api-app-roles",
        "apigw-no-open-catch-all",
    }


# --- One input at a time ------------------------------------------------------------------------------


def change(capture: Capture, type_token: str, name: str, edit: Callable[[Resource], None]) -> Capture:
    changed = capture.copy()
    edit(changed.one(type_token, name))
    return changed


def set_prop(key: str, value: Any) -> Callable[[Resource], None]:
    """One input changed; the resource's outputs follow it, as they do after `pulumi up`."""

    def edit(r: Resource) -> None:
        for props in (r.inputs, r.outputs):
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value
        if value is None:
            r.property_dependencies.pop(key, None)

    return edit


def only(findings: Findings) -> tuple[str, str, str]:
    (finding,) = findings.items
    return finding.policy, finding.urn.rsplit("::", 1)[-1], finding.message


def test_a_public_route_without_the_declaration_is_one_violation(minimal: Capture) -> None:
    def undeclare(r: Resource) -> None:
        r.outputs["publicRoutes"] = []

    findings = analyze(change(minimal, "b2capigw:aws:JwtHttpApi", "http", undeclare).resources)
    policy, name, message = only(findings)
    assert (policy, name) == ("apigw-public-routes-declared", "http-route-GET /health")
    assert message.startswith("route 'http-route-GET /health': has no authorizer and is not declared public. Fix: ")


def test_the_pack_config_can_allow_that_route_instead(minimal: Capture) -> None:
    def undeclare(r: Resource) -> None:
        r.outputs["publicRoutes"] = []

    config = {"apigw-public-routes-declared": {"allowedPublicRoutes": ["GET /health"]}}
    assert analyze(change(minimal, "b2capigw:aws:JwtHttpApi", "http", undeclare).resources, config=config).items == []


def test_a_scopeless_jwt_route_is_one_violation(minimal: Capture) -> None:
    findings = analyze(change(minimal, ROUTE, "http-route-GET /posts", set_prop("authorizationScopes", None)).resources)
    assert only(findings) == (
        "apigw-route-authorization",
        "http-route-GET /posts",
        "route 'http-route-GET /posts': is a JWT route that demands no scope, so every token the authorizer "
        "accepts reaches it. Fix: set authorizationScopes to 1-10 app roles of the API (any one suffices).",
    )


def test_a_password_of_800_days_is_one_violation_that_shows_no_secret(minimal: Capture) -> None:
    changed = change(minimal, PASSWORD, "client-reporting-secret", set_prop("endDateRelative", "19200h"))
    assert changed.one(PASSWORD, "client-reporting-secret").outputs["value"]["value"].startswith(SECRET_MARKER)
    findings = analyze(changed.resources)
    policy, name, message = only(findings)
    assert (policy, name) == ("azuread-password-lifetime", "client-reporting-secret")
    assert "lives 800 days (endDateRelative 19200h), more than maxSecretDays 730" in message
    assert SECRET_MARKER not in json.dumps([f.message for f in findings.items])


def test_a_stage_without_logs_is_one_violation(minimal: Capture) -> None:
    findings = analyze(change(minimal, STAGE, "http-stage", set_prop("accessLogSettings", None)).resources)
    policy, name, message = only(findings)
    assert (policy, name) == ("apigw-stage-logs-and-throttling", "http-stage")
    assert message.startswith("stage 'http-stage': writes no access logs")


def test_an_open_catch_all_is_one_violation_even_when_declared_public(minimal: Capture) -> None:
    def catch_all(r: Resource) -> None:
        set_prop("routeKey", "ANY /{proxy+}")(r)

    def declare(r: Resource) -> None:
        r.outputs["publicRoutes"] = ["ANY /{proxy+}"]

    changed = change(minimal, ROUTE, "http-route-GET /health", catch_all)
    declare(changed.one("b2capigw:aws:JwtHttpApi", "http"))
    policy, name, message = only(analyze(changed.resources))
    assert (policy, name) == ("apigw-no-open-catch-all", "http-route-GET /health")
    assert "is the catch-all route ANY /{proxy+} without an authorizer" in message


def test_a_route_scope_that_is_no_app_role_is_one_violation(minimal: Capture) -> None:
    changed = change(minimal, ROUTE, "http-route-POST /posts", set_prop("authorizationScopes", ["app.admin"]))
    policy, name, message = only(analyze(changed.resources))
    assert (policy, name) == ("apigw-route-scopes-are-api-roles", "http-route-POST /posts")
    assert "demands scopes ['app.admin'] that are not app roles of application 'api-app'" in message


def test_an_app_role_open_to_users_is_one_violation(minimal: Capture) -> None:
    def open_to_users(r: Resource) -> None:
        for props in (r.inputs, r.outputs):
            props["appRoles"][0]["allowedMemberTypes"] = ["User", "Application"]

    policy, name, _ = only(analyze(change(minimal, APP, "api-app", open_to_users).resources))
    assert (policy, name) == ("azuread-api-app-roles", "api-app")


# --- The pack's config reaches the policies ---------------------------------------------------------


def test_max_secret_days_from_the_pack_config_applies(minimal: Capture) -> None:
    # The example's client secret lives 180 days: a team limit of 90 refuses it.
    findings = analyze(minimal.resources, config={"azuread-password-lifetime": {"maxSecretDays": 90}})
    policy, name, message = only(findings)
    assert (policy, name) == ("azuread-password-lifetime", "client-reporting-secret")
    assert "lives 180 days (endDateRelative 4320h), more than maxSecretDays 90" in message


@pytest.mark.parametrize(
    ("config", "levels"),
    [
        ({}, ["mandatory"]),
        ({"apigw-route-authorization": "advisory"}, ["advisory"]),
        ({"apigw-route-authorization": {"enforcementLevel": "disabled"}}, []),
        ({"all": "advisory"}, ["advisory"]),
    ],
)
def test_each_policy_has_its_own_enforcement_level(minimal: Capture, config: dict[str, Any], levels: list[str]) -> None:
    changed = change(minimal, ROUTE, "http-route-GET /posts", set_prop("authorizationScopes", None))
    assert [f.level for f in analyze(changed.resources, config=config).items] == levels


# --- The harness hands policies what the engine would -------------------------------------------------


def test_inputs_arrive_under_their_wire_names(minimal: Capture) -> None:
    route = minimal.one(ROUTE, "http-route-GET /posts").inputs
    assert route["authorizationType"] == "JWT" and route["authorizationScopes"] == ["app.read"]
    stage = minimal.one(STAGE, "http-stage").inputs
    assert set(stage["accessLogSettings"]) == {"destinationArn", "format"}
    assert set(stage["defaultRouteSettings"]) == {"throttlingBurstLimit", "throttlingRateLimit"}


def test_secrets_arrive_as_secrets_and_reach_a_policy_in_plain_text(minimal: Capture) -> None:
    password = minimal.one(PASSWORD, "client-reporting-secret")
    assert password.outputs["value"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    client = minimal.one("b2capigw:azure:ClientApp", "client-reporting")
    assert client.outputs["client_secret"]["value"].startswith(SECRET_MARKER)

    # The SDK unwraps them (deserialize_properties without proxy_secrets): why no message may quote a value.
    seen: list[str] = []

    def probe(args: StackValidationArgs, _report: Any) -> None:
        seen.extend(str(r.props["value"]) for r in args.resources if r.resource_type == PASSWORD)

    assert analyze([password], policies=[StackValidationPolicy("probe", "reads a secret", probe)]).items == []
    assert len(seen) == 1 and seen[0].startswith(SECRET_MARKER)


def test_a_first_preview_sends_unknowns_and_keeps_the_dependencies(first_preview: Capture) -> None:
    route = first_preview.one(ROUTE, "http-route-GET /posts")
    assert route.inputs["authorizerId"] == UNKNOWN
    authorizer = first_preview.one("aws:apigatewayv2/authorizer:Authorizer", "http-jwt")
    assert route.property_dependencies["authorizerId"] == [authorizer.urn]
    assert first_preview.one(APP, "api-app").outputs["clientId"] == UNKNOWN
    stage = first_preview.one(STAGE, "http-stage")
    group = first_preview.one("aws:cloudwatch/logGroup:LogGroup", "http-access-logs")
    assert stage.property_dependencies["accessLogSettings"] == [group.urn]
    assert route.parent == first_preview.one("b2capigw:aws:JwtHttpApi", "http").urn


def test_the_component_declares_exactly_the_configured_public_routes(minimal: Capture) -> None:
    assert minimal.one("b2capigw:aws:JwtHttpApi", "http").outputs["publicRoutes"] == ["GET /health"]
