"""The one declaration of each config key (components/config/keys.py) against what the validator
does with it and what the docs tell a user: a key that is declared but never checked, refused
although declared, or undocumented fails here."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from components.config import ConfigError, read_settings
from components.config.keys import KEYS, NAMESPACE
from tests.support.example import DEV_CONFIG

ROOT = Path(__file__).resolve().parents[1]
DECLARED = [(where, key.value) for where, keys in KEYS.items() for key in keys]


def _problems(cfg: dict[str, Any]) -> list[str]:
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    with pytest.raises(ConfigError) as info:
        read_settings(bag.get, "dev", keys=bag)
    return list(info.value.problems)


def _node(cfg: dict[str, Any], where: str) -> dict[str, Any]:
    """The map at ``where`` in the example config (``api.routes[]`` -> its first route). The example's
    client uses ``secretDays``; for the keys of ``clients[].secrets[]`` it is given one secret instead."""
    if where.startswith("clients[].secrets"):
        client = cfg[f"{NAMESPACE}:clients"][0]
        del client["secretDays"]
        client["secrets"] = [{"label": "2026-06", "days": 180}]
    section, *path = where.split(".")
    node: Any = cfg[f"{NAMESPACE}:{section.removesuffix('[]')}"]
    node = node[0] if section.endswith("[]") else node
    for part in path:
        node = node[part.removesuffix("[]")]
        node = node[0] if part.endswith("[]") else node
    assert isinstance(node, dict), where
    return node


def _reported_at(where: str) -> str:
    """The start of a problem about a key of the map at ``where``: ``b2c-apigw:api.routes[0]``, which an
    entry's problems follow with its name (``clients[0] (reporting).grants``)."""
    named = r"(\[0\]( \([^)]*\))?)"  # an entry of a list, and its name if it has one
    return re.escape(f"{NAMESPACE}:") + named.join(re.escape(part) for part in where.split("[]"))


@pytest.mark.parametrize(("where", "key"), DECLARED, ids=[f"{w}.{k}" for w, k in DECLARED])
def test_every_declared_key_is_checked_not_just_allowed(where: str, key: str) -> None:
    # A list holding a list is wrong for every key: a string, number, flag, map or list of maps.
    cfg = copy.deepcopy(DEV_CONFIG)
    _node(cfg, where)[key] = [[]]
    found = _problems(cfg)
    assert not [p for p in found if "unknown key" in p], found
    at_key = re.compile(_reported_at(where) + re.escape(f".{key}") + r"[\[:]")
    assert any(at_key.match(p) for p in found), found


@pytest.mark.parametrize("where", list(KEYS))
def test_a_key_nobody_declared_is_refused_with_the_declared_ones(where: str) -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    _node(cfg, where)["colour"] = "blue"
    valid = ", ".join(k.value for k in KEYS[where])
    (problem,) = [p for p in _problems(cfg) if "colour" in p]
    assert re.fullmatch(_reported_at(where) + re.escape(f".colour: unknown key (valid: {valid})"), problem)


def test_every_declared_key_is_documented() -> None:
    # Named with its whole path (`api.logRetentionDays`, `clients[].secretDays`), or, for the keys of a
    # map inside a section, in backticks on a line that names that map (`api.throttle`: `burst`, `rate`).
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
    lines = [line for doc in docs if doc.exists() for line in doc.read_text(encoding="utf-8").splitlines()]
    text = "\n".join(lines)
    missing = []
    for where, key in DECLARED:
        if f"`{where}.{key}`" in text:
            continue
        parent = f"`{where.removesuffix('[]')}"
        if not any(parent in line and re.search(rf"`{re.escape(key)}\b", line) for line in lines):
            missing.append(f"{where}.{key}")
    assert not missing, f"no doc names these config keys: {missing}"
