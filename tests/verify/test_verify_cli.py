"""The command line: module entry, outputs from a file or the pulumi CLI, usage errors, no leaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.verify.harness import READER_SECRET, Stack, assert_no_leaks
from verify import smoke
from verify.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "verify", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, env=env
    )


def test_python_dash_m_verify_help() -> None:
    done = run_module("--help")
    assert done.returncode == 0
    for word in ("smoke", "preflight", "doctor", "exit codes:"):
        assert word in done.stdout


@pytest.mark.parametrize("command", ["smoke", "preflight", "doctor"])
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--outputs FILE" in out and "--stack NAME" in out and "--json" in out and "exit codes:" in out


def test_python_dash_m_verify_smoke_end_to_end(stack: Stack) -> None:
    done = run_module("smoke", "--outputs", stack.write(), "--timeout", "2", "--backoff-base", "0.01")
    assert done.returncode == 0, done.stderr
    assert "0 mismatch(es)" in done.stdout
    assert_no_leaks(done.stdout + done.stderr, stack.idp)


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_argparse_errors_do_not_echo_a_token(stack: Stack) -> None:
    token = stack.idp.mint(stack.idp.claims_for("x"))
    r = stack.run("doctor", token, "second-token-" + token)
    assert r.code == 2
    assert "unrecognized arguments" in r.err


def test_missing_and_malformed_outputs_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight", "--outputs", str(tmp_path / "nope.json")]) == 2
    assert "cannot read outputs file" in capsys.readouterr().err

    bad = tmp_path / "bad.json"
    bad.write_text(f'{{"clients": {{"a": {{"clientSecret": "{READER_SECRET}"', encoding="utf-8")
    assert main(["preflight", "--outputs", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "is not JSON" in err and READER_SECRET not in err


def test_outputs_missing_keys_are_listed_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"apiUrl": "https://x", "routes": {"GETposts": []}}), encoding="utf-8")
    assert main(["smoke", "--outputs", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert "missing output(s): tokenUrl, issuer, audience, scope, clients" in captured.err
    assert "'GETposts' is not a route key" in captured.err
    assert json.loads(captured.out)["ok"] is False


def test_secret_placeholders_outside_client_secrets_stop_every_command(stack: Stack) -> None:
    stack.outputs["audience"] = "[secret]"
    r = stack.run("preflight")
    assert r.code == 2
    assert "--show-secrets" in r.err and "audience" in r.err


def fake_pulumi(tmp_path: Path, script: str) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "pulumi"
    exe.write_text(f"#!{sys.executable}\n" + textwrap.dedent(script), encoding="utf-8")
    exe.chmod(0o755)
    return bindir


def test_outputs_from_the_pulumi_cli_with_show_secrets_and_stack(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs, argv_file = tmp_path / "outputs.json", tmp_path / "argv.json"
    outputs.write_text(json.dumps(stack.outputs), encoding="utf-8")
    bindir = fake_pulumi(
        tmp_path,
        f"""
        import json, sys
        open({str(argv_file)!r}, "w").write(json.dumps(sys.argv[1:]))
        sys.stdout.write(open({str(outputs)!r}).read())
        """,
    )
    monkeypatch.setenv("PATH", str(bindir))
    assert main(["preflight", "--stack", "dev"]) == 0
    assert json.loads(argv_file.read_text()) == ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]
    assert_no_leaks(capsys.readouterr().out, stack.idp)


def test_pulumi_cli_failure_and_absence_are_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bindir = fake_pulumi(
        tmp_path,
        """
        import sys
        sys.stderr.write("error: no stack named 'prod' found\\n")
        sys.exit(255)
        """,
    )
    monkeypatch.setenv("PATH", str(bindir))
    assert main(["smoke", "--stack", "prod"]) == 2
    err = capsys.readouterr().err
    assert "failed (exit 255)" in err and "no stack named 'prod' found" in err

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["smoke"]) == 2
    assert "pulumi CLI is not on PATH" in capsys.readouterr().err


def test_pulumi_output_without_show_secrets_is_detected(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = json.loads(json.dumps(stack.outputs))
    for client in hidden["clients"].values():
        client["clientSecret"] = "[secret]"
    outputs = tmp_path / "hidden.json"
    outputs.write_text(json.dumps(hidden), encoding="utf-8")
    monkeypatch.setenv(
        "PATH", str(fake_pulumi(tmp_path, f"import sys; sys.stdout.write(open({str(outputs)!r}).read())"))
    )
    assert main(["smoke"]) == 2
    assert "--show-secrets" in capsys.readouterr().err
    # preflight needs no secret: it runs.
    assert main(["preflight"]) == 0


def test_an_internal_error_prints_a_scrubbed_traceback(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError(f"unexpected, while holding client_secret {READER_SECRET}")

    monkeypatch.setattr(smoke, "run", boom)
    r = stack.run("smoke")
    assert r.code == 3
    assert "RuntimeError" in r.err and "internal error" in r.err
    assert READER_SECRET not in r.err
