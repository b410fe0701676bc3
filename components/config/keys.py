"""Every key the stack config accepts, each declared once.

The ``b2c-apigw`` namespace has three sections; each map in them takes the keys of one enum below.
The parsers read and report each key through its member (``ApiKey.LOG_RETENTION_DAYS``), and the
"unknown key (valid: ...)" check lists the members, so adding a key is one line here and its parsing
in ``sections``; ``KEYS`` is the whole table, for the docs and their test.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

NAMESPACE: Final = "b2c-apigw"


class Section(StrEnum):
    """The sections of the namespace: ``b2c-apigw:tenant`` and so on."""

    TENANT = "tenant"
    API = "api"
    CLIENTS = "clients"

    @property
    def key(self) -> str:
        """The full Pulumi config key: ``b2c-apigw:tenant``."""
        return f"{NAMESPACE}:{self.value}"


SECTIONS: Final = tuple(s.value for s in Section)


class TenantKey(StrEnum):
    """``b2c-apigw:tenant``."""

    NAME = "name"
    ID = "id"
    POLICY = "policy"
    ISSUER_FORMAT = "issuerFormat"
    DOMAIN = "domain"
    PLATFORM = "platform"


class ApiKey(StrEnum):
    """``b2c-apigw:api``."""

    NAME = "name"
    PERMISSIONS = "permissions"
    UPSTREAM = "upstream"
    ROUTES = "routes"
    THROTTLE = "throttle"
    LOG_RETENTION_DAYS = "logRetentionDays"
    APP_ID_URI = "appIdUri"
    AUTHORIZER_CACHE_SECONDS = "authorizerCacheSeconds"


class PermissionKey(StrEnum):
    """Each entry of ``api.permissions``."""

    VALUE = "value"
    DESCRIPTION = "description"


class RouteEntryKey(StrEnum):
    """Each entry of ``api.routes`` (``ROUTE`` holds the route key, ``METHOD /path``)."""

    ROUTE = "route"
    SCOPES = "scopes"
    PUBLIC = "public"


class ThrottleKey(StrEnum):
    """``api.throttle``."""

    BURST = "burst"
    RATE = "rate"


class ClientKey(StrEnum):
    """Each entry of ``b2c-apigw:clients``."""

    NAME = "name"
    GRANTS = "grants"
    SECRET_DAYS = "secretDays"  # noqa: S105 (a key's name, not a secret)
    SECRETS = "secrets"


class SecretKey(StrEnum):
    """Each entry of ``clients[].secrets``: one live client secret."""

    LABEL = "label"
    DAYS = "days"


# Where each map sits in the namespace ("[]" for each entry of a list) -> the keys it takes.
KEYS: Final[Mapping[str, type[StrEnum]]] = {
    Section.TENANT.value: TenantKey,
    Section.API.value: ApiKey,
    f"{Section.API}.{ApiKey.PERMISSIONS}[]": PermissionKey,
    f"{Section.API}.{ApiKey.ROUTES}[]": RouteEntryKey,
    f"{Section.API}.{ApiKey.THROTTLE}": ThrottleKey,
    f"{Section.CLIENTS}[]": ClientKey,
    f"{Section.CLIENTS}[].{ClientKey.SECRETS}[]": SecretKey,
}
