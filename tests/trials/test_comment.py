"""trials comment: one sticky comment per project, stack and kind, against the GitHub REST double."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_services import FakeGitHub
from trials.cli import main

MARK_DEV = "<!-- b2c-apigw:sticky project=b2c-apigw stack=dev kind=preview -->"


def post(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path, stack: str, text: str, *extra: str
) -> tuple[int, str]:
    diff = tmp_path / f"{stack}.txt"
    diff.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = main(["--cwd", str(project), "comment", "--pr", "12", "--stack", stack, "--file", str(diff), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_one_comment_per_stack_edited_never_duplicated(
    project: Path, github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What pulumi/actions would collide on (issue 1165): dev's heading is a prefix of dev-tokyo's.
    assert post(capsys, project, tmp_path, "dev-tokyo", "+ tokyo v1")[0] == 0
    code, out = post(capsys, project, tmp_path, "dev", "+ dev v1")
    assert code == 0 and "comment created" in out
    code, out = post(capsys, project, tmp_path, "dev", "~ dev v2")
    assert code == 0 and "comment updated" in out

    bodies = [c["body"] for c in github.comments[12]]
    assert len(bodies) == 2
    assert bodies[0].startswith("<!-- b2c-apigw:sticky project=b2c-apigw stack=dev-tokyo kind=preview -->\n")
    assert "+ tokyo v1" in bodies[0], "dev's runs never touched dev-tokyo's comment"
    assert bodies[1].startswith(MARK_DEV + "\n#### `pulumi preview` on b2c-apigw/dev")
    assert "~ dev v2" in bodies[1] and "dev v1" not in bodies[1]
    assert github.token not in out


def test_the_earlier_comment_is_found_past_the_first_page(
    project: Path, github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.per_page_max = 2
    for n in range(5):
        github.add(12, f"a review remark {n}", login="octocat")
    github.add(12, f"{MARK_DEV}\n#### old", login="github-actions[bot]")  # the 6th comment: page 3
    code, out = post(capsys, project, tmp_path, "dev", "~ new", "--author", "github-actions[bot]")
    assert code == 0 and "comment updated" in out
    assert len(github.comments[12]) == 6
    assert "~ new" in github.comments[12][-1]["body"]
    assert sum(1 for m, p in github.log if m == "GET") == 3


def test_a_marker_written_by_someone_else_is_not_edited_with_author(
    project: Path, github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.add(12, f"{MARK_DEV}\nquoted by a human", login="mallory")
    code, out = post(capsys, project, tmp_path, "dev", "~ new", "--author", "github-actions[bot]")
    assert code == 0 and "comment created" in out
    assert github.comments[12][0]["body"] == f"{MARK_DEV}\nquoted by a human"


def test_a_long_diff_is_cut_with_a_note_and_keeps_its_summary(
    project: Path, github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [f"    + aws:apigatewayv2/route:Route r{n} create" for n in range(5000)]
    text = "\n".join(["Previewing update (dev):", *lines, "Resources:", "    + 5000 to create"])
    code, out = post(capsys, project, tmp_path, "dev", "\x1b[32m" + text + "\x1b[0m")
    assert code == 0, out
    body = github.comments[12][0]["body"]
    assert len(body) <= 65536
    assert "cut to fit GitHub's 65536-character comment limit" in body
    assert "line(s) left out" in body
    assert body.count("```diff") == 1 and body.rstrip().endswith("</details>")
    assert "Previewing update (dev):" in body and "    + 5000 to create" in body, "head and summary kept"
    assert "\x1b[" not in body


def test_a_refusal_names_the_permission(
    project: Path,
    github: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/else")
    code, out = post(capsys, project, tmp_path, "dev", "+ x")
    assert code == 2
    assert "GitHub answered 404" in out and "pull-requests: write" in out
    assert github.token not in out


def test_the_trial_comment_is_markdown_and_apart_from_the_previews(
    project: Path, github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert post(capsys, project, tmp_path, "pr-12", "+ preview of the trial stack")[0] == 0
    summary = "**Trial stack `pr-12`**: deployed and verified\n\n- API: https://abc.execute-api.eu-west-1.amazonaws.com"
    extra = ["--kind", "trial", "--markdown", "--title", "Trial stack pr-12"]
    assert post(capsys, project, tmp_path, "pr-12", summary, *extra)[0] == 0
    assert post(capsys, project, tmp_path, "pr-12", "**Trial stack `pr-12`**: destroyed", *extra)[0] == 0
    preview, trial = (c["body"] for c in github.comments[12])
    assert "kind=preview" in preview.splitlines()[0] and "+ preview of the trial stack" in preview
    assert trial.startswith(
        "<!-- b2c-apigw:sticky project=b2c-apigw stack=pr-12 kind=trial -->\n#### Trial stack pr-12"
    )
    assert "destroyed" in trial and "```" not in trial


def test_a_comment_edited_in_the_browser_with_crlf_is_still_found(
    project: Path, github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    github.add(12, f"{MARK_DEV}\r\n#### old\r\nedited by hand", login="github-actions[bot]")
    code, out = post(capsys, project, tmp_path, "dev", "~ new", "--author", "github-actions[bot]")
    assert code == 0 and "comment updated" in out
    assert len(github.comments[12]) == 1 and "~ new" in github.comments[12][0]["body"]
