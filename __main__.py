"""b2c-apigw: an HTTP API on Amazon API Gateway that accepts Azure AD B2C client-credentials tokens.

Thin on purpose: read and validate the config, build the components, wire them, export.
"""

import pulumi

from components import b2c, naming
from components.api_app import ApiApp, ApiAppArgs
from components.client_app import ClientApp, ClientAppArgs
from components.config import ConfigError, read_pulumi_settings
from components.http_api import JwtHttpApi, JwtHttpApiArgs

stack = pulumi.get_stack()
try:
    # Validates every key before a single resource is registered: a bad config creates nothing.
    settings = read_pulumi_settings(stack)
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None
tenant, api = settings.tenant, settings.api
for notice in settings.notices:
    pulumi.log.warn(notice)

if tenant.issuer_format == "tenant":
    pulumi.log.warn(
        "tenant.issuerFormat is 'tenant': API Gateway looks for keys at "
        f"{b2c.discovery_url(tenant.issuer)}, which B2C does not serve, so every call may get 401. "
        "Prefer 'tfp' and set the user flow's token compatibility issuer claim to the tfp form; "
        "`python -m verify preflight` checks it."
    )

# Azure: the API app, then one client app per configured client with its grants and secret.
api_app = ApiApp(
    "api",
    ApiAppArgs(
        display_name=naming.api_display_name(api.name, stack),
        identifier_uri=api.identifier_uri,
        permissions=api.permissions,
    ),
)
clients = {
    client.name: ClientApp(
        f"client-{client.name}",
        ClientAppArgs(
            display_name=naming.client_display_name(api.name, stack, client.name),
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
        api_name=naming.http_api_name(api.name, stack),
        issuer=tenant.issuer,
        audience=api_app.client_id,
        upstream=api.upstream,
        routes=api.routes,
        throttle=api.throttle,
        log_group_name=naming.access_log_group_name(api.name, stack),
        log_retention_days=api.log_retention_days,
        tags={"project": "b2c-apigw", "stack": stack, "api": api.name},
    ),
)

pulumi.export("apiUrl", http_api.api_endpoint)
pulumi.export("tokenUrl", tenant.token_url)
pulumi.export("issuer", tenant.issuer)
pulumi.export("discoveryUrl", b2c.discovery_url(tenant.issuer))
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
