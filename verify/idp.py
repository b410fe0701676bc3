"""What verify needs to know about an identity platform, so a second one can be added.

Everything generic (OAuth 2.0 client credentials, OpenID discovery, API Gateway's JWT authorizer)
lives in the other modules; everything about *one* platform's URL shapes, claim habits and error
codes lives behind this protocol. Azure AD B2C is ``verify.b2c``. Its successor, Entra External
ID (``<tenant>.ciamlogin.com``, app permissions in ``roles``), would be a second implementation
(docs/facts.md, "The platform's horizon").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from verify.b2c import B2C
from verify.entra import RolesPlatform
from verify.outputs import StackOutputs


class IdentityPlatform(Protocol):
    name: str
    issuer_ends_with_slash: bool
    """B2C's ``iss`` always ends with ``/``; Entra External ID's and Entra ID's never do."""

    def fallback_discovery_url(self, token_url: str) -> str | None:
        """Where the platform surely serves discovery, derived from the token endpoint."""
        ...

    def missing_discovery_fix(self, issuer: str, advertised_issuer: str | None, token_url: str) -> str:
        """What to change when ``<issuer>.well-known/openid-configuration`` is not served."""
        ...

    def issuer_mismatch_fix(self, configured: str, actual: str) -> str:
        """What to change when the platform's ``iss`` (advertised or in a token) differs."""
        ...

    def token_endpoint_matches(self, advertised: str, configured: str) -> tuple[bool, str]:
        """Whether both name the same token endpoint, and a note on how they differ."""
        ...

    def token_error_hints(self, body: str) -> list[str]:
        """Explanations for the platform error codes in a token endpoint error body."""
        ...

    def token_hints(self, claims: Mapping[str, object]) -> list[str]:
        """Why a token has the wrong shape for API Gateway (wrong endpoint, version, claim)."""
        ...


def platform_for(outputs: StackOutputs | None) -> IdentityPlatform:
    """The platform behind the stack's token endpoint, from its ``platform`` output (never from the
    host: custom domains make any host possible). ``None``: no outputs read (``preflight --issuer``),
    taken as B2C."""
    if outputs is not None and outputs.uses_roles:
        return RolesPlatform(outputs.platform)
    return B2C()
