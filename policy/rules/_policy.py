"""Builders that turn the pack's checks into pulumi-policy ``Policy`` objects with one unknown-value rule.

A *check* is a function returning violation messages (an iterable); it raises ``Unknown`` when a value it
needs is not known yet. Each policy runs all its checks, so one unknown property defers only the checks
that need it, reports what it found, and leaves the SDK one advisory note about the rest (``_support``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ._support import Props, Unknowns, is_unknown

# A violation message, or a message and the URN of the (other) resource it is about (stack policies).
Violations = Iterable[str | tuple[str, str]]
Check = Callable[[], Violations]
ResourceChecks = Callable[[Props, Mapping[str, Any]], Sequence[Check]]
StackChecks = Callable[[Sequence[PolicyResource], Mapping[str, Any]], Iterable[tuple[PolicyResource, Check]]]

KINDS = {
    "aws:apigatewayv2/route:Route": "route",
    "aws:apigatewayv2/authorizer:Authorizer": "authorizer",
    "aws:apigatewayv2/stage:Stage": "stage",
    "aws:cloudwatch/logGroup:LogGroup": "log group",
    "azuread:index/application:Application": "application",
    "azuread:index/servicePrincipal:ServicePrincipal": "service principal",
    "azuread:index/appRoleAssignment:AppRoleAssignment": "app role assignment",
    "azuread:index/applicationPassword:ApplicationPassword": "application password",
    "azuread:index/servicePrincipalPassword:ServicePrincipalPassword": "service principal password",
}


def props_of(resource_type: str, name: str, props: Mapping[str, Any]) -> Props:
    """``route 'http-route-GET /posts' (GET /posts)``: the kind, the logical name, and a route's key."""
    kind = KINDS.get(resource_type, resource_type)
    text = f"{kind} '{name}'"
    try:
        key = props.get("routeKey") if resource_type == "aws:apigatewayv2/route:Route" else None
    except UnknownValueError:
        key = None
    if isinstance(key, str) and not is_unknown(key) and key not in name:
        text += f" ({key})"
    return Props(text, props, resource_type)


def resource_policy(
    name: str,
    description: str,
    resource_types: Sequence[str],
    checks: ResourceChecks,
    config_schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in resource_types:
            return
        props = props_of(args.resource_type, args.name, args.props)
        unknowns = Unknowns()
        for check in checks(props, args.get_config()):
            unknowns.run(check, lambda message, _urn: report_violation(message, None))
        unknowns.raise_if_any()

    return ResourceValidationPolicy(name=name, description=description, validate=validate, config_schema=config_schema)


def stack_policy(
    name: str,
    description: str,
    checks: StackChecks,
    config_schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        unknowns = Unknowns()
        for resource, check in checks(args.resources, args.get_config()):
            unknowns.run(check, _reporter(report_violation, resource.urn))
        unknowns.raise_if_any()

    return StackValidationPolicy(name=name, description=description, validate=validate, config_schema=config_schema)


def view(resource: PolicyResource) -> Props:
    return props_of(resource.resource_type, resource.name, resource.props)


def _reporter(report_violation: ReportViolation, urn: str) -> Callable[[str, str | None], None]:
    return lambda message, other: report_violation(message, other or urn)
