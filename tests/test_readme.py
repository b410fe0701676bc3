"""The README against the program: what it shows a newcomer must be what the code does.

The resource tree, the rotation URN and the example error come from the program run on
examples/b2c-minimal.yaml (stack ``dev``) under mocks; the test command must be the one .ci/run runs.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pulumi
import pytest

from tests.support.example import DEV_CONFIG
from tests.support.mocks import ProgramRun, run_program
from tests.support.readme import README, code_block

ROOT = Path(__file__).resolve().parent.parent


def display_type(token: str) -> str:
    """How the CLI shows a type token: ``aws:apigatewayv2/route:Route`` -> ``aws:apigatewayv2:Route``."""
    package, module, name = token.split(":")
    return f"{package}:{module.split('/')[0]}:{name}"


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_program(DEV_CONFIG)


def test_the_readme_tree_is_what_pulumi_up_declares(dev: ProgramRun) -> None:
    marker = "`pulumi up` of `examples/b2c-minimal.yaml` on stack `dev` shows this tree"
    rows = re.findall(r"^ \+\s+[│├└─ ]*(\S+)\s+(.+?)\s+create$", code_block(marker), re.M)
    shown = {(t, n) for t, n in rows if t != "pulumi:pulumi:Stack"}
    declared = {(display_type(r.type) if r.custom else r.type, r.name) for r in dev.registered}
    assert shown == declared
    count = int(re.search(rf"{re.escape(marker)} \((\d+) resources, counting the stack\)", README).group(1))
    assert count == len(dev.registered) + 1


def test_the_readme_revoke_preview_names_real_resources(dev: ProgramRun) -> None:
    preview = code_block("## Revoke a grant")
    rows = re.findall(r"^ [~-]\s+[│├└─ ]*(\S+)\s+(\S+)\s+(update|delete)", preview, re.M)
    assert rows == [
        ("azuread:index:Application", "client-reporting-app", "update"),
        ("azuread:index:AppRoleAssignment", "client-reporting-grant-app.read", "delete"),
    ]
    declared = {(display_type(r.type), r.name) for r in dev.registered if r.custom}
    assert {(t, n) for t, n, _ in rows} <= declared


def test_the_readme_rotation_points_at_the_runbook_not_a_replace() -> None:
    """`pulumi up --replace` deleted the old secret in the same run as it created the new one, so every
    caller failed until it had the new secret: the README gives the three-step runbook instead."""
    section = README.split("## Rotate a client secret", 1)[1].split("\n## ", 1)[0]
    assert "--replace" not in section
    assert "verify smoke --all-secrets" in section
    assert "[docs/operations.md](docs/operations.md)" in section


def test_the_readme_example_error_is_what_the_program_says() -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["routes"][0]["scopes"] = ["app.delete"]
    cfg["azuread:tenantId"] = "99999999-2222-3333-4444-555555555555"
    with pytest.raises(pulumi.RunError) as info:
        run_program(cfg)
    shown = code_block("A bad config stops here").strip().splitlines()
    actual = str(info.value).splitlines()
    assert shown[0] == f"error: {actual[0]}"
    assert shown[1] == actual[1]
    # The README shortens the GUIDs; the rest of the line is the program's.
    shortened = re.sub(r"'(\d)\1{3}[-0-9]+'", lambda m: f"'{m.group(1) * 4}…'", actual[2])
    assert shown[2] == shortened


def test_the_readme_test_command_is_what_ci_runs() -> None:
    command = re.search(r"^(uv run pytest)\s+# the test command", README, re.M).group(1)
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
