"""What a program run sends to the providers, as one canonical JSON document.

Used to prove that a change leaves a stack's resources exactly as they were: every resource's URN
(type, parent chain and logical name), its inputs as they reach the provider, its dependencies and
its explicit provider, sorted. The committed snapshot of the B2C example
(``tests/data/b2c-dev-resources.json``) was taken from the program before the roles platforms were
added; regenerate it only for a change that is meant to alter B2C stacks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.mocks import ProgramRun

B2C_SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "b2c-dev-resources.json"


def resources_snapshot(run: ProgramRun) -> str:
    """The registrations of ``run`` as sorted, indented JSON (one line per value, for readable diffs)."""
    urns = {urn.rsplit("::", 1)[-1] + "|" + urn.split("::")[2].rsplit("$", 1)[-1]: urn for urn in run.mocks.urns}
    entries: list[dict[str, Any]] = []
    for r in run.registered:
        urn = urns.get(f"{r.name}|{r.type}", "")
        entries.append(
            {
                "urn": urn,
                "inputs": r.inputs,
                "dependencies": sorted(r.dependencies),
                "provider": r.provider,
                "ignoreChanges": r.ignore_changes,
            }
        )
    entries.sort(key=lambda e: e["urn"])
    return json.dumps(entries, indent=1, sort_keys=True, default=str) + "\n"


B2C_EXPORTS_SNAPSHOT = B2C_SNAPSHOT.with_name("b2c-dev-exports.json")


def exports_snapshot(run: ProgramRun) -> str:
    """The stack outputs of ``run``, each with whether it is a secret, as sorted JSON."""
    table = {name: {"value": e.value, "secret": e.secret} for name, e in run.exports.items()}
    return json.dumps(table, indent=1, sort_keys=True, default=str) + "\n"
