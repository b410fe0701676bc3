"""The example stack the README deploys, read from examples/b2c-minimal.yaml itself so the tests and the
example cannot drift apart: the config keys exactly as they reach the program.

A plain module, not conftest.py: ``from conftest import ...`` picks whichever conftest pytest
loaded first, which is tests/verify's when a run selects a verify test first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TENANT_ID = "11111111-2222-3333-4444-555555555555"

DEV_CONFIG: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "examples" / "b2c-minimal.yaml").read_text()
)["config"]
assert DEV_CONFIG["b2c-apigw:tenant"]["id"] == TENANT_ID


def _example(name: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "examples" / name).read_text())[
        "config"
    ]
    return config


EXTERNAL_ID_CONFIG: dict[str, Any] = _example("externalid.yaml")
"""examples/externalid.yaml: an Entra External ID stack."""
ENTRA_ID_CONFIG: dict[str, Any] = _example("entraid.yaml")
"""examples/entraid.yaml: an Entra ID (workforce) stack."""
