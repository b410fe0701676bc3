"""The b2c-apigw policy pack's policies, importable without starting the analyzer (``policy/__main__.py``
builds the ``PolicyPack`` from ``POLICIES``). docs/policy.md describes each policy and its config."""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel, Policy

from .apigw import (
    JWT_AUTHORIZER,
    NO_OPEN_CATCH_ALL,
    REQUEST_AUTHORIZER_CACHE,
    ROUTE_AUTHORIZATION,
    STAGE_LOGS_AND_THROTTLING,
)
from .azuread import API_APP_ROLES, PASSWORD_LIFETIME
from .wiring import (
    ACCESS_LOG_RETENTION,
    GRANTS_ARE_API_ROLES,
    PUBLIC_ROUTES_DECLARED,
    ROUTE_SCOPES_ARE_API_ROLES,
    ROUTE_USES_STACK_AUTHORIZER,
)

PACK_NAME: Final = "b2c-apigw"
# Every policy blocks by default; the pack's config can lower any one (docs/policy.md).
ENFORCEMENT_LEVEL: Final = EnforcementLevel.MANDATORY

POLICIES: Final[tuple[Policy, ...]] = (
    ROUTE_AUTHORIZATION,
    NO_OPEN_CATCH_ALL,
    JWT_AUTHORIZER,
    REQUEST_AUTHORIZER_CACHE,
    STAGE_LOGS_AND_THROTTLING,
    PASSWORD_LIFETIME,
    API_APP_ROLES,
    PUBLIC_ROUTES_DECLARED,
    ROUTE_USES_STACK_AUTHORIZER,
    ROUTE_SCOPES_ARE_API_ROLES,
    GRANTS_ARE_API_ROLES,
    ACCESS_LOG_RETENTION,
)
