"""Client secrets as config (``clients[].secrets``): zero-downtime rotation, and ``secretDays`` stacks
that see no change.

The pinned registrations were captured from the program before ``secrets`` existed; an existing stack
whose config uses ``secretDays`` must register exactly them again, or its next preview would show a
change (docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.mocks import registrations, run_program

PINNED = Path(__file__).resolve().parent / "support" / "pinned" / "secret-days-before-rotation.json"


def _sorted(regs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(regs, key=lambda r: r["urn"])


def test_a_secret_days_stack_registers_exactly_what_it_did_before_secrets_existed() -> None:
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(_sorted(registrations(run_program(pinned["config"])))))
    assert [r["urn"] for r in now] == [r["urn"] for r in pinned["registrations"]]
    for before, after in zip(pinned["registrations"], now, strict=True):
        assert after["inputs"] == before["inputs"], after["urn"]
        assert after["options"] == before["options"], after["urn"]
