"""What ``pulumi preview`` would show between two runs of the program: the engine's step rules applied
to the registrations the mocks recorded (``mocks.registrations``).

The rules, from Pulumi's documentation ("Resource options: aliases", "ignoreChanges", "How Pulumi
works: creation and deletion order"):

- A registration whose URN, or one of its aliases' URNs, is in the old state is that resource:
  ``same`` when its inputs are unchanged (properties in ``ignoreChanges`` are carried over from the
  state, so they never differ), else ``update``, or ``replace`` where the provider forces a new
  resource (create the replacement, then delete the old one).
- A registration nothing in the state matches is a ``create``; a state resource no registration
  matches is a ``delete``.

Which properties force a replacement comes from the provider's schema: every argument of
``azuread.ApplicationPassword`` does ("Changing this forces a new resource to be created",
pulumi-azuread ApplicationPassword reference). Other types are treated as updated in place; the
tests here only need the passwords to be exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
FORCE_NEW = {PASSWORD: None}  # type -> the properties that force a new resource (None: all of them)


@dataclass(frozen=True)
class Step:
    op: str
    """``create``, ``delete``, ``update`` or ``replace``."""
    type: str
    name: str

    def __str__(self) -> str:
        return f"{self.op} {self.type} {self.name}"


def _type_and_name(urn: str) -> tuple[str, str]:
    return urn.split("::")[2].split("$")[-1], urn.rsplit("::", 1)[1]


def alias_urns(registration: Mapping[str, Any]) -> list[str]:
    """The URNs a registration's aliases name: an alias spec's empty fields are the resource's own."""
    urn: str = registration["urn"]
    prefix, _, name = urn.rpartition("::")
    out: list[str] = []
    for alias in registration["options"].get("aliases", []):
        spec = alias.get("spec")
        if spec is None:
            out.append(alias["urn"])
            continue
        if spec.get("type") or spec.get("noParent") or spec.get("parentUrn") or spec.get("stack"):
            raise NotImplementedError(f"alias spec {spec} (only a new name is modelled)")
        out.append(f"{prefix}::{spec.get('name') or name}")
    return out + list(registration["options"].get("aliasURNs", []))


def plan(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> list[Step]:
    """The steps a preview shows (``same`` left out), sorted by type and name."""
    old = {r["urn"]: r for r in before}
    matched: set[str] = set()
    steps: list[Step] = []
    for r in after:
        kind, name = _type_and_name(r["urn"])
        found = next((u for u in [r["urn"], *alias_urns(r)] if u in old), None)
        if found is None:
            steps.append(Step("create", kind, name))
            continue
        if found in matched:
            raise AssertionError(f"two registrations claim {found}: the engine refuses that")
        matched.add(found)
        ignored = set(r["options"].get("ignoreChanges", []))
        changed = {
            k
            for k in set(r["inputs"]) | set(old[found]["inputs"])
            if k not in ignored and r["inputs"].get(k) != old[found]["inputs"].get(k)
        }
        if changed:
            force = FORCE_NEW.get(kind, set())
            steps.append(Step("replace" if force is None or changed & force else "update", kind, name))
    for urn in old:
        if urn not in matched:
            steps.append(Step("delete", *_type_and_name(urn)))
    return sorted(steps, key=lambda s: (s.type, s.name, s.op))
