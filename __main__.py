"""b2c-apigw: an HTTP API on Amazon API Gateway that accepts Azure AD B2C client-credentials tokens.

Thin on purpose: read and validate the config, build the components, wire them, export. Every name,
URL and warning comes from the validated settings (components/config/), so what the validator
checked is what deploys.
"""

import pulumi

from components.api_app import ApiApp, ApiAppArgs
from components.client_app import ClientApp, ClientAppArgs
from components.config import ConfigError, read_pulumi_settings
from components.http_api import JwtHttpApi, JwtHttpApiArgs

try:
    # Validates every key before a single resource is registered: a bad config creates nothing.
    settings = read_pulumi_settings(pulumi.get_stack())
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None
tenant, api = settings.tenant, settings.api
for notice in settings.notices:
    pulumi.log.warn(notice)

# Azure: the API app, then one client app per configured client with its grants and secret.
api_app = ApiApp(
    "api",
    ApiAppArgs(
        display_name=api.display_name,
        identifier_uri=api.identifier_uri,
        permissions=api.permissions,
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
            secret_days=client.secret_days,
        ),
    )
    for client in settings.clients
}

# AWS: the HTTP API, trusting exactly the tokens B2C issues for the API app.
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
    ),
)

pulumi.export("apiUrl", http_api.api_endpoint)
pulumi.export("tokenUrl", tenant.token_url)
pulumi.export("issuer", tenant.issuer)
pulumi.export("discoveryUrl", tenant.discovery_url)
pulumi.export("audience", api_app.client_id)
pulumi.export("scope", api_app.scope)
pulumi.export("routes", http_api.routes)
pulumi.export(
    "clients",
    {
        name: {"clientId": c.client_id, "grants": c.grants, "clientSecret": c.client_secret}
        for name, c in clients.items()
    },
)
