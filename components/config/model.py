"""The typed settings ``parse_settings`` returns, and the error it raises instead.

Every value derived from the config (names, URLs, warnings) is derived here or in
``parse_settings``, once: what the validator checked is what ``__main__`` deploys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import b2c, platforms

B2C_SIGN_IN_AUDIENCE = "AzureADandPersonalMicrosoftAccount"
"""docs/facts.md: B2C's token endpoint refuses the client credentials grant (AADB2C90085) unless the
registrations accept "Accounts in any identity provider or organizational directory"."""


@dataclass(frozen=True)
class Tenant:
    """The tenant whose token endpoint issues the tokens, on one of three identity platforms.

    Its endpoints (issuer, token URL, discovery URL) come from the platform's module
    (``components/b2c.py`` for B2C, ``components/platforms.py`` for External ID and Entra ID), and
    only through the properties below.
    """

    name: str | None
    """B2C: the initial domain prefix (``contosob2c``); External ID: the ``<name>.ciamlogin.com``
    subdomain; Entra ID: optional, the ``<name>.onmicrosoft.com`` prefix."""
    id: str
    """Directory (tenant) id, a GUID."""
    policy: str | None
    """B2C only: an existing user flow or custom policy (``B2C_1_susi``); B2C endpoints are policy-scoped."""
    issuer_format: b2c.IssuerFormat
    """B2C only: which ``iss`` form the user flow emits, ``tfp`` (default) or ``tenant``."""
    domain: str | None
    """B2C: a custom domain replacing ``<name>.b2clogin.com``; External ID: a custom URL domain for
    the token endpoint (the ``iss`` keeps the ciamlogin.com host)."""
    platform: platforms.Platform = "b2c"

    @property
    def uses_roles(self) -> bool:
        """Whether tokens carry app roles in ``roles`` (External ID, Entra ID): the Lambda authorizer."""
        return platforms.uses_roles(self.platform)

    @property
    def issuer(self) -> str:
        """The ``iss`` of the tokens, which the authorizer trusts."""
        if self.platform == "externalId":
            return platforms.external_id_issuer(self.id)
        if self.platform == "entraId":
            return platforms.entra_issuer(self.id)
        assert self.name is not None and self.policy is not None  # required on B2C by the validator
        return b2c.issuer(self.name, self.id, self.policy, self.issuer_format, self.domain)

    @property
    def token_url(self) -> str:
        """Where clients post the client credentials grant."""
        if self.platform == "externalId":
            assert self.name is not None  # required on External ID by the validator
            return platforms.external_id_token_url(self.name, self.id, self.domain)
        if self.platform == "entraId":
            return platforms.entra_token_url(self.id)
        assert self.name is not None and self.policy is not None
        return b2c.token_url(self.name, self.policy, self.domain)

    @property
    def discovery_url(self) -> str:
        """Where the issuer's OpenID configuration, and so its keys, is found."""
        if self.uses_roles:
            return platforms.discovery_url(self.issuer)
        return b2c.discovery_url(self.issuer)

    @property
    def sign_in_audience(self) -> str:
        """What the registrations accept: B2C's any-directory audience, or single-tenant on the others."""
        return platforms.ROLES_SIGN_IN_AUDIENCE if self.uses_roles else B2C_SIGN_IN_AUDIENCE


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
    """The App ID URI: the override from config, else ``https://<tenant>.onmicrosoft.com/<api>-<stack>``
    on B2C and ``api://<tenant id>/<api>-<stack>`` on the roles platforms."""
    display_name: str
    """The API app registration's display name, checked against Entra's limit."""
    http_api_name: str
    access_log_group_name: str
    authorizer_cache_seconds: int | None = None
    """Roles platforms only: the Lambda authorizer's result TTL (0-3600); None on B2C."""

    @property
    def permission_values(self) -> tuple[str, ...]:
        return tuple(p.value for p in self.permissions)


@dataclass(frozen=True)
class ClientSecret:
    """One live client secret (an ``ApplicationPassword``) of a client."""

    label: str | None
    """The ``clients[].secrets`` label, which keys the password's logical name; ``None`` for the
    ``secretDays`` form, whose one password keeps its original logical name (``client-<name>-secret``)."""
    days: int
    """Lifetime from the password's creation; changing it replaces the password."""
    keeps_secret_days_password: bool = False
    """The first ``secrets`` entry: it takes over the password the ``secretDays`` form created (an
    alias of that logical name), so moving from ``secretDays`` to ``secrets`` rotates nothing."""


@dataclass(frozen=True)
class Client:
    """A machine-to-machine caller and the permissions granted to it (admin consent)."""

    name: str
    grants: tuple[str, ...]
    secrets: tuple[ClientSecret, ...]
    """One or two live secrets, in config order; callers are given the last one (``clientSecret``)."""
    display_name: str
    """The client app registration's display name, checked against Entra's limit."""

    @property
    def secret_days(self) -> int:
        """The lifetime of the last secret, the one ``clientSecret`` holds."""
        return self.secrets[-1].days


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
