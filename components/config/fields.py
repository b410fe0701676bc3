"""Field helpers: reading one key of a section and reporting what is wrong with it, and the shapes
single values must take.

Every helper reports against the key's full path (``b2c-apigw:api.throttle.burst``) into a
``_Problems``, so one run names every bad key instead of stopping at the first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, cast

from .keys import ApiKey, Section

# Patterns end in \Z, not $: $ also matches before a final newline, which a YAML block scalar (|) adds.
# aws:region, e.g. eu-west-1, us-gov-west-1, cn-north-1, ap-southeast-4.
_AWS_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}\Z")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# The tenant name is the left-most label of <name>.onmicrosoft.com and <name>.b2clogin.com: letters
# and digits only (the B2C "Initial domain name" field), at most a DNS label long.
_TENANT_NAME = re.compile(r"^[a-z0-9]{1,63}\Z")
# User flows are B2C_1_<name>, custom policies B2C_1A_<name>; the portal writes the prefix in capitals.
# The tfp issuer carries the policy as B2C writes it, which may be lowercased, and API Gateway compares
# it byte for byte, so the spelling is kept exactly as configured and any case is accepted: preflight
# reports a case difference and tells the user to copy B2C's spelling here.
_POLICY = re.compile(r"^(?i:B2C_1A?_)[A-Za-z0-9_.-]{1,100}\Z")
_HOSTNAME = re.compile(r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+\Z")
# API and client names reach AWS names, display names and the App ID URI: keep them slugs.
_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,31}\Z")
# App role values: no spaces, not starting with a dot (Entra appRole.value); kept to characters that
# are also safe in an API Gateway authorization scope and a Pulumi logical name.
_PERMISSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}\Z")


class _Problems:
    """Collects problems so one run reports every bad key, not just the first."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{key}: {message}")


def _show(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _mapping(raw: object, key: str, keys: type[StrEnum], p: _Problems) -> Mapping[str, Any] | None:
    """``raw`` as a map, with each key it has that is not one of ``keys`` reported."""
    allowed = [k.value for k in keys]
    if not isinstance(raw, Mapping):
        p.add(key, f"must be a map with the keys {', '.join(allowed)} (got {_show(raw)})")
        return None
    for k in raw:
        if k not in allowed:
            p.add(f"{key}.{k}", f"unknown key (valid: {', '.join(allowed)})")
    return cast(Mapping[str, Any], raw)


def _string(raw: Mapping[str, Any], field: str, key: str, p: _Problems, *, required: bool = True) -> str | None:
    value = raw.get(field)
    if value is None:
        if required:
            p.add(f"{key}.{field}", "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        p.add(f"{key}.{field}", f"must be a non-empty string (got {_show(value)})")
        return None
    return value


def _int(raw: Mapping[str, Any], field: str, key: str, default: int, p: _Problems) -> int | None:
    value = raw.get(field, default)
    # bool is an int in Python; `true` in YAML is never a number of days.
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(f"{key}.{field}", f"must be a whole number (got {_show(value)})")
        return None
    return value


def _string_list(raw: Mapping[str, Any], field: str, key: str, p: _Problems) -> list[str] | None:
    value = raw.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        p.add(f"{key}.{field}", f"must be a list of permission values (got {_show(value)})")
        return None
    return cast(list[str], value)


_PERMISSIONS: Final = f"{Section.API}.{ApiKey.PERMISSIONS}"


def _check_permission_refs(values: Sequence[str], known: Sequence[str], key: str, p: _Problems) -> tuple[str, ...]:
    seen: list[str] = []
    for v in values:
        if v not in known:
            p.add(key, f"{v!r} is not in {_PERMISSIONS} (valid: {', '.join(known) or 'none defined'})")
        elif v in seen:
            p.add(key, f"lists {v!r} twice")
        else:
            seen.append(v)
    return tuple(seen)
