"""Entra External ID and Entra ID, the "roles" platforms: what verify knows of their URLs, claims
and error codes (docs/platforms.md, "Tokens on the roles platforms").

- Client-credentials tokens carry the granted app roles in ``roles`` ("The client credential flow
  uses this set of permission in place of user scopes for application tokens"); ``scp`` is "Only
  included for user tokens" (Microsoft's access token claims reference). A token with ``scp`` and
  no ``roles`` is therefore a delegated user token, not client credentials.
- v2 tokens: ``ver`` 2.0 and ``aud`` the API app's client id; ``iss`` ends in ``/v2.0``
  (External ID ``https://<tid>.ciamlogin.com/<tid>/v2.0``, Entra ID
  ``https://login.microsoftonline.com/<tid>/v2.0``); discovery at ``<iss>/.well-known/openid-configuration``.
- The stack's authorizer is the program's Lambda function: an invalid token gets
  ``authorizer.statuses.NOT_AUTHORIZED`` (403, unverified), not the JWT authorizer's 401.
- Error codes (AADSTS…) are Microsoft Entra's ("Microsoft Entra authentication and authorization
  error codes" on Learn); the hints below name the common client-credentials ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

_ERROR_CODE: Final = re.compile(r"AADSTS\d+")
ERROR_HINTS: Final = {
    "AADSTS7000215": "AADSTS7000215: invalid client secret: the clientSecret output is not the client's current one",
    "AADSTS700016": "AADSTS700016: the client id is not an application in this tenant: wrong tenant or client",
    "AADSTS500011": "AADSTS500011: the API (the scope's App ID URI) has no service principal in this tenant",
    "AADSTS70011": "AADSTS70011: the scope is not valid: client credentials need <App ID URI>/.default",
    "AADSTS1002012": "AADSTS1002012: the scope is not valid: client credentials need <App ID URI>/.default",
    "AADSTS500208": "AADSTS500208: the domain is not a valid login domain for this account type: "
    "request External ID tokens from <name>.ciamlogin.com, not login.microsoftonline.com",
}


class RolesPlatform:
    """``externalId`` or ``entraId``."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        # v2 issuers of both platforms end in /v2.0, no slash (access token claims reference).
        self.issuer_ends_with_slash = False
        self.name = "Microsoft Entra External ID" if platform == "externalId" else "Microsoft Entra ID"

    def fallback_discovery_url(self, token_url: str) -> str | None:
        # Discovery is served under the issuer itself on these platforms: nothing else to try.
        return None

    def missing_discovery_fix(self, issuer: str, advertised_issuer: str | None, token_url: str) -> str:
        if advertised_issuer and advertised_issuer != issuer:
            return f"the tenant advertises issuer {advertised_issuer}: check tenant.id (and tenant.platform)"
        return f"no discovery under {issuer}: check tenant.id and tenant.platform ({self.platform})"

    def issuer_mismatch_fix(self, configured: str, actual: str) -> str:
        if "ciamlogin.com" in actual and "ciamlogin.com" not in configured:
            return f"the tokens come from External ID ({actual}): set tenant.platform to externalId"
        if "login.microsoftonline.com" in actual and "login.microsoftonline.com" not in configured:
            return (
                f"the tokens come from login.microsoftonline.com ({actual}): request them from the stack's "
                "tokenUrl, or set tenant.platform to entraId if this is a workforce tenant"
            )
        return f"the tokens carry iss {actual}, the authorizer expects {configured}: check tenant.id"

    def token_endpoint_matches(self, advertised: str, configured: str) -> tuple[bool, str]:
        if advertised.lower() == configured.lower():
            return True, "" if advertised == configured else "same endpoint up to letter case"
        # External ID custom URL domains serve the same endpoint on another host (docs/platforms.md).
        a, c = advertised.split("/", 3), configured.split("/", 3)
        if len(a) == 4 and len(c) == 4 and a[3].lower() == c[3].lower():
            return True, f"same path on another host ({c[2]} for {a[2]}): a custom URL domain"
        return False, f"advertised {advertised}, tokenUrl is {configured}"

    def token_error_hints(self, body: str) -> list[str]:
        return [
            ERROR_HINTS.get(code, f"{code}: see Microsoft Entra's error code reference")
            for code in dict.fromkeys(_ERROR_CODE.findall(body))
        ]

    def token_hints(self, claims: Mapping[str, object]) -> list[str]:
        hints: list[str] = []
        if "roles" not in claims and ("scp" in claims or "scope" in claims):
            hints.append(
                "the token carries 'scp' and no 'roles': a delegated user token, not a client-credentials "
                "token. The authorizer reads only 'roles': request the token with grant_type=client_credentials"
            )
        elif "roles" not in claims:
            hints.append(
                "the token carries no 'roles': the client holds no app role of this API (grant missing, "
                "admin consent missing, or revoked), so every protected route answers 403"
            )
        if claims.get("ver") == "1.0":
            hints.append(
                "ver 1.0: the API app must accept v2 access tokens (requested_access_token_version 2), "
                "so that aud is its client id"
            )
        return hints
