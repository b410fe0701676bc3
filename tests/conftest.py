from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

TENANT_ID = "11111111-2222-3333-4444-555555555555"

# The example stack the README deploys, read from Pulumi.dev.yaml itself so the tests and the
# example cannot drift apart: the config keys exactly as they reach the program.
DEV_CONFIG: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parent.parent / "Pulumi.dev.yaml").read_text())[
    "config"
]
assert DEV_CONFIG["b2c-apigw:tenant"]["id"] == TENANT_ID


@pytest.fixture
def dev_config() -> dict[str, Any]:
    """A fresh, mutable copy of the example stack config."""
    return copy.deepcopy(DEV_CONFIG)
