"""The program on each identity platform, under Pulumi's mocks.

B2C stacks must not change at all with the roles platforms added: their resources are compared with
a snapshot taken from the program before (tests/support/snapshot.py), and their outputs gain only
``platform``."""

from __future__ import annotations

import json
from typing import Any

from tests.support.mocks import run_program
from tests.support.snapshot import B2C_EXPORTS_SNAPSHOT, B2C_SNAPSHOT, exports_snapshot, resources_snapshot


def test_b2c_stack_resources_are_exactly_as_before(dev_config: dict[str, Any]) -> None:
    run = run_program(dev_config)
    assert resources_snapshot(run) == B2C_SNAPSHOT.read_text()


def test_b2c_stack_outputs_gain_only_platform(dev_config: dict[str, Any]) -> None:
    run = run_program(dev_config)
    now = json.loads(exports_snapshot(run))
    before = json.loads(B2C_EXPORTS_SNAPSHOT.read_text())
    assert now.pop("platform", {"value": "b2c", "secret": False}) == {"value": "b2c", "secret": False}
    assert now == before
