"""The typed settings ``parse_settings`` returns, and the error it raises instead.

Every value derived from the config (names, URLs, warnings) is derived here or in
``parse_settings``, once: what the validator checked is what ``__main__`` deploys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import b2c


@dataclass(frozen=True)
class Tenant:
    """The Azure AD B2C tenant and the user flow whose endpoints issue the tokens.

    Its endpoints (issuer, token URL, discovery URL) come from its identity platform's module,
    ``components/b2c.py``, and only through the properties below: another platform (Entra External
    ID, Entra ID) is a module of its own, chosen here.
    """

    name: str
    """Initial domain prefix: ``contosob2c`` for ``contosob2c.onmicrosoft.com``."""
    id: str
    """Directory (tenant) id, a GUID; the ``<tenantId>`` of the issuer."""
    policy: str
    """An existing user flow or custom policy (``B2C_1_susi``); B2C endpoints are policy-scoped."""
    issuer_format: b2c.IssuerFormat
    """Which ``iss`` form the user flow emits: ``tfp`` (default) or ``tenant``."""
    domain: str | None
    """Custom domain replacing ``<name>.b2clogin.com``, if any."""

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens, which the JWT authorizer trusts."""
        return b2c.issuer(self.name, self.id, self.policy, self.issuer_format, self.domain)

    @property
    def token_url(self) -> str:
        """Where clients post the client credentials grant."""
        return b2c.token_url(self.name, self.policy, self.domain)

    @property
    def discovery_url(self) -> str:
        """Where API Gateway looks for the issuer's OpenID configuration, and so its keys."""
        return b2c.discovery_url(self.issuer)


@dataclass(frozen=True)
class Permission:
    """One app role on the API app, and the scope routes demand."""

    value: str
    description: str


@dataclass(frozen=True)
class Route:
    """One API Gateway route: ``key`` is ``METHOD /path``; ``scopes`` is empty for public routes."""

    key: str
    scopes: tuple[str, ...]
    public: bool


@dataclass(frozen=True)
class Throttle:
    """Stage-wide default route throttling."""

    burst: int
    rate: float


@dataclass(frozen=True)
class Api:
    """The protected API: its permissions, upstream and routes."""

    name: str
    permissions: tuple[Permission, ...]
    upstream: str
    """``https://host[:port]``; each route's path is forwarded to it unchanged."""
    routes: tuple[Route, ...]
    throttle: Throttle
    log_retention_days: int
    identifier_uri: str
    """The App ID URI: the override from config, else ``https://<tenant>.onmicrosoft.com/<api>-<stack>``."""
    display_name: str
    """The API app registration's display name, checked against Entra's limit."""
    http_api_name: str
    access_log_group_name: str

    @property
    def permission_values(self) -> tuple[str, ...]:
        return tuple(p.value for p in self.permissions)


@dataclass(frozen=True)
class Client:
    """A machine-to-machine caller and the permissions granted to it (admin consent)."""

    name: str
    grants: tuple[str, ...]
    secret_days: int
    display_name: str
    """The client app registration's display name, checked against Entra's limit."""


@dataclass(frozen=True)
class Settings:
    """Everything ``__main__`` needs, validated."""

    stack: str
    tenant: Tenant
    api: Api
    clients: tuple[Client, ...]
    notices: tuple[str, ...] = ()
    """Things worth a warning that are not errors, the issuer format's among them (``__main__`` logs them)."""

    @property
    def tags(self) -> dict[str, str]:
        """The tags of the AWS resources."""
        return {"project": "b2c-apigw", "stack": self.stack, "api": self.api.name}


class ConfigError(ValueError):
    """The config is invalid; ``problems`` lists each bad key with what would be valid."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the stack config is invalid; nothing was created. Fix these keys and run again:\n{lines}")
