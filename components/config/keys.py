"""The stack's keys: the namespace, its sections, and the keys each section accepts."""

from __future__ import annotations

from typing import Final

NAMESPACE: Final = "b2c-apigw"

SECTIONS: Final = ("tenant", "api", "clients")

_TENANT_KEYS: Final = ("name", "id", "policy", "issuerFormat", "domain")
_API_KEYS: Final = ("name", "permissions", "upstream", "routes", "throttle", "logRetentionDays", "appIdUri")
_PERMISSION_KEYS: Final = ("value", "description")
_ROUTE_KEYS: Final = ("route", "scopes", "public")
_THROTTLE_KEYS: Final = ("burst", "rate")
_CLIENT_KEYS: Final = ("name", "grants", "secretDays")
