"""What every policy of the pack shares: reading properties the way the engine hands them over, turning a
value still unknown at preview into an advisory note, and one message shape.

How the engine hands properties over (pulumi-policy ``policy.py``, ``_PolicyAnalyzerServicer.Analyze``
and ``AnalyzeStack``): wire (camelCase) names; secrets already unwrapped to their plain values
(``deserialize.py``, ``deserialize_properties`` without ``proxy_secrets``), so a policy must never put a
property's value into a message unless it knows that property is not secret; and every mapping and list
wrapped by ``proxy.py``'s ``unknown_checking_proxy``, whose item access raises ``UnknownValueError`` for a
value not known until the update. The SDK reports such an error as an *advisory* diagnostic for that
policy and resource instead of a violation. ``Unknowns`` uses that: a policy runs every check it can,
reports the violations it found, then raises one ``UnknownValueError`` that names what it could not check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

# The sentinels the engine marshals an unknown value as (pulumi sdk/go/common/resource/plugin/rpc.go,
# marshalUnknownProperty); the Python SDK always sends the string one.
_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)

ROUTE = "aws:apigatewayv2/route:Route"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
STAGE = "aws:apigatewayv2/stage:Stage"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
SERVICE_PRINCIPAL_PASSWORD = "azuread:index/servicePrincipalPassword:ServicePrincipalPassword"  # noqa: S105
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
APPLICATION_PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"  # noqa: S105 (a type token)

_ABSENT = object()


class Unknown(Exception):
    """A property a check needs is not known yet (a preview before the resource it comes from exists)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def is_unknown(value: object) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


class Props:
    """Read-only access to one resource's properties by wire name.

    ``get("a", "b")`` walks nested mappings; an absent key (or an explicit null) gives ``default``, an
    unknown one raises ``Unknown`` naming the resource and the property path, whether the value arrives
    through the SDK's unknown-checking proxy or as a bare sentinel (hand-built arguments).
    """

    def __init__(self, label: str, props: Mapping[str, Any], resource_type: str = "") -> None:
        self.label = label
        self.type = resource_type
        self._props = props

    def get(self, *path: str, default: Any = None) -> Any:
        value: Any = self._props
        for depth, key in enumerate(path):
            where = ".".join(path[: depth + 1])
            if not isinstance(value, Mapping):
                return default
            try:
                value = value.get(key, _ABSENT)
            except UnknownValueError:
                raise Unknown(f"{self.label}: {where}") from None
            if value is _ABSENT or value is None:
                return default
            if is_unknown(value):
                raise Unknown(f"{self.label}: {where}")
        return known(value, f"{self.label}: {'.'.join(path)}")

    def strings(self, *path: str) -> list[str]:
        """A list of strings (absent: empty); any unknown element makes the whole list unknown."""
        value = self.get(*path, default=[])
        if isinstance(value, str) or not isinstance(value, Sequence):
            return [str(value)]
        return [str(v) for v in value]


def known(value: Any, what: str) -> Any:
    """``value`` copied into plain lists and dicts, raising ``Unknown`` if anything inside is unknown."""
    if is_unknown(value):
        raise Unknown(what)
    if isinstance(value, Mapping):
        return {k: known(_item(value, k, f"{what}.{k}"), f"{what}.{k}") for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [known(_item(value, i, f"{what}[{i}]"), f"{what}[{i}]") for i in range(len(value))]
    return value


def _item(container: Any, key: Any, what: str) -> Any:
    try:
        return container[key]
    except UnknownValueError:
        raise Unknown(what) from None


@dataclass
class Unknowns:
    """Collects the checks a policy could not run at preview; ``raise_if_any`` hands them to the SDK."""

    notes: list[str] = field(default_factory=list)

    def run(
        self, check: Callable[[], Iterable[str | tuple[str, str]]], report: Callable[[str, str | None], None]
    ) -> None:
        """Run one check, reporting each violation it yields (a message, or a message and the URN of another
        resource it concerns); an unknown value defers the rest of the check."""
        try:
            for item in check():
                if isinstance(item, tuple):
                    report(*item)
                else:
                    report(item, None)
        except Unknown as unknown:
            self.notes.append(unknown.what)

    def raise_if_any(self) -> None:
        if self.notes:
            raise PreviewUnknown(self.notes)


class PreviewUnknown(UnknownValueError):
    """What the SDK turns into an advisory diagnostic: "can't run policy '<name>' from policy pack
    '<pack>@v<version>' during preview: <message>" (pulumi-policy ``policy.py``, ``Analyze``)."""

    def __init__(self, notes: Sequence[str]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.notes = list(notes)
        self.message = (
            "not known until the update: "
            + "; ".join(dict.fromkeys(self.notes))
            + ". These checks run again on the real values during `pulumi up`."
        )


def violation(resource: str, wrong: str, fix: str) -> str:
    """The pack's one message shape: which resource, what is wrong, how to fix it."""
    return f"{resource}: {wrong}. Fix: {fix}."


def number(value: Any) -> float | None:
    """A JSON number (the wire has no integers: 30 arrives as 30.0); None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
