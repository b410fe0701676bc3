"""Runs the authorizer package's handler in a subprocess that sees nothing but the package tree.

The subprocess is ``python -I -S -B driver.py <dir>``: ``-I`` ignores PYTHON* variables, the user
site and the script's directory, ``-S`` skips ``site`` (so no site-packages at all), ``-B`` writes
no ``__pycache__`` (Lambda's ``/var/task`` is read-only and the package carries no ``.pyc``, so
every cold start compiles the sources; the benchmark's cold figure includes that; and the tree,
run in place, stays as built); the driver then puts only the tree on ``sys.path``, as Lambda puts
``/var/task`` (the unzipped package) there. Every import the handler makes (PyJWT, cryptography,
cffi's backend) therefore comes from the package, or fails.

One subprocess serves the whole run (each test starts a "cold" container in it): the driver reads JSON lines on stdin —
``{"op": "cold", "env": {...}}`` starts a new "container" (sets the environment, drops every
``authorizer`` module so the next invocation re-reads its configuration and fetches keys afresh),
``{"op": "invoke", "event": {...}}`` calls ``authorizer.handler.handler`` — and answers one JSON
line each, with what the handler printed (its log lines) captured separately.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

DRIVER = r"""
import contextlib, importlib, io, json, os, sys, time
root = sys.argv[1]
sys.path.insert(0, root)
proto = sys.stdout
def reply(obj):
    proto.write(json.dumps(obj) + "\n")
    proto.flush()
for line in sys.stdin:
    request = json.loads(line)
    try:
        if request["op"] == "cold":
            for name in [m for m in sys.modules if m == "authorizer" or m.startswith("authorizer.")]:
                del sys.modules[name]
            for name in [n for n in os.environ if n.startswith("AUTHORIZER_")]:
                del os.environ[name]
            os.environ.update(request.get("env", {}))
            start = time.perf_counter()
            import authorizer.handler
            import jwt, cryptography
            loaded = ("authorizer", "jwt", "cryptography", "_cffi_backend")
            seconds = time.perf_counter() - start
            reply({"ok": True, "import_seconds": seconds,
                   "files": {m: sys.modules[m].__file__ for m in loaded if m in sys.modules},
                   "path": sys.path, "no_site": "site" not in sys.modules})
        elif request["op"] == "modules":
            here = os.path.join(root, "")
            reply({"modules": sorted(m for m, mod in list(sys.modules.items())
                                     if (getattr(mod, "__file__", None) or "").startswith(here))})
        elif request["op"] == "invoke":
            handler = sys.modules["authorizer.handler"].handler
            out = io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(out):
                response = handler(request["event"], None)
            reply({"response": response, "seconds": time.perf_counter() - start, "logs": out.getvalue().splitlines()})
        else:
            reply({"error": "unknown op"})
    except BaseException as e:
        reply({"error": f"{type(e).__name__}: {e}"})
"""


class ZipFunction:
    """The handler of a package tree, behind a ``python -I -S`` subprocess."""

    def __init__(self, root: Path, driver_dir: Path) -> None:
        driver = driver_dir / "driver.py"
        driver.write_text(DRIVER, encoding="utf-8")
        self.root = root
        self.logs: list[str] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(  # noqa: S603 (fixed argv)
            [sys.executable, "-I", "-S", "-B", str(driver), str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            cwd=root,
        )

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self._lock:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"driver died: {stderr[-2000:]}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"driver: {answer['error']}")
        return answer

    def cold(self, env: dict[str, str]) -> dict[str, Any]:
        """A new container: fresh configuration, empty key cache."""
        return self._ask({"op": "cold", "env": env})

    def modules(self) -> list[str]:
        """Every module loaded so far whose file lies in the package tree (the import audit)."""
        return list(self._ask({"op": "modules"})["modules"])

    def invoke(self, event: dict[str, Any]) -> Any:
        answer = self._ask({"op": "invoke", "event": event})
        self.logs.extend(answer["logs"])
        return answer["response"]

    def invoke_timed(self, event: dict[str, Any]) -> tuple[Any, float]:
        answer = self._ask({"op": "invoke", "event": event})
        self.logs.extend(answer["logs"])
        return answer["response"], float(answer["seconds"])

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


ROUTES: dict[str, list[str]] = {"GET /items": ["app.read"], "POST /items": ["app.write", "app.admin"]}
"""The route map the tests build into the package: route key -> roles, any one of which opens it."""
GATEWAY_ROUTES: dict[str, bool] = {"GET /items": True, "POST /items": True, "GET /health": False}
"""The gateway double's routes: the map's routes behind the authorizer, one public route."""
