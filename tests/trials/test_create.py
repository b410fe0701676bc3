"""trials create: the stack config it writes, the tags, `pulumi up`, then verify on the outputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import fake_pulumi
from tests.support.harness import assert_no_leaks
from trials.cli import main

TRIAL_ENV = {
    "TRIAL_TENANT_ID": "99999999-8888-7777-6666-555555555555",
    "TRIAL_TENANT_NAME": "fabrikamtrials",
    "TRIAL_TENANT_POLICY": "B2C_1_trials",
    "TRIAL_UPSTREAM": "https://upstream.example.org",
    "TRIAL_AWS_REGION": "eu-central-1",
}


@pytest.fixture
def trial_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TRIAL_ENV.items():
        monkeypatch.setenv(name, value)


def run(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--cwd", str(project), *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def with_outputs(state_file: Path, outputs: dict[str, Any]) -> None:
    state = fake_pulumi.load(state_file)
    state["up_outputs"] = outputs
    fake_pulumi.save(state_file, state)


def test_create_deploys_tags_and_verifies_a_new_trial(
    project: Path,
    pulumi_state: Path,
    deployed: dict[str, Any],
    trial_env: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    with_outputs(pulumi_state, deployed)
    summary = tmp_path / "trial.md"
    before = datetime.now(UTC)

    code, out = run(
        capsys,
        project,
        "create",
        "7",
        "--ttl",
        "2h",
        "--secrets-provider",
        "awskms://alias/trials",
        "--summary-file",
        str(summary),
    )

    assert code == 0, out
    stack = fake_pulumi.load(pulumi_state)["stacks"]["pr-7"]
    assert stack["tags"]["b2c-apigw:trial"] == "true"
    expires = datetime.fromisoformat(stack["tags"]["b2c-apigw:expires-at"])
    assert timedelta(hours=2) - timedelta(seconds=5) <= expires - before <= timedelta(hours=2, seconds=5)
    # The config `pulumi up` saw: the example, overlaid with the repository's variables.
    seen = yaml.safe_load(stack["config_seen"])
    assert seen["secretsprovider"] == "awskms://alias/trials", "stack init's keys are kept"
    config = seen["config"]
    assert config["azuread:tenantId"] == TRIAL_ENV["TRIAL_TENANT_ID"]
    assert config["aws:region"] == "eu-central-1"
    assert config["b2c-apigw:tenant"] == {
        "name": "fabrikamtrials",
        "id": TRIAL_ENV["TRIAL_TENANT_ID"],
        "policy": "B2C_1_trials",
        "issuerFormat": "tfp",
    }
    assert config["b2c-apigw:api"]["upstream"] == "https://upstream.example.org"
    assert config["b2c-apigw:api"]["routes"], "the example's routes are kept"
    log = fake_pulumi.load(pulumi_state)["log"]
    assert ["stack", "init", "pr-7", "--secrets-provider", "awskms://alias/trials", "--non-interactive"] in log
    (up,) = [a for a in log if a[:1] == ["up"]]
    assert "--policy-pack" not in up, "this project copy has no policy pack"
    assert log.index(next(a for a in log if a[:1] == ["up"])) > log.index(
        next(a for a in log if a[:3] == ["stack", "tag", "set"])
    ), "tagged before up: a failed up still leaves a stack reap finds"
    # verify preflight and smoke --no-writes ran against the deployed doubles, and passed.
    assert "ok: every check passed" in out, "preflight ran and passed"
    assert "0 mismatch(es)" in out and "skipped  ok      not sent (--no-writes)" in out, "smoke --no-writes"
    assert "FAILED" not in out
    assert_no_leaks(out)
    text = summary.read_text()
    assert deployed["apiUrl"] in text and "deployed and verified" in text
    assert stack["tags"]["b2c-apigw:expires-at"] in text


def test_create_updates_an_existing_trial_and_moves_its_expiry(
    project: Path, pulumi_state: Path, deployed: dict[str, Any], trial_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "policy").mkdir()
    (project / "policy" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    fake_pulumi.add_stack(
        pulumi_state, "pr-7", {"b2c-apigw:trial": "true", "b2c-apigw:expires-at": "2026-01-01T00:00:00Z"}
    )
    with_outputs(pulumi_state, deployed)
    code, out = run(capsys, project, "create", "7")
    assert code == 0, out
    assert "updating the existing trial stack" in out
    state = fake_pulumi.load(pulumi_state)
    assert not [a for a in state["log"] if a[:2] == ["stack", "init"]]
    assert state["stacks"]["pr-7"]["tags"]["b2c-apigw:expires-at"] > "2026-12"
    (up,) = [a for a in state["log"] if a[:1] == ["up"]]
    assert up[up.index("--policy-pack") + 1] == str(project / "policy"), "the project's policy pack runs"
    assert "--skip-preview" not in up, "stack policies must run in a preview, before anything is created"


def test_create_refuses_to_update_a_stack_that_is_not_a_trial(
    project: Path, pulumi_state: Path, trial_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_pulumi.add_stack(pulumi_state, "pr-7", {"owner": "platform-team"})
    code, out = run(capsys, project, "create", "7")
    assert code == 2
    assert "pr-7 exists and is not a trial stack" in out and "not tagged b2c-apigw:trial=true" in out
    assert fake_pulumi.mutations(pulumi_state) == []


def test_create_fails_when_verify_fails(
    project: Path,
    pulumi_state: Path,
    deployed: dict[str, Any],
    trial_env: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # An issuer whose discovery document is not served: preflight must fail, and so must create.
    with_outputs(pulumi_state, {**deployed, "issuer": deployed["tokenUrl"].split("/oauth2")[0] + "/nowhere/v2.0/"})
    summary = tmp_path / "trial.md"
    code, out = run(capsys, project, "create", "7", "--summary-file", str(summary))
    assert code == 1
    assert "pr-7: FAILED: verify preflight exited 1" in out
    assert "**verify preflight failed**" in summary.read_text(), "the PR comment says so"


def test_a_failed_up_is_reported_in_the_summary_and_the_stack_stays_reapable(
    project: Path, pulumi_state: Path, trial_env: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake_pulumi.add_stack(pulumi_state, "pr-7", {"b2c-apigw:trial": "true"}, fail_up="provider refused")
    summary = tmp_path / "trial.md"
    code, out = run(capsys, project, "create", "7", "--summary-file", str(summary))
    assert code == 1
    assert "pr-7: FAILED: pulumi up" in out and "provider refused" in out
    assert "**`pulumi up` failed**" in summary.read_text()
    assert "b2c-apigw:expires-at" in fake_pulumi.load(pulumi_state)["stacks"]["pr-7"]["tags"]


def test_create_refuses_an_example_with_app_id_uri_and_missing_variables(
    project: Path, pulumi_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = yaml.safe_load((project / "examples" / "b2c-minimal.yaml").read_text())
    example["config"]["b2c-apigw:api"]["appIdUri"] = "https://contosob2c.onmicrosoft.com/orders"
    (project / "examples" / "fixed-uri.yaml").write_text(yaml.safe_dump(example))

    code, out = run(capsys, project, "create", "7", "--from", "examples/fixed-uri.yaml")

    assert code == 2
    assert "sets b2c-apigw:api.appIdUri" in out and "two trials would collide" in out
    for name in ("TRIAL_TENANT_ID", "TRIAL_TENANT_NAME", "TRIAL_UPSTREAM", "TRIAL_AWS_REGION"):
        assert name in out, "every missing variable is named at once"
    assert fake_pulumi.mutations(pulumi_state) == [], "nothing was created"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "0"], "positive pull request number"),
        (["create", "x7"], "must be a pull request number"),
        (["create", "1_000"], "must be a pull request number, got '1_000'"),
        (["create", "+5"], "must be a pull request number, got '+5'"),
        (["destroy", "٣"], "must be a pull request number"),
        (["create", "7", "--ttl", "3 weeks"], "--ttl must be a number followed by m, h or d"),
        (["create", "7", "--ttl", "31d"], "at most 30d"),
        (["create", "7", "--from", "/etc/passwd"], "--from must name a file in examples/"),
    ],
)
def test_bad_arguments_are_named(
    project: Path,
    pulumi_state: Path,
    trial_env: None,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, out = run(capsys, project, *argv)
    assert code == 2
    assert message in out


def test_help_of_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], *([c, "--help"] for c in ("create", "destroy", "list", "reap", "comment"))):
        capsys.readouterr()
        assert main(list(argv)) == 0
        out = capsys.readouterr().out
        assert out.startswith("usage: python -m trials")
    assert main(["reap", "--help"]) == 0
    assert "--dry-run" in capsys.readouterr().out


def test_a_too_old_pulumi_is_refused_before_anything_is_created(
    project: Path, pulumi_state: Path, trial_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fake_pulumi.load(pulumi_state)
    state["version"] = "v3.210.0"
    fake_pulumi.save(pulumi_state, state)
    code, out = run(capsys, project, "create", "7")
    assert code == 2
    assert "Pulumi CLI 3.210.0 is too old: trials needs 3.211.0 or later" in out
    assert fake_pulumi.mutations(pulumi_state) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "aBcD8Q~kLmNoPqRsTuVwXyZ0123456789"],
        ["create", "7", "--ttl", "aBcD8Q~kLmNoPqRsTuVwXyZ0123456789"],
        ["reap", "--dry-run=aBcD8Q~kLmNoPqRsTuVwXyZ0123456789"],
        ["destroy", "7", "aBcD8Q~kLmNoPqRsTuVwXyZ0123456789"],
    ],
)
def test_a_pasted_secret_is_never_echoed_by_a_usage_error(
    project: Path, pulumi_state: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out = run(capsys, project, *argv)
    assert code == 2
    assert "kLmNoPqRsTuVwXyZ" not in out
    assert "[hidden]" in out or "(not shown)" in out, "the message says a value was left out"


@pytest.mark.parametrize("variable", ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE"])
def test_an_empty_passphrase_variable_fails_clearly_instead_of_encrypting_with_an_empty_passphrase(
    project: Path,
    pulumi_state: Path,
    trial_env: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    # GitHub Actions expands an absent secret to "": Pulumi would take that as the passphrase.
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    monkeypatch.setenv(variable, "")
    code, out = run(capsys, project, "create", "7")
    assert code == 1, out
    assert "passphrase must be set with PULUMI_CONFIG_PASSPHRASE" in out
    assert "pr-7" not in fake_pulumi.load(pulumi_state)["stacks"], "no stack encrypted with an empty passphrase"


def test_a_set_passphrase_reaches_pulumi(
    project: Path, pulumi_state: Path, deployed: dict[str, Any], trial_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with_outputs(pulumi_state, deployed)
    code, out = run(capsys, project, "create", "7")
    assert code == 0, out
    assert fake_pulumi.load(pulumi_state)["stacks"]["pr-7"]["passphrase"] == "trial-stacks-passphrase"


def test_a_failed_tag_after_stack_init_removes_the_empty_stack(
    project: Path, pulumi_state: Path, trial_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fake_pulumi.load(pulumi_state)
    state["fail_tag_set"] = "stack tags not supported in diy mode"
    fake_pulumi.save(pulumi_state, state)
    code, out = run(capsys, project, "create", "7")
    assert code == 1
    assert "stack tags not supported in diy mode" in out and "removing the empty stack just created" in out
    assert "pr-7" not in fake_pulumi.load(pulumi_state)["stacks"], "no untagged stack that reap could never see"
    assert not [a for a in fake_pulumi.load(pulumi_state)["log"] if a[:1] == ["up"]]


@pytest.mark.parametrize("example", ["entraid.yaml", "externalid.yaml"])
def test_a_non_b2c_example_is_refused_up_front(
    project: Path, pulumi_state: Path, trial_env: None, capsys: pytest.CaptureFixture[str], example: str
) -> None:
    code, out = run(capsys, project, "create", "7", "--from", f"examples/{example}")
    assert code == 2
    assert f"examples/{example} is an example for tenant.platform" in out and "must name a B2C example" in out
    assert fake_pulumi.mutations(pulumi_state) == [], "refused before anything was created"
