"""``python -m trials {create,destroy,list,reap,comment}``; ``main(argv) -> int`` for tests."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NoReturn

import yaml

from trials import EXIT_FAILED, EXIT_OK, EXIT_USAGE, EXPIRES_TAG, PROTECT_TAG, TRIAL_TAG, comment, ops, stacklist
from trials.graph import Graph, GraphError
from trials.pulumi import MIN_VERSION, PASSPHRASE_VARIABLES, Pulumi, PulumiError
from trials.rules import TrialError, parse_ttl, stack_name

PROJECT_DIR: Final = Path(__file__).resolve().parent.parent
SAFETY: Final = f"""safety: a stack is touched only when its name is pr-<N>, it is tagged {TRIAL_TAG}=true and it
is not tagged {PROTECT_TAG}; one with an update in progress is skipped. Every decision is printed
with its reason.

environment: the Pulumi backend and secrets as Pulumi reads them (PULUMI_BACKEND_URL,
PULUMI_CONFIG_PASSPHRASE, AWS credentials for s3:// and awskms://); Pulumi CLI {".".join(map(str, MIN_VERSION))} or
later (stack tags on self-managed backends). Graph purge: ARM_TENANT_ID, ARM_CLIENT_ID and
ARM_CLIENT_SECRET or ARM_USE_OIDC=true (docs/pull-requests.md).

exit codes: {EXIT_OK} ok, {EXIT_FAILED} a create, verify, destroy or purge failed, {EXIT_USAGE} usage or config error"""


# Arguments at least this long that are not option names never appear in an error message: a
# secret or token pasted at the wrong place is that long; PR numbers, TTLs and names are not.
HIDE_FROM: Final = 16
HIDDEN: Final = "[hidden]"


class _Parser(argparse.ArgumentParser):
    """argparse echoes bad arguments in its errors; long ones (a pasted secret?) are hidden."""

    def __init__(self, *args: Any, hide: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hide = tuple(hide)

    def error(self, message: str) -> NoReturn:
        words = {w.split("=", 1)[-1] for w in self._hide if len(w) >= HIDE_FROM and not w.startswith("--")}
        words |= {w.split("=", 1)[1] for w in self._hide if w.startswith("--") and "=" in w and len(w) >= HIDE_FROM}
        for word in sorted(words, key=len, reverse=True):
            if len(word) >= 4:
                message = message.replace(repr(word), HIDDEN).replace(word, HIDDEN)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _pr(text: str) -> int:
    # Plain ASCII digits only: int() would also take "1_000", "+5", " 5" and other scripts' digits.
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"must be a pull request number, got {text!r}")
    value = int(text, 10)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive pull request number, got {text!r}")
    return value


def build_parser(hide: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; ``hide`` is the command line, whose long words stay out of error messages."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        hide=hide,
        prog="python -m trials",
        description="Short-lived trial stacks, one per pull request, that tear themselves down; and the "
        "sticky pull-request comments the workflows post.",
        epilog=SAFETY,
        formatter_class=fmt,
    )
    parser.add_argument("--cwd", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)

    class _SubParser(_Parser):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, hide=hide, **kwargs)

    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_SubParser)
    # Each subcommand's --help: `python -m trials create --help` and so on.

    c = sub.add_parser(
        "create",
        help="create or update stack pr-<N>, deploy it, verify it",
        description=f"Create stack pr-<N> (or update it when it exists and is a trial) from an example stack "
        "config overlaid with TRIAL_TENANT_ID, TRIAL_TENANT_NAME, TRIAL_TENANT_POLICY (optional), "
        f"TRIAL_UPSTREAM and TRIAL_AWS_REGION; tag it {TRIAL_TAG}=true and {EXPIRES_TAG}=<now + ttl>; run "
        "`pulumi up`, then `verify preflight` and `verify smoke --no-writes` on its outputs.",
        epilog=SAFETY,
        formatter_class=fmt,
    )
    c.add_argument("pr", type=_pr, metavar="PR_NUMBER", help="the pull request; the stack is pr-<PR_NUMBER>")
    c.add_argument("--ttl", default="72h", help="time to live from now: 90m, 72h, 7d (default 72h, at most 30d)")
    c.add_argument(
        "--from",
        dest="example",
        type=Path,
        default=Path("examples/b2c-minimal.yaml"),
        metavar="FILE",
        help="the example stack config under examples/ (default examples/b2c-minimal.yaml); must not set api.appIdUri",
    )
    c.add_argument(
        "--secrets-provider",
        metavar="URL",
        help="for a new stack: passphrase (default), or awskms://<key>?region=<r> and the like (pulumi stack init)",
    )
    c.add_argument("--summary-file", type=Path, metavar="FILE", help="write a Markdown summary for the PR comment")

    d = sub.add_parser(
        "destroy",
        help="destroy stack pr-<N>, purge its soft-deleted Azure applications, remove it",
        description="Destroy stack pr-<N>, then permanently delete (purge) the Azure applications its state "
        "named, read before the destroy, from the directory's deleted items, then remove the stack. A stack "
        "that does not exist is a clean no-op.",
        epilog=SAFETY,
        formatter_class=fmt,
    )
    d.add_argument("pr", type=_pr, metavar="PR_NUMBER", help="the pull request; the stack is pr-<PR_NUMBER>")
    d.add_argument("--purge-wait", type=float, default=120.0, metavar="S", help=argparse.SUPPRESS)

    sub.add_parser(
        "list", help="show every trial stack with its expiry and last update", epilog=SAFETY, formatter_class=fmt
    )

    r = sub.add_parser(
        "reap",
        help="destroy (as destroy does) every trial stack whose expires-at has passed",
        description=f"Destroy, purge and remove every trial stack whose {EXPIRES_TAG} has passed.",
        epilog=SAFETY,
        formatter_class=fmt,
    )
    r.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    r.add_argument("--purge-wait", type=float, default=120.0, metavar="S", help=argparse.SUPPRESS)

    st = sub.add_parser(
        "stacks",
        help="list the team's stacks from .github/stacks.yaml (for the workflows' matrix)",
        description="Read .github/stacks.yaml (stacks: [dev, prod]), check that each stack has its committed "
        "Pulumi.<stack>.yaml, print the list; with --github-output, also append stacks=<JSON list> and "
        "count=<n> to the file $GITHUB_OUTPUT names.",
        formatter_class=fmt,
    )
    st.add_argument("--file", type=Path, default=Path(".github/stacks.yaml"), help="default .github/stacks.yaml")
    st.add_argument("--github-output", action="store_true", help="append stacks= and count= to $GITHUB_OUTPUT")
    st.add_argument(
        "--previews",
        action="store_true",
        help="only the stacks previewed on pull requests: those not under deploy-only (production stacks)",
    )

    m = sub.add_parser(
        "comment",
        help="post or edit the one sticky comment of a stack on a pull request",
        description="Post FILE as the PR comment of (project, stack, kind), editing the earlier one when it "
        "exists: an HTML marker names them exactly, so stack dev never edits dev-tokyo's. Output longer than "
        "GitHub's 65536-character limit is cut in the middle with a note. GITHUB_API_URL, GITHUB_REPOSITORY "
        "and GITHUB_TOKEN come from the environment (GitHub Actions sets the first two).",
        formatter_class=fmt,
    )
    m.add_argument("--pr", type=_pr, required=True, metavar="N")
    m.add_argument("--stack", required=True, metavar="NAME")
    m.add_argument("--file", type=Path, required=True, help="the text to post (pulumi preview output, a summary)")
    m.add_argument("--kind", default="preview", help="preview (default) or trial: one comment per kind")
    m.add_argument("--title", help="the heading (default: `pulumi preview` on <project>/<stack>)")
    m.add_argument("--markdown", action="store_true", help="post FILE as Markdown instead of a diff block")
    m.add_argument("--author", metavar="LOGIN", help="edit only a comment written by LOGIN (github-actions[bot])")
    return parser


def _out(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass


def _project_name(cwd: Path) -> str:
    try:
        data = yaml.safe_load((cwd / "Pulumi.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        raise TrialError(f"no readable Pulumi.yaml in {cwd}") from None
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str):
        raise TrialError("Pulumi.yaml has no name")
    return name


def _verify(argv: Sequence[str]) -> int:
    from verify.cli import main as verify_main  # imported late: only create needs it

    # verify runs `pulumi stack output` with this process's environment: an empty passphrase
    # variable (an absent GitHub secret) goes, as it does for trials' own pulumi calls.
    for name in PASSPHRASE_VARIABLES:
        if name in os.environ and not os.environ[name].strip():
            del os.environ[name]
    return verify_main(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(hide=words)
    try:
        args = parser.parse_args(words)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    env = dict(os.environ)
    try:
        return _run(args, env)
    except TrialError as e:
        print(f"trials {args.command}: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (PulumiError, GraphError) as e:
        print(f"trials {args.command}: {e}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("trials: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, env: dict[str, str]) -> int:
    cwd: Path = args.cwd
    if args.command == "comment":
        return _comment(args, env, cwd)
    if args.command == "stacks":
        return _stacks(args, env, cwd)
    pulumi = Pulumi(cwd, _out, env=env)
    # Only create writes tags, where an older CLI fails on a self-managed backend ("stack tags not
    # supported in diy mode"); reading tags there answers none, so the other commands touch nothing.
    version = pulumi.version() if args.command == "create" else None
    if version is not None and version < MIN_VERSION:
        raise TrialError(
            f"Pulumi CLI {'.'.join(map(str, version))} is too old: trials needs {'.'.join(map(str, MIN_VERSION))} "
            "or later (stack tags on self-managed backends)"
        )
    wait = getattr(args, "purge_wait", 120.0)
    ctx = ops.Context(
        project_dir=cwd,
        pulumi=pulumi,
        graph=lambda: Graph(env, _out, wait=wait, interval=min(5.0, max(wait / 10, 0.01))),
        out=_out,
        now=lambda: datetime.now(UTC),
    )
    if args.command == "create":
        example = args.example if args.example.is_absolute() else cwd / args.example
        return ops.create(
            ctx,
            stack_name(args.pr),
            ttl=parse_ttl(args.ttl),
            example=example,
            env=env,
            secrets_provider=args.secrets_provider,
            verify=_verify,
            summary_file=args.summary_file,
        )
    if args.command == "destroy":
        return ops.destroy(ctx, stack_name(args.pr))
    if args.command == "list":
        return ops.list_trials(ctx)
    return ops.reap(ctx, dry_run=args.dry_run)


def _stacks(args: argparse.Namespace, env: dict[str, str], cwd: Path) -> int:
    path = args.file if args.file.is_absolute() else cwd / args.file
    names = stacklist.read(path, cwd, previews=args.previews)
    if names:
        _out(f"stacks{' previewed' if args.previews else ''} in {args.file}: {', '.join(names)}")
    elif args.previews:
        _out(f"no stacks to preview in {args.file} (none listed, or all deploy-only): nothing to preview")
    else:
        _out(f"no stacks listed in {args.file}: nothing to preview or deploy")
    if args.github_output:
        target = env.get("GITHUB_OUTPUT")
        if not target:
            raise TrialError("--github-output: GITHUB_OUTPUT is not set (GitHub Actions sets it)")
        with open(target, "a", encoding="utf-8") as f:
            f.write(stacklist.github_output(names))
    return EXIT_OK


def _comment(args: argparse.Namespace, env: dict[str, str], cwd: Path) -> int:
    project = _project_name(cwd)
    try:
        text = args.file.read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        raise TrialError(f"cannot read {args.file}: {e.strerror}") from None
    mark = comment.marker(project, args.stack, args.kind)
    title = args.title or f"`pulumi preview` on {project}/{args.stack}"
    body = comment.render(mark, title, text, code=not args.markdown)
    posted = comment.GitHub(env).upsert(args.pr, mark, body, author=args.author)
    _out(f"comment {posted.action} on PR #{args.pr} for {project}/{args.stack} ({args.kind}): {posted.url}")
    return EXIT_OK
