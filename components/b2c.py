"""Azure AD B2C endpoints: the one place that knows B2C's URL and issuer shapes.

Everything tenant-specific that the AWS side consumes (the authorizer's issuer) or that callers need
(token endpoint, discovery) is built here, so a second identity platform (Entra External ID,
``<tenant>.ciamlogin.com``) can be added without touching the AWS component.

Sources (see `docs/facts.md`, "Issuer and discovery"):

- Token endpoints are policy-scoped:
  ``https://<host>/<tenant>.onmicrosoft.com/<policy>/oauth2/v2.0/token``.
- The user flow's *Token compatibility settings -> Issuer (iss) claim* has two forms:
  ``https://<host>/<tenantId>/v2.0/`` (B2C's default, "tenant") and
  ``https://<host>/tfp/<tenantId>/<policy>/v2.0/`` ("tfp").
- API Gateway finds keys through ``<issuer>.well-known/openid-configuration`` and compares the
  token's ``iss`` to its issuer byte for byte, trailing slash included. B2C serves discovery only
  under a policy, so only the tfp form resolves there; the tenant form deploys and then answers 401
  to every call. ``python -m verify preflight`` checks what B2C really advertises.
"""

from __future__ import annotations

from typing import Literal

IssuerFormat = Literal["tfp", "tenant"]
ISSUER_FORMATS: tuple[IssuerFormat, ...] = ("tfp", "tenant")


def host(tenant_name: str, domain: str | None = None) -> str:
    """The B2C login host: a custom domain when one is set, else ``<tenant>.b2clogin.com``."""
    return domain if domain else f"{tenant_name}.b2clogin.com"


def token_url(tenant_name: str, policy: str, domain: str | None = None) -> str:
    """The policy's OAuth 2.0 token endpoint, where clients post the client credentials grant."""
    return f"https://{host(tenant_name, domain)}/{tenant_name}.onmicrosoft.com/{policy}/oauth2/v2.0/token"


def issuer(
    tenant_name: str,
    tenant_id: str,
    policy: str,
    issuer_format: IssuerFormat = "tfp",
    domain: str | None = None,
) -> str:
    """The ``iss`` B2C writes into tokens for the chosen issuer format (always ends with ``/``)."""
    base = f"https://{host(tenant_name, domain)}"
    if issuer_format == "tfp":
        return f"{base}/tfp/{tenant_id}/{policy}/v2.0/"
    if issuer_format == "tenant":
        return f"{base}/{tenant_id}/v2.0/"
    raise ValueError(f"unknown issuer format {issuer_format!r} (valid: {', '.join(ISSUER_FORMATS)})")


def discovery_url(issuer_url: str) -> str:
    """Where API Gateway's JWT authorizer looks for the OpenID configuration of an issuer."""
    return f"{issuer_url.rstrip('/')}/.well-known/openid-configuration"
