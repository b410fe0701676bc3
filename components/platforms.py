"""The identity platforms a stack can trust, and the endpoints of the two "roles" platforms.

B2C's URLs live in ``components/b2c.py``. Entra External ID (external tenants) and Entra ID
(workforce tenants) issue client-credentials tokens whose granted app roles are in ``roles``, which
API Gateway's JWT authorizer never reads, so those stacks get the Lambda authorizer
(``authorizer/``). Sources: docs/platforms.md, "Tokens on the roles platforms".

- External ID: token endpoint ``https://<name>.ciamlogin.com/<tenant id>/oauth2/v2.0/token`` (or
  ``https://<custom URL domain>/<tenant id>/oauth2/v2.0/token``, Learn "Enable custom URL domains
  for apps in external tenants"); ``iss`` ``https://<tenant id>.ciamlogin.com/<tenant id>/v2.0``,
  the tenant GUID as host whatever the authority (MSAL JS PR 8595), and kept on ciamlogin.com with
  a custom URL domain (MSAL.NET PR 5931; unverified on Learn: preflight compares it with discovery).
- Entra ID: ``https://login.microsoftonline.com/<tenant id>/oauth2/v2.0/token``; ``iss``
  ``https://login.microsoftonline.com/<tenant id>/v2.0`` for v2 tokens (access token claims reference).
- Both: discovery at ``<iss>/.well-known/openid-configuration``; token version 2, so ``aud`` is the
  API app's client id; sign-in audience ``AzureADMyOrg``; App ID URI ``api://<tenant id>/<api>-<stack>``.
"""

from __future__ import annotations

from typing import Final, Literal

Platform = Literal["b2c", "externalId", "entraId"]
PLATFORMS: Final[tuple[Platform, ...]] = ("b2c", "externalId", "entraId")
ROLES_PLATFORMS: Final[frozenset[Platform]] = frozenset({"externalId", "entraId"})
"""Platforms whose client-credentials tokens carry app roles in ``roles`` (Lambda authorizer)."""

ROLES_SIGN_IN_AUDIENCE: Final = "AzureADMyOrg"
"""Single-tenant: Microsoft's External ID daemon sample registers its API this way
(Azure-Samples/ms-identity-ciam-javascript-tutorial, 2-Authorization/3-call-api-node-daemon)."""

ENTRA_HOST: Final = "login.microsoftonline.com"


def uses_roles(platform: Platform) -> bool:
    return platform in ROLES_PLATFORMS


def external_id_issuer(tenant_id: str) -> str:
    return f"https://{tenant_id}.ciamlogin.com/{tenant_id}/v2.0"


def external_id_token_url(tenant_name: str, tenant_id: str, domain: str | None = None) -> str:
    host = domain if domain else f"{tenant_name}.ciamlogin.com"
    return f"https://{host}/{tenant_id}/oauth2/v2.0/token"


def entra_issuer(tenant_id: str) -> str:
    return f"https://{ENTRA_HOST}/{tenant_id}/v2.0"


def entra_token_url(tenant_id: str) -> str:
    return f"https://{ENTRA_HOST}/{tenant_id}/oauth2/v2.0/token"


def discovery_url(issuer: str) -> str:
    """OpenID Connect Discovery 1.0, section 4: ``<issuer>/.well-known/openid-configuration``."""
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def roles_identifier_uri(tenant_id: str, api_name: str, stack: str) -> str:
    """``api://<tenant id>/<api>-<stack>``: a form Entra's identifier-URI policy accepts
    (learn.microsoft.com/entra/identity-platform/identifier-uri-restrictions) that carries the stack."""
    return f"api://{tenant_id}/{api_name}-{stack}"
