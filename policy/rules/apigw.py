"""Resource policies for API Gateway HTTP APIs: each route authorized, no open catch-all, sound JWT and
REQUEST authorizers, and stages that log and throttle. Each reads one resource's inputs.

Sources (docs/policy.md lists them): AWS "Quotas for configuring and running an HTTP API" (10 scopes
per route, 50 audiences per authorizer); "Control access to HTTP APIs with JWT authorizers" (the token
in ``$request.header.Authorization``); the API Gateway V2 API reference for ``Authorizer``
(``authorizerResultTtlInSeconds`` defaults to 300 when unset; 0 turns caching off); the Terraform AWS
provider's ``aws_apigatewayv2_route`` (``authorization_type`` defaults to ``NONE``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from ._policy import Check, resource_policy
from ._support import AUTHORIZER, ROUTE, STAGE, Props, number, violation

MAX_SCOPES_PER_ROUTE: Final = 10
MAX_AUDIENCES: Final = 50
JWT_IDENTITY_SOURCE: Final = "$request.header.Authorization"
ROUTE_KEY_SOURCE: Final = "$context.routeKey"
DEFAULT_RESULT_TTL: Final = 300
ACCEPTED_AUTHORIZATION: Final = ("JWT", "CUSTOM")
# A CloudWatch Logs log group ARN, the only access-log destination an HTTP API stage takes.
LOG_GROUP_ARN: Final = re.compile(r"^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^:]+(:\*)?\Z")


def authorization_type(p: Props) -> str:
    return str(p.get("authorizationType", default="NONE"))


def is_catch_all(route_key: str) -> bool:
    """``$default`` and any method on ``/{proxy+}``: they answer every request no other route matches."""
    if route_key == "$default":
        return True
    _, _, path = route_key.partition(" ")
    return path == "/{proxy+}"


def _route_checks(p: Props, _config: Mapping[str, Any]) -> Sequence[Check]:
    def accepted_type() -> Iterable[str]:
        kind = authorization_type(p)
        if kind != "NONE" and kind not in ACCEPTED_AUTHORIZATION:
            yield violation(
                p.label,
                f"uses authorization type {kind}, which this pack does not accept",
                "use JWT (the stack's JWT authorizer with 1-10 scopes) or CUSTOM (the stack's Lambda REQUEST "
                "authorizer), or declare the route public",
            )

    def jwt_scopes() -> Iterable[str]:
        if authorization_type(p) != "JWT":
            return
        scopes = p.strings("authorizationScopes")
        if not scopes:
            yield violation(
                p.label,
                "is a JWT route that demands no scope, so every token the authorizer accepts reaches it",
                f"set authorizationScopes to 1-{MAX_SCOPES_PER_ROUTE} app roles of the API (any one suffices)",
            )
        elif len(scopes) > MAX_SCOPES_PER_ROUTE:
            yield violation(
                p.label,
                f"demands {len(scopes)} scopes; API Gateway allows at most {MAX_SCOPES_PER_ROUTE} per route",
                f"keep at most {MAX_SCOPES_PER_ROUTE} scopes on the route",
            )

    def has_authorizer() -> Iterable[str]:
        kind = authorization_type(p)
        if kind in ACCEPTED_AUTHORIZATION and not p.get("authorizerId"):
            wanted = "JWT" if kind == "JWT" else "Lambda REQUEST"
            yield violation(
                p.label,
                f"is a {kind} route without an authorizerId",
                f"set authorizerId to the id of the stack's {wanted} authorizer",
            )

    return [accepted_type, jwt_scopes, has_authorizer]


def _catch_all_checks(p: Props, _config: Mapping[str, Any]) -> Sequence[Check]:
    def authorized() -> Iterable[str]:
        key = str(p.get("routeKey", default=""))
        if is_catch_all(key) and authorization_type(p) == "NONE":
            yield violation(
                p.label,
                f"is the catch-all route {key} without an authorizer: every request no other route matches "
                "reaches the upstream unauthenticated",
                "give it authorizationType JWT with scopes (or CUSTOM), or remove it; neither a public "
                "declaration nor allowedPublicRoutes exempts a catch-all",
            )

    return [authorized]


def _jwt_authorizer_checks(p: Props, _config: Mapping[str, Any]) -> Sequence[Check]:
    def jwt() -> bool:
        return bool(p.get("authorizerType") == "JWT")

    def issuer() -> Iterable[str]:
        if not jwt():
            return
        value = p.get("jwtConfiguration", "issuer", default="")
        parts = urlsplit(str(value))
        if parts.scheme != "https" or not parts.hostname:
            yield violation(
                p.label,
                f"trusts the issuer {value!r}, which is not an https URL",
                "set jwtConfiguration.issuer to the identity platform's https issuer, exactly as tokens carry "
                "it in iss",
            )

    def audiences() -> Iterable[str]:
        if not jwt():
            return
        count = len(p.strings("jwtConfiguration", "audiences"))
        if not 1 <= count <= MAX_AUDIENCES:
            yield violation(
                p.label,
                f"lists {count} audiences; a JWT authorizer needs 1-{MAX_AUDIENCES}",
                "set jwtConfiguration.audiences to the API app's client id (the tokens' aud)",
            )

    def identity_source() -> Iterable[str]:
        if not jwt():
            return
        sources = p.strings("identitySources")
        if sources != [JWT_IDENTITY_SOURCE]:
            yield violation(
                p.label,
                f"reads the token from {sources}, not from {JWT_IDENTITY_SOURCE} alone",
                f"set identitySources to [{JWT_IDENTITY_SOURCE!r}], where OAuth 2.0 clients send the bearer token",
            )

    return [issuer, audiences, identity_source]


def _request_authorizer_checks(p: Props, _config: Mapping[str, Any]) -> Sequence[Check]:
    def cache_keyed_by_route() -> Iterable[str]:
        if p.get("authorizerType") != "REQUEST":
            return
        ttl = number(p.get("authorizerResultTtlInSeconds", default=DEFAULT_RESULT_TTL))
        if ttl is None or ttl <= 0:
            return
        sources = p.strings("identitySources")
        if ROUTE_KEY_SOURCE not in sources:
            yield violation(
                p.label,
                f"caches its results for {ttl:g} s keyed by {sources} only, so one cached allow for a caller "
                "opens every route to it until the entry expires",
                f"add {ROUTE_KEY_SOURCE!r} to identitySources, or set authorizerResultTtlInSeconds to 0",
            )

    return [cache_keyed_by_route]


def _stage_checks(p: Props, _config: Mapping[str, Any]) -> Sequence[Check]:
    def access_logs() -> Iterable[str]:
        destination = p.get("accessLogSettings", "destinationArn")
        if not destination:
            yield violation(
                p.label,
                "writes no access logs, so nobody can see who called or why a call got 401",
                "set accessLogSettings.destinationArn to a CloudWatch log group (with retention) and a format",
            )
            return
        if not LOG_GROUP_ARN.match(str(destination)):
            yield violation(
                p.label,
                f"sends access logs to {destination!r}, which is not a CloudWatch Logs log group ARN",
                "set accessLogSettings.destinationArn to the ARN of a log group this stack creates",
            )
        if not p.get("accessLogSettings", "format"):
            yield violation(
                p.label,
                "has an access-log destination but no log format, so API Gateway writes nothing",
                "set accessLogSettings.format (JSON with $context variables)",
            )

    def throttling() -> Iterable[str]:
        burst = number(p.get("defaultRouteSettings", "throttlingBurstLimit"))
        rate = number(p.get("defaultRouteSettings", "throttlingRateLimit"))
        missing = [
            key
            for key, value in (("throttlingBurstLimit", burst), ("throttlingRateLimit", rate))
            if value is None or value <= 0
        ]
        if missing:
            yield violation(
                p.label,
                f"sets no default route throttling ({', '.join(missing)} missing or not positive), so one "
                "caller can spend the account's whole request quota",
                "set defaultRouteSettings.throttlingBurstLimit and throttlingRateLimit",
            )

    return [access_logs, throttling]


ROUTE_AUTHORIZATION = resource_policy(
    "apigw-route-authorization",
    "Every API Gateway route is JWT with 1-10 scopes or CUSTOM with an authorizer, unless it is public.",
    [ROUTE],
    _route_checks,
)
NO_OPEN_CATCH_ALL = resource_policy(
    "apigw-no-open-catch-all",
    "No $default or /{proxy+} route without an authorizer.",
    [ROUTE],
    _catch_all_checks,
)
JWT_AUTHORIZER = resource_policy(
    "apigw-jwt-authorizer",
    "JWT authorizers trust an https issuer, 1-50 audiences, and read the token from the Authorization header.",
    [AUTHORIZER],
    _jwt_authorizer_checks,
)
REQUEST_AUTHORIZER_CACHE = resource_policy(
    "apigw-request-authorizer-cache",
    "A caching REQUEST (Lambda) authorizer keys its cache by the route key.",
    [AUTHORIZER],
    _request_authorizer_checks,
)
STAGE_LOGS_AND_THROTTLING = resource_policy(
    "apigw-stage-logs-and-throttling",
    "Every API Gateway stage writes access logs to a CloudWatch log group and sets default throttling.",
    [STAGE],
    _stage_checks,
)
