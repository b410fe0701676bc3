"""Client secrets as config (``clients[].secrets``): zero-downtime rotation, and ``secretDays`` stacks
that see no change.

The pinned registrations were captured from the program before ``secrets`` existed; an existing stack
whose config uses ``secretDays`` must register exactly them again, or its next preview would show a
change (docs/operations.md)."""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.config import ConfigError, read_settings
from tests.support.example import DEV_CONFIG
from tests.support.mocks import registrations, run_program
from tests.support.preview import alias_urns, plan

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


# --- Rotation steps as config diffs, and what each one's preview shows -----------------------------

PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"


def _config(secrets: list[dict[str, Any]] | None = None, secret_days: int | None = 180) -> dict[str, Any]:
    cfg = copy.deepcopy(DEV_CONFIG)
    client = cfg["b2c-apigw:clients"][0]
    client.pop("secretDays", None)
    if secrets is not None:
        client["secrets"] = secrets
    elif secret_days is not None:
        client["secretDays"] = secret_days
    return cfg


def _run(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    return copy.deepcopy(_registered(json.dumps(cfg, sort_keys=True)))


@functools.cache
def _registered(cfg: str) -> list[dict[str, Any]]:
    """One program run per distinct config (the steps share their before and after configs)."""
    return json.loads(json.dumps(registrations(run_program(json.loads(cfg)))))


def _steps(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [str(s) for s in plan(_run(before), _run(after))]


A = {"label": "2026-06", "days": 180}
B = {"label": "2026-12", "days": 180}


def test_moving_from_secret_days_to_secrets_keeps_the_password_under_the_first_label() -> None:
    # The first label takes over the secretDays password (an alias of its logical name): nothing is
    # created, replaced or deleted, so callers keep the secret they have.
    assert _steps(_config(secret_days=180), _config([A])) == []
    after = {r["urn"].rsplit("::", 1)[1]: r for r in _run(_config([A])) if PASSWORD in r["urn"]}
    assert set(after) == {"client-reporting-secret-2026-06"}
    assert alias_urns(after["client-reporting-secret-2026-06"]) == [
        "urn:pulumi:dev::b2c-apigw::b2capigw:azure:ClientApp$azuread:index/applicationPassword:"
        "ApplicationPassword::client-reporting-secret"
    ]


def test_moving_and_adding_in_one_step_creates_only_the_second_label() -> None:
    assert _steps(_config(secret_days=180), _config([A, B])) == [f"create {PASSWORD} client-reporting-secret-2026-12"]


def test_the_first_entry_is_the_one_that_keeps_the_secret_days_password() -> None:
    # Listing the new label first makes *it* the old password, and the old label a new one: the
    # runbook says to keep the current secret's entry first.
    assert _steps(_config(secret_days=180), _config([B, A])) == [f"create {PASSWORD} client-reporting-secret-2026-06"]


def test_moving_with_other_days_replaces_the_password() -> None:
    assert _steps(_config(secret_days=180), _config([{"label": "2026-06", "days": 90}])) == [
        f"replace {PASSWORD} client-reporting-secret-2026-06"
    ]


def test_each_rotation_step_touches_only_its_own_label() -> None:
    assert _steps(_config([A]), _config([A, B])) == [f"create {PASSWORD} client-reporting-secret-2026-12"]
    assert _steps(_config([A, B]), _config([B])) == [f"delete {PASSWORD} client-reporting-secret-2026-06"]
    assert _steps(_config([A, B]), _config([B, A])) == []
    assert _steps(_config([A, B]), _config([A, {"label": "2026-12", "days": 30}])) == [
        f"replace {PASSWORD} client-reporting-secret-2026-12"
    ]


def test_client_secret_is_the_last_entrys_and_secrets_maps_every_label() -> None:
    run = run_program(_config([A, {"label": "2026-12", "days": 30}]))
    values = {p.name: p.outputs for p in run.mocks.of_type(PASSWORD)}
    first, last = values["client-reporting-secret-2026-06"], values["client-reporting-secret-2026-12"]
    reporting = run.exports["clients"].value["reporting"]
    assert reporting["clientSecret"] == last["value"]
    assert reporting["secrets"] == {
        "2026-06": {"secret": first["value"], "expires": "2026-06-30T00:00:00Z"},
        "2026-12": {"secret": last["value"], "expires": "2026-01-31T00:00:00Z"},
    }
    assert run.exports["clients"].secret
    raw = run.raw_exports["clients"]["reporting"]
    for label in ("2026-06", "2026-12"):
        assert settle_secret(raw["secrets"][label]), label
    assert settle_secret(raw["clientSecret"])


def settle_secret(output: pulumi.Output[Any]) -> bool:
    """Whether an Output of a finished program run is a Pulumi secret (its secrecy future is resolved by
    then; ``Output.is_secret()`` is a coroutine for a running program)."""
    assert isinstance(output, pulumi.Output)
    return bool(asyncio.run(output.is_secret()))


# --- Bad secrets config --------------------------------------------------------------------------

KEY = "b2c-apigw:clients[0] (reporting).secrets"


@pytest.mark.parametrize(
    ("secrets", "secret_days", "problem"),
    [
        (
            [A],
            180,
            f"{KEY}: is set beside secretDays, which it replaces: set one of them. To move to secrets, remove "
            "secretDays and give its days to the first secret, which keeps the current password (docs/operations.md)",
        ),
        (
            [A, B, {"label": "2027-06"}],
            None,
            f"{KEY}: lists 3 secrets; at most 2 live at once: a rotation needs the secret callers use and its "
            "successor. Entra would hold more, but each extra one is a live credential nobody moves to: remove the "
            "oldest label once its callers use the newer secret",
        ),
        (
            [],
            None,
            f"{KEY}: must be a list of one or 2 {{label, days}} maps, e.g. [{{label: 2026-06, days: 180}}] (got [])",
        ),
        (
            [{"label": "june 2026"}],
            None,
            f"{KEY}[0].label: 'june 2026' is not a secret label: letters, digits, '.', '_' and '-', starting with a "
            "letter or digit, at most 32 characters (it names the password in the state, e.g. 2026-06)",
        ),
        (
            [A, {"label": "2026-06", "days": 30}],
            None,
            f"{KEY}[1].label: duplicate label '2026-06' (each label is one secret; give the new secret a new label)",
        ),
        ([{"days": 30}], None, f"{KEY}[0].label: is required"),
        ([{"label": "x", "days": 0}], None, f"{KEY}[0].days: 0 is outside 1..730 (days)"),
        ([{"label": "x", "day": 3}], None, f"{KEY}[0].day: unknown key (valid: label, days)"),
    ],
)
def test_bad_secrets_config_gets_one_clear_message(
    secrets: list[dict[str, Any]], secret_days: int | None, problem: str
) -> None:
    cfg = _config(secrets)
    if secret_days is not None:
        cfg["b2c-apigw:clients"][0]["secretDays"] = secret_days
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    with pytest.raises(ConfigError) as info:
        read_settings(bag.get, "dev")
    assert list(info.value.problems) == [problem]


def test_the_secrecy_check_tells_a_plain_output_apart() -> None:
    run = run_program(_config([A]))
    assert not settle_secret(run.raw_exports["clients"]["reporting"]["clientId"])


# --- The runbook (docs/operations.md) against the program ----------------------------------------

RUNBOOK = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text(encoding="utf-8")
_ROW = re.compile(r"^ (\+-|\+|-|~)\s+[│├└─ ]*(\S+)\s+(\S+)\s+(create|delete|update|replace)$", re.M)
_SYMBOL = {"create": "+", "delete": "-", "update": "~", "replace": "+-"}


def _blocks(after: str) -> list[str]:
    """The fenced blocks of the runbook between ``after`` and the next bold step or heading."""
    assert after in RUNBOOK, f"docs/operations.md no longer says {after!r}"
    section = re.split(r"\n\*\*\d\.|\n#", RUNBOOK.split(after, 1)[1], maxsplit=1)[0]
    return re.findall(r"```[a-z]*\n(.*?)```", section, re.S)


def _shown(block: str) -> list[str]:
    rows = _ROW.findall(block)
    assert rows, block
    for symbol, _, _, op in rows:
        assert symbol == _SYMBOL[op]
    return [f"{op} {kind} {name}" for _, kind, name, op in rows]


def _display(steps: list[str]) -> list[str]:
    """``create azuread:index/applicationPassword:ApplicationPassword n`` as the CLI shows the type."""
    out = []
    for step in steps:
        op, token, name = step.split(" ", 2)
        package, module, kind = token.split(":")
        out.append(f"{op} {package}:{module.split('/')[0]}:{kind} {name}")
    return out


def _secrets(block: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(textwrap.dedent(block))["secrets"])


def test_the_runbooks_steps_show_the_previews_the_program_gives() -> None:
    add_config, add_preview = _blocks("**1. Add the new secret**")[:2]
    remove_config, remove_preview = _blocks("**3. Remove the old secret**")[:2]
    before = [A]
    added, removed = _secrets(add_config), _secrets(remove_config)
    assert (added, removed) == ([A, B], [B])
    assert _shown(add_preview) == _display(_steps(_config(before), _config(added)))
    assert _shown(remove_preview) == _display(_steps(_config(added), _config(removed)))
    days_preview = _blocks("Changing `days` of a label\nis such a replacement:")[0]
    longer = [A, {"label": "2026-12", "days": 365}]
    assert _shown(days_preview) == _display(_steps(_config(added), _config(longer)))


def test_the_runbooks_move_from_secret_days_is_what_keeps_the_password() -> None:
    move = _blocks("Replace\n`secretDays: N` by a single entry with the same `days`:")[0]
    before, after = move.split("# after")
    assert yaml.safe_load(textwrap.dedent(before))["secretDays"] == 180
    moved = _secrets(after)
    assert moved == [A]
    assert _steps(_config(secret_days=180), _config(moved)) == []
