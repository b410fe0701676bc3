"""The API Gateway HTTP API with a JWT authorizer in front of one upstream."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .config import Route, Throttle

# AWS "Control access to HTTP APIs with JWT authorizers": the token is read from this identity
# source, bare or prefixed with "Bearer ".
IDENTITY_SOURCE = "$request.header.Authorization"
# AWS "Working with AWS Lambda authorizers for HTTP APIs": "By default, API Gateway uses the cached
# authorizer response for all routes of an API that use the authorizer. To cache responses per
# route, add $context.routeKey to your authorizer's identity sources." Without it a cached allow
# for one route would open every route.
LAMBDA_IDENTITY_SOURCES = (IDENTITY_SOURCE, "$context.routeKey")

# One JSON object per request. $context.authorizer.error says why a call got 401; the claims say who
# called and with which scopes (B2C puts the granted roles in scp, docs/facts.md).
ACCESS_LOG_FORMAT = json.dumps(
    {
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
    },
    separators=(",", ":"),
)
# On the roles platforms there are no claims in $context.authorizer: the function's simple response
# puts the client and the role that opened the route in its context (authorizer/handler.py).
LAMBDA_ACCESS_LOG_FORMAT = json.dumps(
    {
        **{k: v for k, v in json.loads(ACCESS_LOG_FORMAT).items() if not v.startswith("$context.authorizer.")},
        "authorizerError": "$context.authorizer.error",
        "clientId": "$context.authorizer.client",
        "role": "$context.authorizer.role",
    },
    separators=(",", ":"),
)


@dataclass(frozen=True)
class LambdaAuthorizerArgs:
    """The roles platforms' authorizer: a Lambda REQUEST authorizer instead of the JWT one."""

    function_name: pulumi.Input[str]
    invoke_arn: pulumi.Input[str]
    cache_seconds: int
    """``authorizer_result_ttl_in_seconds``: 0 invokes the function on every request."""


@dataclass(frozen=True)
class JwtHttpApiArgs:
    api_name: str
    """The HTTP API's name in the account (carries the stack)."""
    issuer: pulumi.Input[str]
    """Must equal the tokens' ``iss`` byte for byte; its discovery document supplies the keys."""
    audience: pulumi.Input[str]
    """The API app's client id: the tokens' ``aud``."""
    upstream: str
    """``https://host[:port]``; every route's path is forwarded to it."""
    routes: Sequence[Route]
    """One ``Route`` each: JWT with the route's scopes (any one suffices), or NONE when public."""
    throttle: Throttle
    """Default route throttling of the ``$default`` stage."""
    log_group_name: str
    """CloudWatch log group of the JSON access logs (carries the stack)."""
    log_retention_days: int
    """A CloudWatch retention value (validated by the config)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for the API, the log group and the stage."""
    lambda_authorizer: LambdaAuthorizerArgs | None = None
    """Set on the roles platforms: protected routes use it (CUSTOM) instead of the JWT authorizer,
    whose issuer and audience are then unused."""


class JwtHttpApi(pulumi.ComponentResource):
    """Creates an ``apigatewayv2.Api`` (HTTP), one JWT ``Authorizer``, one ``HTTP_PROXY`` ``Integration``
    shared by all routes, one ``Route`` per config route (JWT with its scopes, or NONE when public),
    a CloudWatch ``LogGroup`` and the ``$default`` ``Stage`` (auto-deploy, JSON access logs, throttling).

    With ``lambda_authorizer`` (External ID, Entra ID) the authorizer is a Lambda REQUEST authorizer
    (payload 2.0, simple responses, identity sources ``Authorization`` and ``$context.routeKey``,
    result TTL from config) with the ``lambda_.Permission`` that lets this API's authorizer invoke
    the function, and protected routes are CUSTOM.

    Routes are keyed by their route key, so adding or removing one never touches the others.
    """

    api_id: pulumi.Output[str]
    """The HTTP API's id."""
    api_endpoint: pulumi.Output[str]
    """``https://<id>.execute-api.<region>.amazonaws.com``: the ``$default`` stage serves at its root."""
    authorizer_id: pulumi.Output[str]
    """The JWT authorizer every protected route uses."""
    routes: dict[str, list[str]]
    """Route key -> scopes it demands (empty for public routes)."""
    public_routes: list[str]
    """Route keys the config marks public: the declaration the policy pack reads (docs/policy.md)."""

    def __init__(self, name: str, args: JwtHttpApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("b2capigw:aws:JwtHttpApi", name, None, opts)
        # parent=self, not merged opts: see the package docstring.
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)

        api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=args.api_name,
            protocol_type="HTTP",
            description=(
                "HTTP API protected by Azure AD B2C tokens (b2c-apigw)"
                if args.lambda_authorizer is None
                else "HTTP API protected by Microsoft Entra app-role tokens (b2c-apigw)"
            ),
            tags=tags,
            opts=child,
        )
        lam = args.lambda_authorizer
        if lam is None:
            authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-jwt",
                api_id=api.id,
                name="b2c-jwt",
                authorizer_type="JWT",
                identity_sources=[IDENTITY_SOURCE],
                jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
                    issuer=args.issuer,
                    audiences=[args.audience],
                ),
                opts=child,
            )
        else:
            # Payload 2.0 with simple responses: {"isAuthorized": bool} (docs/platforms.md).
            authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-lambda",
                api_id=api.id,
                name="roles-lambda",
                authorizer_type="REQUEST",
                authorizer_uri=lam.invoke_arn,
                authorizer_payload_format_version="2.0",
                enable_simple_responses=True,
                identity_sources=list(LAMBDA_IDENTITY_SOURCES),
                authorizer_result_ttl_in_seconds=lam.cache_seconds,
                opts=child,
            )
            # Scoped to this API's authorizer: "arn:aws:execute-api:<region>:<account>:<api-id>/
            # authorizers/<authorizer-id>" (the AWS page's add-permission example); without it
            # every protected call gets 500.
            aws.lambda_.Permission(
                f"{name}-invoke",
                action="lambda:InvokeFunction",
                function=lam.function_name,
                principal="apigateway.amazonaws.com",
                source_arn=pulumi.Output.concat(api.execution_arn, "/authorizers/", authorizer.id),
                opts=child,
            )
        # One integration serves every route: overwrite:path forwards the request's own path
        # (docs/facts.md, "HTTP proxy integrations"). HTTP proxy integrations support payload format 1.0 only.
        integration = aws.apigatewayv2.Integration(
            f"{name}-upstream",
            api_id=api.id,
            integration_type="HTTP_PROXY",
            integration_method="ANY",
            integration_uri=args.upstream,
            payload_format_version="1.0",
            request_parameters={"overwrite:path": "$request.path"},
            opts=child,
        )
        target = integration.id.apply(lambda integration_id: f"integrations/{integration_id}")
        for route in args.routes:
            if route.public:
                aws.apigatewayv2.Route(
                    f"{name}-route-{route.key}",
                    api_id=api.id,
                    route_key=route.key,
                    target=target,
                    authorization_type="NONE",
                    opts=child,
                )
            elif lam is None:
                aws.apigatewayv2.Route(
                    f"{name}-route-{route.key}",
                    api_id=api.id,
                    route_key=route.key,
                    target=target,
                    authorization_type="JWT",
                    authorizer_id=authorizer.id,
                    authorization_scopes=list(route.scopes),
                    opts=child,
                )
            else:
                # The route's roles live in the function's route map: authorization scopes are for
                # JWT authorizers only.
                aws.apigatewayv2.Route(
                    f"{name}-route-{route.key}",
                    api_id=api.id,
                    route_key=route.key,
                    target=target,
                    authorization_type="CUSTOM",
                    authorizer_id=authorizer.id,
                    opts=child,
                )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            tags=tags,
            opts=child,
        )
        aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=log_group.arn,
                format=ACCESS_LOG_FORMAT if lam is None else LAMBDA_ACCESS_LOG_FORMAT,
            ),
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_burst_limit=args.throttle.burst,
                throttling_rate_limit=args.throttle.rate,
            ),
            tags=tags,
            opts=child,
        )

        self.api_id = api.id
        self.api_endpoint = api.api_endpoint
        self.authorizer_id = authorizer.id
        # Sorted: reordering scopes in config changes neither the routes (the provider keeps their
        # scopes as a set) nor this output.
        self.routes = {r.key: sorted(r.scopes) for r in args.routes}
        self.public_routes = sorted(r.key for r in args.routes if r.public)
        self.register_outputs(
            {
                "api_id": self.api_id,
                "api_endpoint": self.api_endpoint,
                "authorizer_id": self.authorizer_id,
                "routes": self.routes,
                # Routes carry no tags: stack policies find a route's public declaration in this output of
                # its parent component (policy pack, apigw-public-routes-declared), never in its name.
                "publicRoutes": self.public_routes,
            }
        )
