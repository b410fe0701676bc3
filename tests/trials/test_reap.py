"""trials reap / destroy / list against the fake pulumi CLI and the Graph double.

One fleet of stacks covers every case the safety rules name; each test runs the tool once or twice
(a fake pulumi call costs ~30 ms), then checks what a user would notice: the printed decision and
reason per stack, the exit code, which stacks remain, and which Azure applications remain.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import fake_pulumi
from tests.support.fake_services import FakeGraph
from trials.cli import main

PAST = "2026-11-01T00:00:00Z"
FUTURE = "2999-01-01T00:00:00Z"
TRIAL = {"b2c-apigw:trial": "true"}
FAST = ["--purge-wait", "0.1"]


def run(capsys: pytest.CaptureFixture[str], project: Path, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--cwd", str(project), *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def line(text: str, stack: str) -> str:
    found = [ln for ln in text.splitlines() if ln.startswith(f"{stack}: ") and "pulumi destroy (" not in ln]
    assert found, f"no decision printed for {stack}:\n{text}"
    return found[-1]


@pytest.fixture
def fleet(pulumi_state: Path, graph: FakeGraph) -> dict[str, list[str]]:
    """Stacks of every kind; returns stack -> the object ids of its applications in the Graph double."""
    apps = {name: [graph.add_application(f"{name}-api"), graph.add_application(f"{name}-client")] for name in (
        "pr-1", "pr-2", "pr-3", "pr-4", "dev", "pr-5", "pr-6", "pr-7", "pr-8", "pr-9"
    )}  # fmt: skip
    stranger = graph.add_application("not-a-stack-at-all")
    apps["unrelated"] = [stranger]
    add = fake_pulumi.add_stack
    add(pulumi_state, "pr-1", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=apps["pr-1"])  # expired
    add(pulumi_state, "pr-2", {**TRIAL, "b2c-apigw:expires-at": FUTURE}, apps=apps["pr-2"])  # unexpired
    add(pulumi_state, "pr-3", {"b2c-apigw:expires-at": PAST}, apps=apps["pr-3"])  # untagged
    add(pulumi_state, "pr-4", {**TRIAL, "b2c-apigw:expires-at": PAST, "b2c-apigw:protect": "true"}, apps=apps["pr-4"])
    add(pulumi_state, "dev", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=apps["dev"])  # wrongly named
    add(pulumi_state, "pr-5", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=apps["pr-5"], locked=True)  # running
    add(pulumi_state, "pr-6", {**TRIAL, "b2c-apigw:expires-at": "next tuesday"}, apps=apps["pr-6"])  # unparseable
    add(pulumi_state, "pr-7", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=apps["pr-7"], fail_destroy="boom")
    # What pulumi destroy prints after a provider error: the footer comes last.
    fail_tail = (
        "boom\n    aws:s3:Bucket (b):\n      error: deleting S3 Bucket (b): BucketNotEmpty\n"
        "\nResources:\n    - 1 deleted\n\nDuration: 3s"
    )
    add(pulumi_state, "pr-10", {**TRIAL, "b2c-apigw:expires-at": PAST}, fail_destroy=fail_tail)
    add(pulumi_state, "pr-8", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=apps["pr-8"])  # expired too
    add(pulumi_state, "pr-9", {"b2c-apigw:trial": "yes", "b2c-apigw:expires-at": PAST}, apps=apps["pr-9"])
    state = fake_pulumi.load(pulumi_state)
    state["graph_url"] = graph.base
    fake_pulumi.save(pulumi_state, state)
    return apps


def test_reap_destroys_only_expired_trials_and_reports_every_decision(
    project: Path, pulumi_state: Path, graph: FakeGraph, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, project, "reap", *FAST)

    assert code == 1, "pr-7's destroy failed: the exit code says so"
    assert line(out, "pr-1").startswith("pr-1: destroyed:")
    assert line(out, "pr-8").startswith("pr-8: destroyed:"), "a failure before it did not stop the reap"
    assert "kept: expires at 2999-01-01T00:00:00Z" in line(out, "pr-2")
    assert "not tagged b2c-apigw:trial=true" in line(out, "pr-3")
    assert "tagged b2c-apigw:protect=true" in line(out, "pr-4")
    assert "name is not pr-<N>" in line(out, "dev")
    assert "update is in progress" in line(out, "pr-5")
    assert "'next tuesday' is not a UTC ISO 8601 time" in line(out, "pr-6")
    assert line(out, "pr-7").startswith("pr-7: FAILED: pulumi destroy failed (exit 255): error: boom")
    assert "error: deleting S3 Bucket (b): BucketNotEmpty" in line(out, "pr-10"), "the error, not Duration: 3s"
    assert "Duration" not in line(out, "pr-10")
    assert "tag='yes'" in line(out, "pr-9")
    assert "2 stack(s) failed" in out

    stacks = fake_pulumi.load(pulumi_state)["stacks"]
    assert sorted(stacks) == ["dev", "pr-10", "pr-2", "pr-3", "pr-4", "pr-5", "pr-6", "pr-7", "pr-9"]
    assert not fake_pulumi.load(pulumi_state).get("kept_backups"), "no checkpoint (with secrets) left behind"
    assert stacks["pr-5"]["resources"], "the locked stack was not destroyed"
    # The reaped stacks' applications are gone for good: neither live nor soft-deleted.
    for gone in fleet["pr-1"] + fleet["pr-8"]:
        assert gone not in graph.applications and gone not in graph.deleted
    # Nothing else in the directory was touched.
    untouched = [i for name, ids in fleet.items() if name not in ("pr-1", "pr-8") for i in ids]
    assert all(i in graph.applications for i in untouched)
    touched = {path.rsplit("/", 1)[-1] for _, path in graph.log if "/v1.0/" in path}
    assert touched <= set(fleet["pr-1"] + fleet["pr-8"])


def test_dry_run_prints_the_plan_and_changes_nothing(
    project: Path, pulumi_state: Path, graph: FakeGraph, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    before = fake_pulumi.load(pulumi_state)["stacks"]
    live = dict(graph.applications)

    code, out = run(capsys, project, "reap", "--dry-run")

    assert code == 0
    assert "dry run" in out
    assert line(out, "pr-1").startswith("pr-1: would destroy: expired at 2026-11-01T00:00:00Z")
    assert line(out, "pr-7").startswith("pr-7: would destroy")
    assert "name is not pr-<N>" in line(out, "dev")
    assert fake_pulumi.mutations(pulumi_state) == []
    assert fake_pulumi.load(pulumi_state)["stacks"] == before
    assert graph.applications == live and not graph.deleted
    assert not [entry for entry in graph.log if entry[0] != "GET"], "no Graph call at all but reads"


def test_list_shows_trials_with_expiry_and_last_update(
    project: Path, pulumi_state: Path, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, project, "list")
    assert code == 0
    rows = {ln.split()[0]: ln for ln in out.splitlines()[1:]}
    assert set(rows) == {"pr-1", "pr-2", "pr-4", "pr-5", "pr-6", "pr-7", "pr-8", "pr-10"}, "untagged, dev: not trials"
    assert "PROTECTED: it is tagged b2c-apigw:protect=true" in rows["pr-4"], "a protected trial is shown, marked"
    assert "2999-01-01T00:00:00Z" in rows["pr-2"] and "2026-11-30T10:00:00Z" in rows["pr-2"]
    assert "active" in rows["pr-2"] and "EXPIRED" in rows["pr-1"]
    assert fake_pulumi.mutations(pulumi_state) == []


def test_destroy_is_idempotent_and_a_missing_stack_is_a_clean_no_op(
    project: Path, pulumi_state: Path, graph: FakeGraph, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, project, "destroy", "2", *FAST)  # not expired: destroy does not wait for expiry
    assert code == 0, out
    assert "graph-token-" not in out and "gRaPh8Q~" not in out, "no token, no secret printed"
    assert "pr-2: destroyed: destroyed, 2 application(s) purged, stack removed" in out
    assert all(i not in graph.applications and i not in graph.deleted for i in fleet["pr-2"])

    code, out = run(capsys, project, "destroy", "2", *FAST)
    assert (code, out.strip()) == (0, "pr-2: no such stack: nothing to do")

    code, out = run(capsys, project, "destroy", "4242", *FAST)
    assert (code, out.strip()) == (0, "pr-4242: no such stack: nothing to do")


@pytest.mark.parametrize(("pr", "why"), [("3", "not tagged b2c-apigw:trial=true"), ("4", "b2c-apigw:protect=true")])
def test_destroy_refuses_a_stack_that_is_not_a_trial(
    project: Path,
    pulumi_state: Path,
    fleet: dict[str, list[str]],
    capsys: pytest.CaptureFixture[str],
    pr: str,
    why: str,
) -> None:
    code, out = run(capsys, project, "destroy", pr, *FAST)
    assert code == 1
    assert f"pr-{pr}: skipped: not a trial" in out and why in out
    assert fake_pulumi.mutations(pulumi_state) == []


def test_destroy_of_a_locked_stack_is_reported_and_not_run(
    project: Path, pulumi_state: Path, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, project, "destroy", "5", *FAST)
    assert code == 1
    assert "pr-5: skipped: an update is in progress (the stack is locked)" in out
    assert fake_pulumi.load(pulumi_state)["stacks"]["pr-5"]["resources"]


def test_an_external_application_in_the_state_is_neither_destroyed_nor_purged(
    project: Path, pulumi_state: Path, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    own, shared = graph.add_application("pr-13-api"), graph.add_application("shared-read-via-get")
    fake_pulumi.add_stack(pulumi_state, "pr-13", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=[own, shared])
    state = fake_pulumi.load(pulumi_state)
    state["graph_url"] = graph.base
    state["stacks"]["pr-13"]["resources"][-1]["external"] = True  # azuread.Application.get(...)
    fake_pulumi.save(pulumi_state, state)
    code, out = run(capsys, project, "destroy", "13", *FAST)
    assert code == 0, out
    assert own not in graph.applications and own not in graph.deleted
    assert shared in graph.applications, "an application the stack only read is left alone"
    assert not [e for e in graph.log if shared in e[1]], "not even looked up"
    assert fake_pulumi.load(pulumi_state)["stacks"].get("pr-13") is None


@pytest.mark.parametrize(
    ("renewal", "why"),
    [
        ({"b2c-apigw:expires-at": FUTURE}, "expires at 2999-01-01T00:00:00Z"),
        ({"b2c-apigw:protect": "true"}, "tagged b2c-apigw:protect=true"),
    ],
)
def test_reap_rechecks_the_tags_just_before_destroying(
    project: Path,
    pulumi_state: Path,
    capsys: pytest.CaptureFixture[str],
    renewal: dict[str, str],
    why: str,
) -> None:
    # Renewed (a push ran `trials create`) or protected between reap's listing and its destroy.
    fake_pulumi.add_stack(pulumi_state, "pr-3", {**TRIAL, "b2c-apigw:expires-at": PAST}, renewed_tags=renewal)
    code, out = run(capsys, project, "reap")
    assert code == 0, out
    assert "pr-3: destroying: expired at" in out, "the listing said expired"
    assert line(out, "pr-3").startswith("pr-3: skipped:") and why in line(out, "pr-3")
    assert fake_pulumi.mutations(pulumi_state) == [], "no destroy, no tag written"


@pytest.mark.parametrize("locked_at", ["2026-11-30T09:00:00Z", "2026-11-30T10:00:00+01:00"])
def test_a_stale_self_managed_lock_fails_the_reap_with_the_way_out(
    project: Path, pulumi_state: Path, capsys: pytest.CaptureFixture[str], locked_at: str
) -> None:
    # A crashed update's lock stays: reap must not report "skipped" and exit 0 on every run forever.
    fake_pulumi.add_stack(
        pulumi_state, "pr-5", {**TRIAL, "b2c-apigw:expires-at": PAST}, locked=True, locked_at=locked_at
    )
    fake_pulumi.add_stack(pulumi_state, "pr-8", {**TRIAL, "b2c-apigw:expires-at": PAST})
    code, out = run(capsys, project, "reap")
    assert code == 1
    failed = line(out, "pr-5")
    assert failed.startswith("pr-5: FAILED: the stack has been locked since 2026-11-30T09:00:00Z"), failed
    assert "`pulumi cancel --yes --stack pr-5`" in failed
    assert line(out, "pr-8").startswith("pr-8: destroyed:"), "the other stacks are still reaped"
    assert fake_pulumi.load(pulumi_state)["stacks"]["pr-5"]["resources"], "a locked stack is never destroyed"


def test_pulumi_cloud_update_in_progress_is_skipped_before_any_destroy(
    project: Path, pulumi_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_pulumi.add_stack(pulumi_state, "pr-5", {**TRIAL, "b2c-apigw:expires-at": PAST}, locked=True)
    state = fake_pulumi.load(pulumi_state)
    state["backend"] = "cloud"  # stack ls --json reports updateInProgress
    fake_pulumi.save(pulumi_state, state)

    code, out = run(capsys, project, "reap")
    assert code == 0
    assert "pr-5: left alone: an update is in progress" in out
    assert fake_pulumi.mutations(pulumi_state) == [], "not even a destroy was attempted"


def test_a_403_from_graph_names_the_permission_and_a_rerun_finishes_the_purge(
    project: Path, pulumi_state: Path, graph: FakeGraph, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    graph.forbidden = True
    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 1
    failed = line(out, "pr-1")
    assert "destroyed, but the purge failed" in failed
    assert "403" in failed and "Application.ReadWrite.OwnedBy" in failed and "Application.ReadWrite.All" in failed
    assert " ".join(fleet["pr-1"]) in failed, "the ids left are named"
    stack = fake_pulumi.load(pulumi_state)["stacks"]["pr-1"]
    assert stack["resources"] == [], "destroyed"
    assert stack["tags"]["b2c-apigw:purge"].split() == fleet["pr-1"], "the ids survive in a tag"

    graph.forbidden = False
    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 0, out
    assert "pr-1" not in fake_pulumi.load(pulumi_state)["stacks"]
    assert all(i not in graph.deleted for i in fleet["pr-1"])


def test_graph_throttling_is_retried(
    project: Path, pulumi_state: Path, graph: FakeGraph, fleet: dict[str, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    graph.throttle = 2
    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 0, out
    assert graph.throttle == 0 and all(i not in graph.deleted for i in fleet["pr-1"])


def test_an_already_purged_application_is_fine_and_replication_lag_is_waited_out(
    project: Path, pulumi_state: Path, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    purged = graph.add_application("purged-by-someone")  # in the state, gone from the directory
    del graph.applications[purged]
    lagging = graph.add_application("lagging")
    graph.lag = 1  # deleted items show it only on the second GET
    fake_pulumi.add_stack(pulumi_state, "pr-11", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=[purged, lagging])
    state = fake_pulumi.load(pulumi_state)
    state["graph_url"] = graph.base
    fake_pulumi.save(pulumi_state, state)

    code, out = run(capsys, project, "destroy", "11", "--purge-wait", "0.15")
    assert code == 0, out
    assert f"application {purged}: not in the directory nor in deleted items (already purged)" in out
    assert f"application {lagging}: purged from deleted items" in out
    assert not graph.applications and not graph.deleted


def test_ids_only_in_the_purge_tag_are_looked_up_once_not_polled(
    project: Path, pulumi_state: Path, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    # An earlier destroy ran and purged, then `stack rm` failed: the state is empty, the tag remains.
    gone = [graph.add_application("purged-a"), graph.add_application("purged-b")]
    for object_id in gone:
        del graph.applications[object_id]
    tags = {**TRIAL, "b2c-apigw:expires-at": PAST, "b2c-apigw:purge": " ".join(gone)}
    fake_pulumi.add_stack(pulumi_state, "pr-12", tags)
    code, out = run(capsys, project, "destroy", "12", "--purge-wait", "1")
    assert code == 0, out
    for object_id in gone:
        assert f"application {object_id}: not in the directory nor in deleted items (already purged)" in out
        item = [e for e in graph.log if e == ("GET", f"/v1.0/directory/deletedItems/{object_id}")]
        assert len(item) == 1, "one look, no 120 s poll for an id the destroy did not just delete"
    assert "pr-12" not in fake_pulumi.load(pulumi_state)["stacks"]


def test_an_application_still_live_after_destroy_is_an_error_and_never_purged(
    project: Path, pulumi_state: Path, graph: FakeGraph, capsys: pytest.CaptureFixture[str]
) -> None:
    survivor = graph.add_application("survivor")
    fake_pulumi.add_stack(pulumi_state, "pr-12", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=[survivor])
    # No graph_url in the fake's state: its destroy does not delete the application.
    code, out = run(capsys, project, "destroy", "12", *FAST)
    assert code == 1
    assert f"application {survivor} still exists" in out
    assert survivor in graph.applications
    assert ("DELETE", f"/v1.0/applications/{survivor}") not in graph.log


def test_credentials_are_checked_before_anything_is_destroyed_and_never_printed(
    project: Path,
    pulumi_state: Path,
    graph: FakeGraph,
    fleet: dict[str, list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARM_CLIENT_SECRET", "wRoNg8Q~notTheSecretAtAll0123456789abcd")
    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 1
    assert "pr-1: FAILED: not destroyed: the token endpoint refused the client secret" in out
    assert "AADSTS7000215" in out
    assert "wRoNg8Q~" not in out and "gRaPh8Q~" not in out
    assert fake_pulumi.load(pulumi_state)["stacks"]["pr-1"]["resources"], "nothing destroyed"


def test_oidc_federated_token_from_github_actions_is_the_client_assertion(
    project: Path,
    pulumi_state: Path,
    graph: FakeGraph,
    fleet: dict[str, list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    github: object,
) -> None:
    from tests.support.fake_services import FakeGitHub

    assert isinstance(github, FakeGitHub)
    graph.client_secret, graph.assertion = None, github.oidc_value
    monkeypatch.delenv("ARM_CLIENT_SECRET")
    monkeypatch.setenv("ARM_USE_OIDC", "true")
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", github.oidc_url)
    monkeypatch.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", github.oidc_request_token)

    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 0, out
    assert all(i not in graph.deleted for i in fleet["pr-1"])
    assert github.oidc_value.split(".")[1] not in out and github.oidc_request_token not in out
    assert "graph-token-" not in out, "Graph's access token is never printed"


def test_stack_export_shapes_give_the_application_object_ids(pulumi_state: Path) -> None:
    from trials.pulumi import application_object_ids

    fake_pulumi.add_stack(pulumi_state, "pr-1", TRIAL, apps=["aaaa-1", "bbbb-2"])
    deployment = {
        "version": 3,
        "deployment": {"resources": fake_pulumi.load(pulumi_state)["stacks"]["pr-1"]["resources"]},
    }
    # An application known only by its id (/applications/<objectId>) counts too.
    deployment["deployment"]["resources"][-1]["outputs"] = {}
    assert application_object_ids(json.loads(json.dumps(deployment))) == ["aaaa-1", "bbbb-2"]


@pytest.mark.parametrize(
    ("unset", "extra", "message"),
    [
        ("ARM_CLIENT_ID", {}, "ARM_CLIENT_ID not set: the Graph purge uses the azuread provider's credentials"),
        ("ARM_CLIENT_SECRET", {}, "neither ARM_CLIENT_SECRET nor ARM_USE_OIDC=true is set"),
        ("ARM_CLIENT_SECRET", {"ARM_USE_OIDC": "true"}, "ARM_USE_OIDC is true but no token source is set"),
        ("", {"TRIALS_GRAPH_URL": "http://graph.example.org"}, "TRIALS_GRAPH_URL must be an https:// URL"),
    ],
)
def test_missing_credentials_are_named_before_anything_is_destroyed(
    project: Path,
    pulumi_state: Path,
    graph: FakeGraph,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    unset: str,
    extra: dict[str, str],
    message: str,
) -> None:
    fake_pulumi.add_stack(pulumi_state, "pr-1", {**TRIAL, "b2c-apigw:expires-at": PAST}, apps=["aaaa"])
    if unset:
        monkeypatch.delenv(unset)
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 1
    assert message in line(out, "pr-1")
    assert fake_pulumi.mutations(pulumi_state) == [], "nothing destroyed, not even a tag written"
    assert not graph.log or all(path.endswith("/token") for _, path in graph.log)


def test_an_oidc_token_from_the_environment_is_used_as_it_is(
    project: Path,
    pulumi_state: Path,
    graph: FakeGraph,
    fleet: dict[str, list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph.client_secret, graph.assertion = None, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.ZmFrZXNpZ25hdHVyZQ"
    monkeypatch.delenv("ARM_CLIENT_SECRET")
    monkeypatch.setenv("ARM_USE_OIDC", "true")
    monkeypatch.setenv("ARM_OIDC_TOKEN", graph.assertion)
    code, out = run(capsys, project, "destroy", "1", *FAST)
    assert code == 0, out
    assert "ZmFrZXNpZ25hdHVyZQ" not in out
