"""b2c-apigw: an HTTP API on Amazon API Gateway that accepts Microsoft client-credentials tokens
(Azure AD B2C; Entra External ID and Entra ID through a Lambda authorizer that reads ``roles``).

Thin on purpose: read and validate the config, build the components, wire them, export. Every name,
URL and warning comes from the validated settings (components/config/), so what the validator
checked is what deploys.
"""

import os

import pulumi

from components import naming
from components.api_app import ApiApp, ApiAppArgs
from components.authorizer_function import AuthorizerFunction, AuthorizerFunctionArgs
from components.client_app import ClientApp, ClientAppArgs
from components.config import ConfigError, read_pulumi_settings
from components.http_api import JwtHttpApi, JwtHttpApiArgs, LambdaAuthorizerArgs
from components.lambda_package import PROJECT_ROOT, PackageBuildError, build_authorizer_package

try:
    # Validates every key before a single resource is registered: a bad config creates nothing.
    settings = read_pulumi_settings(pulumi.get_stack())
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None
tenant, api = settings.tenant, settings.api
for notice in settings.notices:
    pulumi.log.warn(notice)

# Azure: the API app, then one client app per configured client with its grants and secrets.
api_app = ApiApp(
    "api",
    ApiAppArgs(
        display_name=api.display_name,
        identifier_uri=api.identifier_uri,
        permissions=api.permissions,
        sign_in_audience=tenant.sign_in_audience,
    ),
)
clients = {
    client.name: ClientApp(
        f"client-{client.name}",
        ClientAppArgs(
            display_name=client.display_name,
            api_client_id=api_app.client_id,
            api_service_principal_object_id=api_app.service_principal_object_id,
            role_ids=api_app.role_ids,
            grants=client.grants,
            secrets=client.secrets,
            sign_in_audience=tenant.sign_in_audience,
        ),
    )
    for client in settings.clients
}

# AWS, roles platforms only: the authorizer function. Its package is built here, from plain values, so
# that preview shows it (never inside .apply); its audience is the API app's client id, an Output.
lambda_authorizer = None
if tenant.uses_roles:
    route_roles = {r.key: list(r.scopes) for r in api.routes if not r.public}
    try:
        package = build_authorizer_package(route_roles)
    except PackageBuildError as error:
        raise pulumi.RunError(f"building the authorizer's package failed: {error}") from None
    function = AuthorizerFunction(
        "authorizer",
        AuthorizerFunctionArgs(
            function_name=naming.authorizer_function_name(api.name, settings.stack),
            archive_path=os.path.relpath(package.tree, PROJECT_ROOT),
            runtime=package.target.runtime,
            architecture=package.target.architecture,
            handler=package.handler,
            issuer=tenant.issuer,
            audience=api_app.client_id,
            log_retention_days=api.log_retention_days,
            tags=settings.tags,
        ),
    )
    assert api.authorizer_cache_seconds is not None  # set on every roles platform by the validator
    lambda_authorizer = LambdaAuthorizerArgs(
        function_name=function.function_name,
        invoke_arn=function.invoke_arn,
        cache_seconds=api.authorizer_cache_seconds,
    )

# AWS: the HTTP API, trusting exactly the tokens the tenant issues for the API app.
http_api = JwtHttpApi(
    "http",
    JwtHttpApiArgs(
        api_name=api.http_api_name,
        issuer=tenant.issuer,
        audience=api_app.client_id,
        upstream=api.upstream,
        routes=api.routes,
        throttle=api.throttle,
        log_group_name=api.access_log_group_name,
        log_retention_days=api.log_retention_days,
        tags=settings.tags,
        lambda_authorizer=lambda_authorizer,
    ),
)

pulumi.export("platform", tenant.platform)
pulumi.export("apiUrl", http_api.api_endpoint)
pulumi.export("tokenUrl", tenant.token_url)
pulumi.export("issuer", tenant.issuer)
pulumi.export("discoveryUrl", tenant.discovery_url)
pulumi.export("audience", api_app.client_id)
pulumi.export("scope", api_app.scope)
pulumi.export("routes", http_api.routes)
# The stage's default route throttling: `verify smoke` paces its calls to it.
pulumi.export("throttle", {"rate": api.throttle.rate, "burst": api.throttle.burst})
# clientSecret is the last secret of the client's list (the one callers should use); secrets holds every
# live one by label, so `verify smoke --all-secrets` can prove each works. The whole output is secret.
pulumi.export(
    "clients",
    {
        name: {"clientId": c.client_id, "grants": c.grants, "clientSecret": c.client_secret, "secrets": c.secrets}
        for name, c in clients.items()
    },
)
