"""A fake ``pulumi`` CLI for the trials tests: a standalone script over a JSON state file.

``install(bin_dir, state_file)`` puts an executable ``pulumi`` in ``bin_dir`` that runs this file
with ``python -I -S`` (standard library only: a call costs tens of milliseconds). Its state (the
stacks, their tags, resources and outputs, and a log of every call) lives in ``state_file``;
``load``/``save`` read and write it from the test.

The answers reproduce the real CLI's, from pulumi/pulumi's source (v3.259):

- ``stack ls --json``: ``[{name, current, lastUpdate?, updateInProgress?, resourceCount?, url?}]``
  (``pkg/cmd/pulumi/stack/stack_list.go``, ``stackSummaryJSON``; ``formatStackSummariesJSON``
  sets ``updateInProgress`` only when the backend ``SupportsProgress()`` - Pulumi Cloud - and then
  leaves ``lastUpdate`` out while an update runs). No tags.
- ``stack tag ls --json``: ``{"name": "value"}`` (``stack_tag.go``); self-managed backends add
  ``pulumi:project`` (``pkg/backend/diy/stack_tags.go``, ``updateStackTagsFromMetadata``).
- errors go to stderr as ``error: <message>`` with exit code 255 (``cmdutil``):
  ``no stack named '<name>' found`` (``pkg/backend/backenderr/backenderr.go``), ``a stack named
  <name> already exists`` (``pkg/backend/diy/backend.go``), the self-managed lock ``the stack is
  currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock
  file with `pulumi cancel`.`` plus one line per lock (``pkg/backend/diy/lock.go``,
  ``checkForLock``), Pulumi Cloud's ``[409] Conflict: Another update is currently in progress.``
  (``sdk/go/auto/errors.go``), and ``'<name>' still has resources; removal rejected.``
  (``pkg/cmd/pulumi/stack/stack_remove.go``).
- ``stack export``: ``{"version": 3, "deployment": {"manifest", "secrets_providers",
  "resources": [{urn, custom, id, type, inputs, outputs}]}}`` (``sdk/go/common/apitype/core.go``,
  ``UntypedDeployment``, ``DeploymentV3``, ``ResourceV3``).
- ``stack rm`` deletes ``Pulumi.<stack>.yaml`` in the working directory (``stack_remove.go``);
  without ``--remove-backups`` (since 3.188) a self-managed backend keeps the stack's checkpoint
  backups: the fake lists such stacks in ``kept_backups``.
- ``stack tag set`` validates like ``pkg/util/validation/stack.go`` (``ValidateStackTags``).
- ``stack init`` with the passphrase secrets provider reads the passphrase as
  ``pkg/secrets/passphrase/manager.go`` does: ``PULUMI_CONFIG_PASSPHRASE`` when it is *set*
  (``os.LookupEnv``: an empty value is a valid passphrase), else a non-empty
  ``PULUMI_CONFIG_PASSPHRASE_FILE``, else, non-interactive, ``passphrase must be set with
  PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables``. The stack
  records the passphrase it was made with (``passphrase``), so a test sees an empty one.

Like the azuread provider, ``destroy`` deletes each ``azuread:index/application:Application`` with
``DELETE /v1.0/applications/{objectId}`` on the Graph double when the state names one
(``graph_url``): Graph then holds it in deleted items, as Entra does.
"""

from __future__ import annotations

import json
import os
import sys
import time

# Annotations only: the script runs without importing pathlib or typing (a few ms per call).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

APPLICATION = "azuread:index/application:Application"
PROJECT = "b2c-apigw"


def install(bin_dir: Path, state_file: Path) -> Path:
    """Write the ``pulumi`` executable into ``bin_dir``; it reads and writes ``state_file``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / "pulumi"
    # Imported rather than run as a script, so that Python uses its cached bytecode.
    here = os.path.dirname(os.path.realpath(__file__))
    code = f"import sys; sys.path[:0] = [{here!r}]; import fake_pulumi; sys.exit(fake_pulumi.main())"
    exe.write_text(
        f'#!/bin/sh\nFAKE_PULUMI_STATE="{state_file}" exec "{sys.executable}" -I -S -c "{code}" "$@"\n',
        encoding="utf-8",
    )
    exe.chmod(0o755)
    if not state_file.exists():
        save(state_file, {"backend": "diy", "version": "v3.211.0", "stacks": {}, "log": []})
    return exe


def load(state_file: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(state_file.read_text(encoding="utf-8"))
    return data


def save(state_file: Path, state: dict[str, Any]) -> None:
    state_file.write_text(json.dumps(state, indent=1), encoding="utf-8")


def app_resource(object_id: str, name: str) -> dict[str, Any]:
    """An ``azuread.Application`` as ``stack export`` shows it (id ``/applications/<objectId>``)."""
    return {
        "urn": f"urn:pulumi:pr::{PROJECT}::azuread:index/application:Application::{name}",
        "custom": True,
        "id": f"/applications/{object_id}",
        "type": APPLICATION,
        "inputs": {"displayName": name},
        "outputs": {"objectId": object_id, "clientId": "c" + object_id[1:], "displayName": name},
    }


def other_resource(kind: str, name: str) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:pr::{PROJECT}::{kind}::{name}", "custom": True, "id": name, "type": kind}


def add_stack(
    state_file: Path,
    name: str,
    tags: dict[str, str] | None = None,
    *,
    apps: list[str] = (),  # type: ignore[assignment]
    **extra: Any,
) -> None:
    """A stack with the given tags, one Stack resource, a bucket and an application per object id.

    ``extra``: ``locked=True`` (an update is running; since ``locked_at``, an RFC 3339 time, else
    now), ``fail_destroy="message"``, ``outputs={...}``, ``renewed_tags={...}`` (merged into the
    tags after their first read, as a concurrent renewal would).
    """
    state = load(state_file)
    resources = [
        other_resource("pulumi:pulumi:Stack", f"{PROJECT}-{name}"),
        other_resource("aws:s3/bucket:Bucket", "b"),
    ]
    resources += [app_resource(object_id, f"app-{i}") for i, object_id in enumerate(apps)]
    state["stacks"][name] = {
        "tags": dict(tags or {}),
        "resources": resources,
        "outputs": {},
        "last_update": "2026-11-30T10:00:00Z",
        **extra,
    }
    save(state_file, state)


def mutations(state_file: Path) -> list[list[str]]:
    """The logged calls that change something (anything but reads)."""
    reads = (["version"], ["stack", "ls"], ["stack", "tag", "ls"], ["stack", "export"], ["stack", "output"])
    return [a for a in load(state_file).get("log", []) if not any(a[: len(r)] == r for r in reads)]


# --- the CLI ---------------------------------------------------------------------------------------


class Fail(Exception):
    pass


def _flag(args: list[str], name: str) -> str | None:
    if name in args:
        i = args.index(name)
        value = args[i + 1]
        del args[i : i + 2]
        return value
    return None


def _stack(state: dict[str, Any], args: list[str]) -> tuple[str, dict[str, Any]]:
    name = _flag(args, "--stack")
    if name is None:
        raise Fail("no stack selected; please use `pulumi stack select`")
    stack = state["stacks"].get(name)
    if stack is None:
        raise Fail(f"no stack named '{name}' found")
    return name, stack


def _locked(state: dict[str, Any], name: str, stack: dict[str, Any]) -> None:
    if not stack.get("locked"):
        return
    if state.get("backend") == "cloud":
        raise Fail("[409] Conflict: Another update is currently in progress.")
    # The lock's time, as Go's time.RFC3339 formats it: now (an update running), or `locked_at`.
    at = stack.get("locked_at") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    raise Fail(
        "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete "
        "the lock file with `pulumi cancel`.\n"
        f"  file:///state/.pulumi/locks/organization/{PROJECT}/{name}/5d1e0c6a.json: created by "
        f"runner@fv-az123 (pid 4242) at {at}"
    )


def _graph_delete(state: dict[str, Any], object_id: str) -> None:
    url = state.get("graph_url")
    if not url:
        return
    import urllib.error
    import urllib.request  # only here: it costs more start-up time than the rest of the script

    request = urllib.request.Request(  # noqa: S310  (the loopback double)
        f"{url}/v1.0/applications/{object_id}",
        method="DELETE",
        headers={"Authorization": f"Bearer {state.get('graph_token', 'azuread-provider-token')}"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5):
            pass
    except urllib.error.HTTPError as e:
        if e.code != 404:  # the provider counts an application already gone as deleted
            raise


def _passphrase() -> str:
    if "PULUMI_CONFIG_PASSPHRASE" in os.environ:
        return os.environ["PULUMI_CONFIG_PASSPHRASE"]
    path = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE", "")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    raise Fail(
        "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables"
    )


def run(state: dict[str, Any], args: list[str], out: list[str]) -> None:
    if "--non-interactive" in args:
        args.remove("--non-interactive")
    for flag in ("--color",):
        _flag(args, flag)
    if args == ["version"]:
        out.append(state.get("version", "v3.211.0"))
        return
    head = args[:2]
    if head == ["stack", "ls"]:
        cloud = state.get("backend") == "cloud"
        rows = []
        for name, s in state["stacks"].items():
            row: dict[str, Any] = {"name": name, "current": False}
            if s.get("last_update"):
                if cloud and s.get("locked"):
                    row["updateInProgress"] = True
                else:
                    row["lastUpdate"] = s["last_update"]
                    if cloud:
                        row["updateInProgress"] = False
            row["resourceCount"] = len(s.get("resources", []))
            rows.append(row)
        out.append(json.dumps(rows, indent=4))
        return
    if args[:3] == ["stack", "tag", "ls"]:
        _, s = _stack(state, args)
        # `renewed_tags`: what a concurrent `trials create` writes right after the first read.
        if "renewed_tags" in s:
            s["tag_reads"] = s.get("tag_reads", 0) + 1
            if s["tag_reads"] > 1:
                s["tags"] = {**s.get("tags", {}), **s.pop("renewed_tags")}
        out.append(json.dumps({"pulumi:project": PROJECT, **s.get("tags", {})}, indent=4))
        return
    if args[:3] == ["stack", "tag", "set"]:
        _, s = _stack(state, args)
        if state.get("fail_tag_set"):
            raise Fail(state["fail_tag_set"])
        name, value = args[3], args[4]
        # pkg/util/validation/stack.go: names ^[a-zA-Z0-9-_.:]{1,40}$, values at most 256 characters.
        if not name or len(name) > 40 or any(not (c.isascii() and (c.isalnum() or c in "-_.:")) for c in name):
            raise Fail("stack tag names may only contain alphanumerics, hyphens, underscores, periods, or colons")
        if len(value) > 256:
            raise Fail(f"stack tag {name!r} value is too long (max length 256 characters)")
        s.setdefault("tags", {})[name] = value
        return
    if head == ["stack", "init"]:
        name = args[2]
        if name in state["stacks"]:
            raise Fail(f"a stack named {name} already exists")
        provider = _flag(args, "--secrets-provider") or "passphrase"
        stack: dict[str, Any] = {"tags": {}, "resources": [], "outputs": {}}
        if provider == "passphrase":
            stack["passphrase"] = _passphrase()
        state["stacks"][name] = stack
        key = "encryptionsalt: v1:fake-salt" if provider == "passphrase" else f"secretsprovider: {provider}"
        with open(f"Pulumi.{name}.yaml", "w", encoding="utf-8") as f:
            f.write(key + "\n")
        out.append(f"Created stack '{name}'")
        return
    if head == ["stack", "export"]:
        _, s = _stack(state, args)
        deployment = {
            "manifest": {"time": "2026-12-01T08:00:00Z", "magic": "fake", "version": "v3.211.0"},
            "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:fake-salt"}},
            "resources": s.get("resources", []),
        }
        out.append(json.dumps({"version": 3, "deployment": deployment}, indent=4))
        return
    if head == ["stack", "output"]:
        _, s = _stack(state, args)
        outputs = s.get("outputs", {})
        names = [a for a in args[2:] if not a.startswith("--")]
        if names:
            value = outputs.get(names[0])
            out.append(json.dumps(value) if "--json" in args else str(value))
        else:
            shown = outputs if "--show-secrets" in args else {k: v for k, v in outputs.items() if k != "clients"}
            out.append(json.dumps(shown, indent=4))
        return
    if head == ["stack", "rm"]:
        remove_backups = "--remove-backups" in args
        if remove_backups:
            args.remove("--remove-backups")
        name, s = _stack(state, args)
        _locked(state, name, s)
        if s.get("resources"):
            raise Fail(f"'{name}' still has resources; removal rejected. Possible actions:")
        del state["stacks"][name]
        # The self-managed backend keeps .pulumi/backups/<project>/<stack>/ (checkpoints, with their
        # encrypted secrets) unless --remove-backups (pulumi 3.188+, stack_remove.go).
        if not remove_backups:
            state.setdefault("kept_backups", []).append(name)
        if os.path.exists(f"Pulumi.{name}.yaml"):
            os.remove(f"Pulumi.{name}.yaml")
        out.append(f"Stack '{name}' has been removed!")
        return
    if args[:1] == ["up"]:
        name, s = _stack(state, args)
        _locked(state, name, s)
        if s.get("fail_up"):
            raise Fail(s["fail_up"])
        # What the program would create: per stack, or for every stack (state-level up_*).
        default = [other_resource("pulumi:pulumi:Stack", f"{PROJECT}-{name}")]
        s["resources"] = s.get("up_resources", state.get("up_resources", default))
        s["outputs"] = s.get("up_outputs", state.get("up_outputs", {}))
        with open(f"Pulumi.{name}.yaml", encoding="utf-8") as f:
            s["config_seen"] = f.read()
        s["last_update"] = "2026-12-01T08:30:00Z"
        out.append("Updating (" + name + "):\nResources:\n    + " + str(len(s["resources"])) + " created")
        return
    if args[:1] == ["destroy"]:
        name, s = _stack(state, args)
        _locked(state, name, s)
        if s.get("fail_destroy"):
            raise Fail(s["fail_destroy"])
        for res in s.get("resources", []):
            # An external resource (read with .get) is only dropped from the state, never deleted.
            if res.get("type") == APPLICATION and not res.get("external"):
                _graph_delete(state, res["outputs"]["objectId"])
        count = len(s.get("resources", []))
        s["resources"], s["outputs"] = [], {}
        s["last_update"] = "2026-12-01T09:30:00Z"
        out.append(f"Destroying ({name}):\nResources:\n    - {count} deleted")
        return
    raise Fail(f"unknown command {' '.join(args)!r} (the fake pulumi does not know it)")


def main() -> int:
    path = os.environ["FAKE_PULUMI_STATE"]
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    args = sys.argv[1:]
    state.setdefault("log", []).append(list(args))
    out: list[str] = []
    try:
        run(state, list(args), out)
        code = 0
    except Fail as e:
        sys.stderr.write(f"error: {e}\n")
        code = 255
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
