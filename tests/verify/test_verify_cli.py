"""The command line: module entry, outputs from a file or the pulumi CLI, usage errors, no leaks."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.harness import ENTRA_SECRET, READER_SECRET, Stack, assert_no_leaks, call, leaks
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
    assert_no_leaks(done.stdout + done.stderr)
    for word in ("smoke", "preflight", "doctor", "exit codes:"):
        assert word in done.stdout


@pytest.mark.parametrize("command", ["smoke", "preflight", "doctor"])
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, command, "--help")
    assert r.code == 0
    assert "--outputs FILE" in r.out and "--stack NAME" in r.out and "--json" in r.out and "exit codes:" in r.out


def test_python_dash_m_verify_smoke_end_to_end(stack: Stack) -> None:
    done = run_module("smoke", "--outputs", stack.write(), "--timeout", "2", "--backoff-base", "0.01")
    assert done.returncode == 0, done.stderr
    assert "0 mismatch(es)" in done.stdout
    assert_no_leaks(done.stdout + done.stderr, stack.idp)


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys)
    assert r.code == 2
    assert "COMMAND" in r.err


def test_argparse_errors_do_not_echo_a_token(stack: Stack) -> None:
    token = stack.idp.mint(stack.idp.claims_for("x"))
    r = stack.run("doctor", token, "second-token-" + token)
    assert r.code == 2
    assert "unrecognized arguments" in r.err


def test_missing_and_malformed_outputs_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, "preflight", "--outputs", str(tmp_path / "nope.json"))
    assert r.code == 2
    assert "cannot read outputs file" in r.err

    bad = tmp_path / "bad.json"
    bad.write_text(f'{{"clients": {{"a": {{"clientSecret": "{READER_SECRET}"', encoding="utf-8")
    r = call(capsys, "preflight", "--outputs", str(bad))
    assert r.code == 2
    assert "is not JSON" in r.err


def test_outputs_files_in_the_encodings_windows_tools_write(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    # Windows PowerShell's `pulumi stack output --json --show-secrets > outputs.json` writes UTF-16.
    for encoding in ("utf-8-sig", "utf-16", "utf-32", "utf-16-le"):
        stack.path.write_bytes(json.dumps(stack.outputs).encode(encoding))
        r = call(capsys, "preflight", "--outputs", str(stack.path), idp=stack.idp)
        assert r.code == 0, (encoding, r.text)


def test_outputs_file_that_is_not_text_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"clientSecret": "' + READER_SECRET.encode() + b'\xff\xfe"}')
    r = call(capsys, "smoke", "--outputs", str(bad))
    assert r.code == 2, r.text
    assert "is not text in UTF-8, UTF-16 or UTF-32" in r.err


def test_outputs_missing_keys_are_listed_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "o.json"
    path.write_text(json.dumps({"apiUrl": "https://x", "routes": {"GETposts": []}}), encoding="utf-8")
    r = call(capsys, "smoke", "--outputs", str(path), "--json")
    assert r.code == 2
    assert "missing output(s): tokenUrl, issuer, audience, scope, clients" in r.err
    assert "'GETposts' is not a route key" in r.err
    assert r.json()["ok"] is False


PLAIN_HTTP = {
    "tokenUrl": "http://contosob2c.b2clogin.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token",
    "apiUrl": "http://localhost.example.com",
    "issuer": "http://10.1.2.3/tfp/x/B2C_1_susi/v2.0/",
}


def test_plain_http_is_refused_off_loopback(stack: Stack) -> None:
    for key, url in PLAIN_HTTP.items():
        saved, stack.outputs[key] = stack.outputs[key], url
        r = stack.run("smoke")
        assert r.code == 2, key
        assert f"{key} uses plain http://" in r.err and "over https only" in r.err
        stack.outputs[key] = saved
    assert stack.idp.log == [] and stack.gateway.hits == []  # no secret, no token sent


def test_plain_http_is_accepted_on_loopback(stack: Stack) -> None:
    stack.outputs["routes"] = {}  # nothing is called: only the outputs are checked
    for host in ("127.0.0.1", "127.8.9.10", "localhost", "[::1]"):
        stack.outputs["apiUrl"] = f"http://{host}:9/"
        assert stack.run("smoke").code == 0, host


@pytest.mark.parametrize(
    "args",
    [
        ["smoke", ENTRA_SECRET],
        ["smoke", f"--client-secret={ENTRA_SECRET}"],
        ["smoke", "--client-secret", ENTRA_SECRET],
        ["doctor", "--timeout", ENTRA_SECRET],
        ["doctor", f"--timeout={ENTRA_SECRET}"],
        [ENTRA_SECRET],
    ],
)
def test_argument_errors_never_echo_a_pasted_secret(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, *args)
    assert r.code == 2
    assert "error:" in r.err
    for i in range(len(ENTRA_SECRET) - 11):
        assert ENTRA_SECRET[i : i + 12] not in r.text
    assert "[redacted]" in r.err


def test_argument_errors_keep_short_arguments_and_option_names(capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, "smoke", "--timeout", "abc", "--backoff-base", "0.1")
    assert r.code == 2
    assert "'abc'" in r.err and "--timeout" in r.err


@pytest.mark.parametrize(
    ("option", "value"),
    [("--timeout", "0"), ("--timeout", "-1"), ("--timeout", "nan"), ("--timeout", "inf"), ("--attempts", "0")],
)
def test_numbers_out_of_range_are_usage_errors(option: str, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, "preflight", option, value)
    assert r.code == 2
    assert f"argument {option}: must be a number" in r.err


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


@pytest.fixture
def stdin_pipe() -> Iterator[None]:
    """File descriptor 0 is an open pipe nobody writes to: a child that inherits it and reads waits."""
    saved = os.dup(0)
    read_end, write_end = os.pipe()
    os.dup2(read_end, 0)
    os.close(read_end)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        os.close(saved)
        os.close(write_end)


def test_outputs_from_the_pulumi_cli_with_show_secrets_and_stack(
    stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin_pipe: None
) -> None:
    outputs, argv_file = tmp_path / "outputs.json", tmp_path / "argv.json"
    outputs.write_text(json.dumps(stack.outputs), encoding="utf-8")
    bindir = fake_pulumi(
        tmp_path,
        f"""
        import json, os, sys
        stdin_is_devnull = os.path.samestat(os.fstat(0), os.stat(os.devnull))
        open({str(argv_file)!r}, "w").write(json.dumps([stdin_is_devnull, sys.argv[1:]]))
        sys.stdout.write(open({str(outputs)!r}).read())
        """,
    )
    monkeypatch.setenv("PATH", str(bindir))
    assert call(capsys, "preflight", "--stack", "dev", idp=stack.idp).code == 0
    stdin_is_devnull, argv = json.loads(argv_file.read_text())
    assert argv == ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]
    assert stdin_is_devnull  # a CLI that would prompt fails instead of waiting for input


def test_pulumi_output_that_is_not_text_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = r"import sys; sys.stdout.buffer.write(b'{\"apiUrl\": \"\xff\xfe\xfd\"}')"
    monkeypatch.setenv("PATH", str(fake_pulumi(tmp_path, script)))
    r = call(capsys, "preflight")
    assert r.code == 2, r.text
    assert "is not text in UTF-8, UTF-16 or UTF-32" in r.err


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
    r = call(capsys, "smoke", "--stack", "prod")
    assert r.code == 2
    assert "failed (exit 255)" in r.err and "no stack named 'prod' found" in r.err

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    r = call(capsys, "smoke")
    assert r.code == 2
    assert "pulumi CLI is not on PATH" in r.err


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
    r = call(capsys, "smoke", idp=stack.idp)
    assert r.code == 2
    assert "--show-secrets" in r.err
    # preflight needs no secret: it runs.
    assert call(capsys, "preflight", idp=stack.idp).code == 0


def test_an_internal_error_prints_a_scrubbed_traceback(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # Registered nowhere: only the shape-based scrubbing of the exit-3 path can remove it.
    unknown = "Zq7Xw2Lm9Kp4Rt8Vb3Nc6Hd1Fg5Js0Ty"

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"unexpected, while holding {unknown} and client_secret {READER_SECRET}")

    monkeypatch.setattr(smoke, "run", boom)
    r = stack.run("smoke")
    assert r.code == 3
    assert "RuntimeError" in r.err and "internal error" in r.err
    assert unknown not in r.err and "[redacted]" in r.err


def test_a_closed_stdout_ends_quietly_with_the_commands_own_exit_code(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", Gone())
    code = main(["preflight", "--outputs", stack.write()])
    assert code == 0
    assert capsys.readouterr().err == ""  # no traceback, no "internal error"


def test_python_dash_m_verify_into_a_closed_pipe(stack: Stack) -> None:
    # `python -m verify smoke | head -0`: the reader is gone before the first line is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "verify", "preflight", "--outputs", stack.write(), "--timeout", "2"],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
            env=env,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_secret_given_as_outputs_file_is_not_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    r = call(capsys, "smoke", "--outputs", ENTRA_SECRET)
    assert (r.code, r.out) == (2, "")
    assert r.err == "verify smoke: cannot read outputs file [redacted]: No such file or directory\n"
    assert leaks(r.text, [ENTRA_SECRET], []) == []

    r = call(capsys, "preflight", f"--outputs={ENTRA_SECRET}", "--json")
    assert r.code == 2
    missing = "cannot read outputs file [redacted]: No such file or directory"
    assert r.json() == {"ok": False, "error": missing, "hints": []}
    assert leaks(r.text, [ENTRA_SECRET], []) == []


def test_a_secret_given_as_stack_is_not_echoed_nor_what_pulumi_prints_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI quotes the stack name back, the way `pulumi stack output` does for an unknown stack; the
    # second message puts it where the 800-character cut falls: cut before hiding, half of it would show.
    bindir = fake_pulumi(
        tmp_path,
        """
        import sys
        name = sys.argv[sys.argv.index("--stack") + 1]
        if len(name) > 20:
            sys.stderr.write(name + " " + "y" * 779 + "\\n")
        else:
            sys.stderr.write(f"error: no stack named '{name}' found\\n")
        sys.exit(255)
        """,
    )
    monkeypatch.setenv("PATH", str(bindir))
    r = call(capsys, "smoke", "--stack", ENTRA_SECRET)
    assert (r.code, r.out) == (2, "")
    shown = "pulumi stack output --json --show-secrets --stack [redacted]"
    assert r.err == f"verify smoke: `{shown}` failed (exit 255): [redacted] {'y' * 779}\n"
    assert leaks(r.text, [ENTRA_SECRET], []) == []

    name = "prod-" + "Q" * 16  # a stack name of 16+ characters is hidden too: it could be a secret
    r = call(capsys, "smoke", "--stack", name)
    assert r.err == (
        "verify smoke: `pulumi stack output --json --show-secrets --stack [redacted]` failed (exit 255): "
        "[redacted] " + "y" * 779 + "\n"
    )


def test_a_secret_given_as_client_is_not_echoed(stack: Stack) -> None:
    r = stack.run("doctor", "--client", ENTRA_SECRET)
    assert (r.code, r.out) == (2, "")
    assert r.err == "verify doctor: no client named '[redacted]' in the stack outputs (clients: reporting, writer)\n"
    assert leaks(r.text, [ENTRA_SECRET], []) == []


def test_short_arguments_stay_readable_in_messages(stack: Stack) -> None:
    r = stack.run("doctor", "--client", "nobody")
    assert r.err == "verify doctor: no client named 'nobody' in the stack outputs (clients: reporting, writer)\n"


def test_route_keys_the_program_refuses_are_unusable_outputs(tmp_path: Path, stack: Stack) -> None:
    stack.outputs["routes"] = {"FETCH /a//b": ["app.read"], "GET /a//b": ["app.read"], "GET /posts": ["app.read"]}
    r = stack.run("smoke")
    assert (r.code, r.out) == (2, "")
    methods = "ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    segments = (
        "segments are literal text, {name}, or a greedy {name+} as the last segment; no empty segments or trailing '/'"
    )
    assert r.err.splitlines()[1:] == [
        "  - routes: 'FETCH /a//b' is not a route key 'METHOD /path' the program deploys: "
        f"'FETCH /a//b' has an unknown method 'FETCH' (valid: {methods})",
        "  - routes: 'GET /a//b' is not a route key 'METHOD /path' the program deploys: "
        f"'GET /a//b' has an invalid path segment '' ({segments})",
    ]
    assert stack.idp.log == [] and stack.gateway.hits == []
