"""The Pulumi CLI, as ``trials`` uses it: one subprocess per command, in the project directory.

The CLI rather than the Automation API: the Automation API drives the same CLI (``LocalWorkspace``
runs ``pulumi`` for every operation), and calling it directly keeps every command visible in the
job log and lets the tests put a fake ``pulumi`` on ``PATH``.

The backend and the secrets provider are the ones Pulumi itself reads (``PULUMI_BACKEND_URL`` or
``pulumi login``, ``PULUMI_CONFIG_PASSPHRASE``/``_FILE``, ``--secrets-provider`` at ``stack init``):
nothing here chooses one. ``PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true`` (Pulumi 3.134+) lets an
existing trial stack be updated from a fresh checkout, where its ``Pulumi.pr-<N>.yaml`` is absent:
Pulumi then takes the secrets provider from the stack's state instead of making a new one.

An empty ``PULUMI_CONFIG_PASSPHRASE`` (or ``PULUMI_CONFIG_PASSPHRASE_FILE``) is dropped from the
child's environment: GitHub Actions expands an absent secret to ``""``, and Pulumi takes a variable
that is set, even empty, as the passphrase (``pkg/secrets/passphrase/manager.go`` reads it with
``os.LookupEnv``), so a missing secret would silently encrypt a new stack's secrets with the empty
passphrase. Unset, Pulumi fails clearly ("passphrase must be set with PULUMI_CONFIG_PASSPHRASE or
PULUMI_CONFIG_PASSPHRASE_FILE environment variables") unless another secrets provider is in use.

Shapes, from pulumi/pulumi's source:

- ``stack ls --json``: a list of ``{name, current, lastUpdate?, updateInProgress?, resourceCount?,
  url?}`` (``pkg/cmd/pulumi/stack/stack_list.go``, ``stackSummaryJSON``); no tags. Backends that
  report progress (Pulumi Cloud) set ``updateInProgress``; the self-managed backend never does.
- ``stack tag ls --json``: an object of tag name to value (``stack_tag.go``). Self-managed
  backends support tags since 3.211.0 (CHANGELOG, "Add stack tags support for DIY backends").
- A running update: the self-managed backend refuses with ``the stack is currently locked by N
  lock(s)...`` (``pkg/backend/diy/lock.go``), Pulumi Cloud with ``[409] Conflict: Another update is
  currently in progress.``; the Automation API recognises both (``sdk/go/auto/errors.go``).
- A missing stack: ``no stack named '<name>' found`` (``pkg/backend/backenderr/backenderr.go``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

LOCKED_TEXTS: Final = ("the stack is currently locked by", "[409] Conflict: Another update is currently in progress")
NOT_FOUND_TEXT: Final = "no stack named"
MIN_VERSION: Final = (3, 211, 0)
PASSPHRASE_VARIABLES: Final = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")
QUICK_TIMEOUT: Final = 300.0
_TAIL: Final = 1500


class PulumiError(Exception):
    """A pulumi command failed; the message names the command and ends with its error output."""

    def __init__(self, command: Sequence[str], code: int, output: str) -> None:
        self.command = " ".join(["pulumi", *command])
        self.code = code
        self.output = output
        tail = output.strip()[-_TAIL:] or "no message"
        super().__init__(f"`{self.command}` failed (exit {code}): {tail}")


class StackNotFound(PulumiError):
    pass


class StackLocked(PulumiError):
    """An update is running on the stack (or a crashed one left its lock: ``pulumi cancel``)."""


@dataclass(frozen=True)
class StackSummary:
    name: str
    last_update: str | None
    update_in_progress: bool
    resource_count: int | None


Printer = Callable[[str], None]


class Pulumi:
    def __init__(
        self,
        cwd: Path,
        out: Printer,
        *,
        executable: str = "pulumi",
        env: Mapping[str, str] | None = None,
    ) -> None:
        found = shutil.which(executable)
        if found is None:
            raise PulumiError(
                ["version"], 127, f"the pulumi CLI ({executable}) is not on PATH: install Pulumi 3.211 or later"
            )
        self._exe = found
        self._cwd = cwd
        self._out = out
        base = child_environment(os.environ if env is None else env)
        base.setdefault("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER", "true")
        base.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
        self._env = base

    # --- running ---------------------------------------------------------------------------------

    def run(self, args: Sequence[str], *, stream: bool = False) -> str:
        """Run ``pulumi ARGS --non-interactive``; return stdout. ``stream``: echo output as it comes."""
        argv = [self._exe, *args, "--non-interactive"]
        if stream:
            return self._stream(args, argv)
        try:
            done = subprocess.run(  # noqa: S603  (fixed argv, no shell)
                argv,
                cwd=self._cwd,
                env=self._env,
                capture_output=True,
                text=True,
                errors="replace",
                stdin=subprocess.DEVNULL,
                timeout=QUICK_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PulumiError(args, -1, f"did not finish within {QUICK_TIMEOUT:.0f} s") from None
        if done.returncode != 0:
            raise _classify(args, done.returncode, done.stderr + done.stdout)
        return done.stdout

    def _stream(self, args: Sequence[str], argv: list[str]) -> str:
        lines: list[str] = []
        with subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
            argv,
            cwd=self._cwd,
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                lines.append(line)
                self._out(f"    {line}")
            code = proc.wait()
        text = "\n".join(lines)
        if code != 0:
            raise _classify(args, code, text)
        return text

    # --- commands ---------------------------------------------------------------------------------

    def version(self) -> tuple[int, int, int] | None:
        text = self.run(["version"]).strip().lstrip("v")
        parts = text.split("-", 1)[0].split(".")
        try:
            major, minor, patch = (int(p) for p in parts[:3])
        except ValueError:
            return None
        return major, minor, patch

    def list_stacks(self) -> list[StackSummary]:
        data = _json(self.run(["stack", "ls", "--json"]), "stack ls --json")
        if not isinstance(data, list):
            raise PulumiError(["stack", "ls", "--json"], 0, "the answer is not a JSON list")
        stacks = []
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                count = item.get("resourceCount")
                stacks.append(
                    StackSummary(
                        name=item["name"],
                        last_update=item.get("lastUpdate") if isinstance(item.get("lastUpdate"), str) else None,
                        update_in_progress=item.get("updateInProgress") is True,
                        resource_count=count if isinstance(count, int) else None,
                    )
                )
        return stacks

    def tags(self, stack: str) -> dict[str, str]:
        data = _json(self.run(["stack", "tag", "ls", "--json", "--stack", stack]), "stack tag ls --json")
        if not isinstance(data, dict):
            raise PulumiError(["stack", "tag", "ls"], 0, "the answer is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}

    def set_tag(self, stack: str, name: str, value: str) -> None:
        self.run(["stack", "tag", "set", name, value, "--stack", stack])

    def init(self, stack: str, secrets_provider: str | None) -> None:
        args = ["stack", "init", stack]
        if secrets_provider:
            args += ["--secrets-provider", secrets_provider]
        self.run(args)

    def export(self, stack: str) -> dict[str, Any]:
        data = _json(self.run(["stack", "export", "--stack", stack]), "stack export")
        if not isinstance(data, dict):
            raise PulumiError(["stack", "export"], 0, "the answer is not a JSON object")
        return data

    def up(self, stack: str, policy_pack: Path | None = None) -> None:
        """``pulumi up``; with ``policy_pack``, the pack's policies run too (``--policy-pack``), and the
        update previews first: with ``--skip-preview`` a stack policy would first run after the update
        created what it refuses (docs/policy.md, "Never `pulumi up --skip-preview`")."""
        args = ["up", "--yes", "--color", "never", "--stack", stack]
        if policy_pack is not None:
            args += ["--policy-pack", str(policy_pack)]
        else:
            args.insert(2, "--skip-preview")
        self.run(args, stream=True)

    def destroy(self, stack: str) -> None:
        self.run(["destroy", "--yes", "--skip-preview", "--color", "never", "--stack", stack], stream=True)

    def remove(self, stack: str) -> None:
        """``stack rm`` without ``--force``: Pulumi refuses while the stack still has resources.

        ``--remove-backups`` (Pulumi 3.188+): a self-managed backend otherwise keeps the stack's
        checkpoint backups, secrets (encrypted) included, in ``.pulumi/backups/`` for good."""
        self.run(["stack", "rm", "--yes", "--remove-backups", "--stack", stack])


# pkg/backend/diy/lock.go, checkForLock: one line per lock, "  <url>: created by <user>@<host>
# (pid <n>) at <time>", the time formatted with Go's time.RFC3339 ("Z" or a "+01:00" offset).
_LOCK_LINE: Final = re.compile(r": created by .* \(pid [^)]*\) at (\S+)\s*$", re.M)


def lock_times(output: str) -> list[datetime]:
    """When each lock named in a self-managed backend's lock error was taken (those that parse)."""
    times = []
    for m in _LOCK_LINE.finditer(output):
        try:
            moment = datetime.fromisoformat(m[1])
        except ValueError:
            continue
        if moment.tzinfo is not None:
            times.append(moment.astimezone(UTC))
    return times


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for a ``pulumi`` child, without passphrase variables that are set but empty."""
    return {k: v for k, v in env.items() if not (k in PASSPHRASE_VARIABLES and not v.strip())}


def _classify(args: Sequence[str], code: int, output: str) -> PulumiError:
    if any(text in output for text in LOCKED_TEXTS):
        return StackLocked(args, code, output)
    if NOT_FOUND_TEXT in output and "found" in output:
        return StackNotFound(args, code, output)
    return PulumiError(args, code, output)


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise PulumiError([what], 0, f"`pulumi {what}` did not answer JSON") from None


APPLICATION_TYPE: Final = "azuread:index/application:Application"


def application_object_ids(deployment: Mapping[str, Any]) -> list[str]:
    """The object ids of the ``azuread.Application`` resources in a ``stack export`` document.

    ``outputs.objectId`` when present, else the resource id ``/applications/<objectId>`` (the
    provider's id form since azuread 3.0). Order kept, duplicates dropped; resources marked
    ``external`` (looked up, not created by the stack) left out.
    """
    body = deployment.get("deployment")
    resources = body.get("resources") if isinstance(body, Mapping) else None
    ids: list[str] = []
    for res in resources if isinstance(resources, list) else []:
        # external: read with Application.get, not managed: the destroy leaves it, the purge must too
        # (apitype.ResourceV3, "external").
        if not isinstance(res, Mapping) or res.get("type") != APPLICATION_TYPE or res.get("external") is True:
            continue
        outputs = res.get("outputs")
        object_id = outputs.get("objectId") if isinstance(outputs, Mapping) else None
        if not isinstance(object_id, str) or not object_id:
            rid = res.get("id")
            object_id = rid.rsplit("/", 1)[-1] if isinstance(rid, str) and rid.startswith("/applications/") else None
        if object_id and object_id not in ids:
            ids.append(object_id)
    return ids
