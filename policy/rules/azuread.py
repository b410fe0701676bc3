"""Resource policies for the Microsoft identity side: client secrets that end in time, and API apps whose
roles only applications hold and that issue v2 access tokens.

Sources (docs/policy.md lists them): Microsoft Learn "Add and manage application credentials" (the Entra
admin center offers client secrets of at most 24 months, hence the default of 730 days, the program's own
limit); the azuread provider's ``ApplicationPassword`` (``endDate`` RFC 3339, ``endDateRelative`` a Go
duration such as ``4320h``); "appRoles" in the application manifest (``allowedMemberTypes``
``Application`` for app-only roles); ``api.requestedAccessTokenVersion`` (unset means 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from pulumi_policy import PolicyConfigSchema

from ._policy import Check, resource_policy
from ._support import APPLICATION, APPLICATION_PASSWORD, SERVICE_PRINCIPAL_PASSWORD, Props, number, violation

DEFAULT_MAX_SECRET_DAYS: Final = 730
ACCESS_TOKEN_VERSION: Final = 2

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS: Final = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def go_duration_seconds(text: str) -> float | None:
    """Seconds in a Go ``time.ParseDuration`` string (``4320h``, ``1h30m``), None if it is not one."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if not body:
        return None
    total, at = 0.0, 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != at:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        at = match.end()
    if at != len(body):
        return None
    return sign * total


def rfc3339(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def max_secret_days(config: Mapping[str, Any]) -> float:
    raw = config.get("maxSecretDays", DEFAULT_MAX_SECRET_DAYS)
    days = number(raw)
    if days is None or days < 1 or days != int(days):
        raise ValueError(f"azuread-password-lifetime: maxSecretDays must be a whole number of days >= 1 (got {raw!r})")
    return days


def _password_checks(p: Props, config: Mapping[str, Any], now: datetime | None = None) -> Sequence[Check]:
    limit = max_secret_days(config)
    fix = (
        f"set endDateRelative (such as '{int(limit) * 24}h') or endDate at most {limit:g} days after the start, "
        "and rotate before it ends"
    )

    # An Application's inline `password` block is a client secret too (endDate and startDate only).
    at: tuple[str, ...] = ("password",) if p.type == APPLICATION else ()
    what = "its inline password " if at else ""

    def has_end() -> Iterable[str]:
        if at and p.get("password") is None:
            return
        if p.get(*at, "endDateRelative") is None and p.get(*at, "endDate") is None:
            yield violation(p.label, f"{what}sets no end date, so the secret lives as long as Entra allows", fix)

    def relative() -> Iterable[str]:
        text = p.get(*at, "endDateRelative")
        if text is None:
            return
        seconds = go_duration_seconds(str(text))
        if seconds is None or seconds <= 0:
            yield violation(p.label, f"has endDateRelative {text!r}, which is not a positive duration", fix)
        elif seconds / 86400 > limit:
            yield violation(
                p.label,
                f"lives {seconds / 86400:g} days (endDateRelative {text}), more than maxSecretDays {limit:g}",
                fix,
            )

    def absolute() -> Iterable[str]:
        text = p.get(*at, "endDate")
        if text is None:
            return
        end = rfc3339(str(text))
        start_text = p.get(*at, "startDate")
        start = rfc3339(str(start_text)) if start_text else (now or datetime.now(UTC))
        if end is None or start is None:
            yield violation(
                p.label, f"{what}has endDate {text!r} or startDate {start_text!r} that is not RFC 3339", fix
            )
            return
        days = (end - start).total_seconds() / 86400
        if days > limit:
            yield violation(
                p.label, f"{what}lives {days:.0f} days (endDate {text}), more than maxSecretDays {limit:g}", fix
            )

    return [has_end, relative, absolute]


def _api_app_checks(p: Props, _config: Mapping[str, Any]) -> Sequence[Check]:
    def is_api() -> bool:
        # An API app exposes something to call: app roles or an App ID URI. Client apps have neither.
        return bool(p.get("appRoles")) or bool(p.strings("identifierUris"))

    def token_version() -> Iterable[str]:
        if not is_api():
            return
        version = number(p.get("api", "requestedAccessTokenVersion"))
        if version != ACCESS_TOKEN_VERSION:
            shown = "unset, which Entra treats as 1" if version is None else f"{version:g}"
            yield violation(
                p.label,
                f"is an API app whose access token version is {shown}",
                "set api.requestedAccessTokenVersion to 2: the identity platform issues v2 tokens for it and "
                "API Gateway trusts the v2 issuer",
            )

    def members() -> Iterable[str]:
        for role in p.get("appRoles", default=[]):
            allowed = [str(m) for m in (role.get("allowedMemberTypes") or [])]
            if allowed != ["Application"]:
                yield violation(
                    p.label,
                    f"app role '{role.get('value')}' allows member types {allowed}",
                    "set allowedMemberTypes to ['Application'] only: client-credentials callers are "
                    "applications, and a User member type lets people be assigned the role",
                )

    return [token_version, members]


PASSWORD_LIFETIME = resource_policy(
    "azuread-password-lifetime",
    "Client secrets (ApplicationPassword and its kin) end, at most maxSecretDays after they start.",
    [APPLICATION_PASSWORD, SERVICE_PRINCIPAL_PASSWORD, APPLICATION],
    _password_checks,
    config_schema=PolicyConfigSchema(
        properties={
            "maxSecretDays": {
                "type": "integer",
                "minimum": 1,
                "default": DEFAULT_MAX_SECRET_DAYS,
                "description": "Longest client-secret lifetime, in days (730 like the Entra admin center's 24 months).",
            }
        }
    ),
)
API_APP_ROLES = resource_policy(
    "azuread-api-app-roles",
    "API app roles allow only Application members, and the API app issues v2 access tokens.",
    [APPLICATION],
    _api_app_checks,
)
