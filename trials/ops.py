"""The trial commands: create, destroy, list, reap. Every decision is printed with its reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from trials import EXIT_FAILED, EXIT_OK, EXPIRES_TAG, PURGE_TAG, TRIAL_TAG
from trials.graph import Graph, GraphError
from trials.pulumi import Pulumi, PulumiError, StackLocked, StackNotFound, application_object_ids, lock_times
from trials.rules import Action, TrialError, decide, format_time, guard, is_trial_name, short_name
from trials.stackfile import load_example, trial_config, write_stack_file

Printer = Callable[[str], None]
GraphFactory = Callable[[], Graph]
Verifier = Callable[[Sequence[str]], int]
# Tag values are at most 256 characters (pulumi/pulumi pkg/util/validation/stack.go, ValidateStackTags):
# the purge list is written only when it fits; ten applications take 369.
MAX_TAG_VALUE = 256
# A self-managed lock older than this is a crashed update's, not a running one's: the workflows'
# longest job (reap) times out after 2 hours.
STALE_LOCK = timedelta(hours=2)


@dataclass(frozen=True)
class Context:
    project_dir: Path
    pulumi: Pulumi
    graph: GraphFactory
    out: Printer
    now: Callable[[], datetime]


def _find(ctx: Context, stack: str) -> tuple[str, bool] | None:
    """The stack's name as ``stack ls`` spells it and whether an update is in progress, or ``None``."""
    for s in ctx.pulumi.list_stacks():
        if short_name(s.name) == stack:
            return s.name, s.update_in_progress
    return None


# --- create ----------------------------------------------------------------------------------------


def create(
    ctx: Context,
    stack: str,
    *,
    ttl: timedelta,
    example: Path,
    env: Mapping[str, str],
    secrets_provider: str | None,
    verify: Verifier,
    summary_file: Path | None,
) -> int:
    if example.resolve().parent != (ctx.project_dir / "examples").resolve():
        raise TrialError(f"--from must name a file in examples/, got {example}")
    config = trial_config(load_example(example), env, f"examples/{example.name}")
    found = _find(ctx, stack)
    expires = format_time(ctx.now() + ttl)
    if found is None:
        ctx.out(f"{stack}: creating the trial stack (expires at {expires})")
        ctx.pulumi.init(stack, secrets_provider)
    else:
        refusal = guard(found[0], ctx.pulumi.tags(found[0]))
        if refusal:
            raise TrialError(f"{stack} exists and is not a trial stack ({refusal}): refusing to update it")
        ctx.out(f"{stack}: updating the existing trial stack (expiry moves to {expires})")
    write_stack_file(ctx.project_dir / f"Pulumi.{stack}.yaml", config)
    # Tagged before `up`: a failed update still leaves a stack that reap will find and remove.
    try:
        ctx.pulumi.set_tag(stack, TRIAL_TAG, "true")
        ctx.pulumi.set_tag(stack, EXPIRES_TAG, expires)
    except PulumiError:
        if found is None:
            # An untagged stack is invisible to reap and destroy: remove the empty stack just made.
            ctx.out(f"{stack}: tagging failed; removing the empty stack just created")
            try:
                ctx.pulumi.remove(stack)
            except PulumiError as e:
                ctx.out(f"{stack}: FAILED to remove it too ({e}); remove it with `pulumi stack rm {stack}`")
        raise
    ctx.out(f"{stack}: tagged {TRIAL_TAG}=true {EXPIRES_TAG}={expires}; running pulumi up")

    def summary(status: str, api: str | None = None) -> None:
        if summary_file is None:
            return
        lines = [f"**Trial stack `{stack}`**: {status}", ""]
        if api:
            lines.append(f"- API: {api}")
        lines.append(
            f"- Expires: {expires} (then `trials reap` destroys it; closing the pull request or removing "
            "the `trial` label destroys it at once)"
        )
        summary_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # The repository's policy pack (docs/policy.md) guards trials as it guards every stack.
    pack = ctx.project_dir / "policy"
    try:
        ctx.pulumi.up(stack, pack if (pack / "PulumiPolicy.yaml").is_file() else None)
    except StackLocked:
        ctx.out(f"{stack}: FAILED: another update is in progress on the stack; run again when it has finished")
        summary("**not updated**: another update is in progress on the stack")
        return EXIT_FAILED
    except PulumiError as e:
        ctx.out(f"{stack}: FAILED: pulumi up: exit {e.code} (the output above says why)")
        summary("**`pulumi up` failed**: the job log says why")
        return EXIT_FAILED
    api = ctx.pulumi.run(["stack", "output", "apiUrl", "--stack", stack]).strip()
    ctx.out(f"{stack}: deployed; apiUrl {api}")
    failed = []
    for check in (["preflight", "--stack", stack], ["smoke", "--no-writes", "--stack", stack]):
        ctx.out(f"{stack}: python -m verify {' '.join(check)}")
        code = verify(check)
        if code != 0:
            ctx.out(f"{stack}: FAILED: verify {check[0]} exited {code}")
            failed.append(f"verify {check[0]}")
    if failed:
        summary(f"deployed, **{' and '.join(failed)} failed**: the job log says why", api)
        return EXIT_FAILED
    summary("deployed and verified (`verify preflight`, `verify smoke --no-writes`)", api)
    return EXIT_OK


# --- destroy -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    stack: str
    outcome: str
    """``destroyed``, ``absent``, ``skipped`` or ``failed``."""
    reason: str


def destroy_stack(ctx: Context, name: str, *, expired_only: bool = False) -> Result:
    """Destroy one trial stack, purge its applications, remove it.

    The tags are read here, just before the state is exported and the destroy starts, not taken
    from an earlier listing: a trial renewed (``trials create`` moves its expiry) or protected since
    is kept. ``expired_only`` (reap): destroy only when the fresh tags still say it expired.
    """
    try:
        tags = ctx.pulumi.tags(name)
        refusal = guard(name, tags)
        if refusal:
            return Result(name, "skipped", f"not a trial: {refusal}")
        if expired_only:
            d = decide(name, tags, ctx.now())
            if d.action is not Action.REAP:
                return Result(name, "skipped", f"changed since it was listed, not destroyed: {d.reason}")
        deployment = ctx.pulumi.export(name)
    except StackNotFound:
        return Result(name, "absent", "no such stack: nothing to do")
    except PulumiError as e:
        return Result(name, "failed", str(e))
    in_state = application_object_ids(deployment)
    # The purge tag also names applications an earlier, interrupted attempt destroyed (no longer in
    # the state): most are purged already, so they are looked up once, not polled.
    ids = in_state + [i for i in tags.get(PURGE_TAG, "").split() if i not in in_state]
    graph: Graph | None = None
    try:
        if ids:
            # Credentials are checked before anything is destroyed: a destroy whose purge cannot run
            # would leave soft-deleted applications nobody knows about.
            graph = ctx.graph()
            graph.check()
            listing = " ".join(ids)
            if len(listing) > MAX_TAG_VALUE:
                ctx.out(f"{name}: {len(ids)} application ids do not fit the {PURGE_TAG} tag: a failed purge lists them")
            elif tags.get(PURGE_TAG) != listing:
                ctx.pulumi.set_tag(name, PURGE_TAG, listing)
        ctx.out(f"{name}: pulumi destroy ({len(ids)} Azure application(s) to purge afterwards)")
        ctx.pulumi.destroy(name)
    except StackLocked as e:
        return _locked(ctx, name, e)
    except GraphError as e:
        return Result(name, "failed", f"not destroyed: {e}")
    except PulumiError as e:
        return Result(name, "failed", f"pulumi destroy failed (exit {e.code}): {_why(e.output)}; the stack is kept")
    if graph is not None:
        outcome = graph.purge(ids, just_deleted=in_state)
        if not outcome.ok:
            left = [i for i in ids if i not in outcome.purged and i not in outcome.already_gone]
            return Result(
                name,
                "failed",
                "destroyed, but the purge failed; the stack is kept so that destroy can be run again "
                f"(applications not purged: {' '.join(left)}): " + "; ".join(outcome.errors),
            )
    try:
        ctx.pulumi.remove(name)
    except PulumiError as e:
        return Result(name, "failed", f"destroyed and purged, but `pulumi stack rm` failed: {e}")
    return Result(name, "destroyed", f"destroyed, {len(ids)} application(s) purged, stack removed")


def _why(output: str) -> str:
    """The error lines of a failed command's output, not its last line (``Duration: 3s``)."""
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith("error:")]
    if errors:
        return " | ".join(errors[-3:])
    # No "error:" line: the last line that is not the update's footer.
    footer = ("Duration:", "Resources:", "View in Browser", "View Live:")
    rest = [ln for ln in lines if not ln.startswith(footer) and not re.match(r"^[-+~]?\s*\d+ \w+$", ln)]
    return (rest or lines or ["no output"])[-1]


def _locked(ctx: Context, name: str, e: StackLocked) -> Result:
    """Skipped while an update may be running; failed, with the way out, when the lock is stale."""
    times = lock_times(e.output)
    if times and ctx.now() - max(times) > STALE_LOCK:
        since = format_time(max(times))
        return Result(
            name,
            "failed",
            f"the stack has been locked since {since}, longer than any update runs: a crashed update left "
            f"its lock. If no update is running on it, remove the lock with `pulumi cancel --yes --stack "
            f"{short_name(name)}` and run again",
        )
    return Result(name, "skipped", "an update is in progress (the stack is locked); not destroyed, run again later")


def destroy(ctx: Context, stack: str) -> int:
    try:
        found = _find(ctx, stack)
    except PulumiError as e:
        ctx.out(f"{stack}: FAILED: {e}")
        return EXIT_FAILED
    if found is None:
        ctx.out(f"{stack}: no such stack: nothing to do")
        return EXIT_OK
    name, busy = found
    if busy:
        ctx.out(f"{stack}: skipped: an update is in progress; not destroyed, run again when it has finished")
        return EXIT_FAILED
    result = destroy_stack(ctx, name)
    _report(ctx, result)
    return EXIT_OK if result.outcome in ("destroyed", "absent") else EXIT_FAILED


def _report(ctx: Context, r: Result) -> None:
    label = {"destroyed": "destroyed", "absent": "nothing to do", "skipped": "skipped", "failed": "FAILED"}
    ctx.out(f"{r.stack}: {label[r.outcome]}: {r.reason}")


# --- list and reap -------------------------------------------------------------------------------


def list_trials(ctx: Context) -> int:
    now = ctx.now()
    rows = []
    for s in ctx.pulumi.list_stacks():
        tags = ctx.pulumi.tags(s.name) if is_trial_name(s.name) else {}
        if not is_trial_name(s.name) or tags.get(TRIAL_TAG) != "true":
            continue
        refusal = guard(s.name, tags)
        if refusal is not None:
            # A protected trial: shown, so that nobody wonders where it went, and marked.
            rows.append((s.name, tags.get(EXPIRES_TAG, "-"), s.last_update or "never", f"PROTECTED: {refusal}"))
            continue
        d = decide(s.name, tags, now, update_in_progress=s.update_in_progress)
        state = {Action.REAP: "EXPIRED", Action.KEEP: "active", Action.SKIP: "left alone"}[d.action]
        rows.append((s.name, tags.get(EXPIRES_TAG, "-"), s.last_update or "never", f"{state}: {d.reason}"))
    if not rows:
        ctx.out("no trial stacks")
        return EXIT_OK
    head = ("STACK", "EXPIRES AT", "LAST UPDATE", "STATE")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    for r in [head, *rows]:
        ctx.out("  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3])
    return EXIT_OK


def reap(ctx: Context, *, dry_run: bool) -> int:
    now = ctx.now()
    ctx.out(f"reap at {format_time(now)}{' (dry run: nothing is changed)' if dry_run else ''}")
    failed = 0
    for s in ctx.pulumi.list_stacks():
        # Only pr-<N> stacks have their tags read: any other name is left alone whatever it carries.
        try:
            tags = ctx.pulumi.tags(s.name) if is_trial_name(s.name) else {}
        except PulumiError as e:
            ctx.out(f"{s.name}: FAILED: cannot read its tags: {e}")
            failed += 1
            continue
        d = decide(s.name, tags, now, update_in_progress=s.update_in_progress)
        if d.action is not Action.REAP:
            ctx.out(f"{s.name}: {'left alone' if d.action is Action.SKIP else 'kept'}: {d.reason}")
            continue
        if dry_run:
            ctx.out(f"{s.name}: would destroy: {d.reason}")
            continue
        ctx.out(f"{s.name}: destroying: {d.reason}")
        result = destroy_stack(ctx, s.name, expired_only=True)
        _report(ctx, result)
        failed += result.outcome == "failed"
    if failed:
        ctx.out(f"reap: {failed} stack(s) failed; the others were handled")
        return EXIT_FAILED
    return EXIT_OK
