"""The README's "Get a token and call the API" block, run as written against the loopback doubles.

A stand-in ``pulumi`` on PATH answers ``pulumi stack output`` from the doubles' outputs the way the
CLI prints them (strings raw, objects as JSON, a secret-holding output as ``[secret]`` unless
``--show-secrets``); curl and jq are the real ones. So a quoting slip in the README — a newline
after the secret, a token that never reaches the header, an error body swallowed by a pipe — fails
here rather than in a newcomer's first hour.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.harness import READER_SECRET, Stack, assert_no_leaks, leaks
from tests.support.readme import code_block

FAKE_PULUMI = """\
import json, os, sys
args = sys.argv[1:]
if args[:2] != ["stack", "output"] or len(args) < 3:
    sys.exit(f"fake pulumi: unexpected arguments {args}")
outputs = json.load(open(os.environ["FAKE_PULUMI_OUTPUTS"]))
value = outputs[args[2]]
if args[2] == "clients" and "--show-secrets" not in args:
    print("[secret]")
elif isinstance(value, str):
    print(value)
else:
    print(json.dumps(value, indent=4))
"""


@pytest.fixture
def tools() -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have {missing} to run the README's curl block")
        pytest.skip(f"needs {missing}")


def run_block(script: str, stack: Stack, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(f"#!{sys.executable}\n{FAKE_PULUMI}", encoding="utf-8")
    pulumi.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_PULUMI_OUTPUTS": stack.write(),
    }
    return subprocess.run(  # noqa: S603 - our own script, run by bash from PATH
        ["bash", "-c", script],  # noqa: S607
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def statuses(output: str) -> list[int]:
    return [int(m) for m in re.findall(r"HTTP/[\d.]+ (\d{3}) ", output)]


@pytest.mark.usefixtures("tools")
def test_readme_token_and_calls_work_as_written(stack: Stack, tmp_path: Path) -> None:
    result = run_block(code_block("## Get a token and call the API", "bash"), stack, tmp_path)

    text = result.stdout + result.stderr
    assert "no token" not in text, text
    # reporting holds app.read: GET /posts 200, POST /posts 403, no token 401, the public route passes.
    assert statuses(result.stdout) == [200, 403, 401, 200], text
    assert [m for m, _ in stack.gateway.hits] == ["GET", "POST", "GET", "GET"]
    assert_no_leaks(text, stack.idp)


@pytest.mark.usefixtures("tools")
def test_readme_token_block_shows_the_token_endpoints_error(stack: Stack, tmp_path: Path) -> None:
    """A refused client must see B2C's AADB2C code, which is what the README tells them to look at."""
    wrong = READER_SECRET[::-1]
    stack.outputs["clients"]["reporting"]["clientSecret"] = wrong

    result = run_block(code_block("## Get a token and call the API", "bash"), stack, tmp_path)

    text = result.stdout + result.stderr
    assert "no token" in result.stderr
    assert "AADB2C90081" in text
    assert not leaks(text, [wrong], [])
    assert_no_leaks(text, stack.idp)
