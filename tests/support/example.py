"""The example stacks under examples/, read from the files themselves so the tests and the examples
cannot drift apart: the config keys exactly as they reach the program.

``DEV_CONFIG`` is examples/b2c-minimal.yaml, the stack the README deploys as ``dev``. A plain module,
not conftest.py: ``from conftest import ...`` picks whichever conftest pytest loaded first, which is
tests/verify's when a run selects a verify test first."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TENANT_ID = "11111111-2222-3333-4444-555555555555"


def stack_config(path: Path) -> dict[str, Any]:
    """The ``config:`` map of a stack file (``Pulumi.<stack>.yaml`` shape)."""
    config: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
    return config


def config_getter(config: Mapping[str, Any]) -> Callable[[str], str | None]:
    """Config as Pulumi hands it to the program: strings raw, structured values as JSON text."""

    def get(key: str) -> str | None:
        if key not in config:
            return None
        value = config[key]
        return value if isinstance(value, str) else json.dumps(value)

    return get


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


DEV_CONFIG: dict[str, Any] = stack_config(EXAMPLES / "b2c-minimal.yaml")
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
