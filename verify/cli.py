"""Command line: ``uv run python -m verify {smoke,preflight,doctor,config}``; ``main(argv) -> int`` for tests."""

from __future__ import annotations

import argparse
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import IO, Any, NoReturn

from verify import doctor, outputs, preflight, report, smoke, stack_config
from verify.authorizer import DEFAULT_SKEW, bare_token
from verify.context import Context
from verify.errors import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    UsageError,
    VerifyError,
)
from verify.http import HttpClient, HttpSettings
from verify.idp import platform_for
from verify.redact import Redactor, hide_arguments, scrub_foreign
from verify.tokens import fetch_token

EXIT_CODES = f"""exit codes:
  {EXIT_OK}  ok: every call matched / every check passed / the token opens a protected route
  {EXIT_FAILED}  failed: a mismatch, a failed check, or a token every protected route rejects
  {EXIT_USAGE}  usage or config error: bad arguments, unusable outputs, pulumi CLI failure
  {EXIT_INTERNAL}  internal error in verify
  {EXIT_UNREACHABLE}  could not check: the identity server or the API cannot be reached or gives no answer within
     --timeout (one line names the URL)"""


CONFIG_EXIT_CODES = f"""exit codes:
  {EXIT_OK}  ok: the program's validator accepts every file
  {EXIT_FAILED}  failed: a file the program would refuse (its messages are printed)
  {EXIT_USAGE}  usage error: bad arguments, an unreadable file, no file to check
  {EXIT_INTERNAL}  internal error in verify"""


class _Parser(argparse.ArgumentParser):
    """argparse echoes bad arguments, and a misplaced argument may be a secret: hide them in errors.

    ``hide`` is the command line being parsed. Shape-based scrubbing alone is not enough: an Entra
    client secret such as ``aBcD...8Q~kLmN...`` has too few digits to look random.
    """

    def __init__(self, *args: Any, hide: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hide = tuple(hide)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        message = hide_arguments(message, self._hide, set(self._option_string_actions))
        self.exit(EXIT_USAGE, f"{self.prog}: error: {scrub_foreign(message)}\n")


def _number(kind: Callable[[str], float], minimum: float, *, inclusive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number >= (or >) ``minimum``."""

    def parse(text: str) -> float:
        value = kind(text)
        if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
            raise argparse.ArgumentTypeError(f"must be a number {'>=' if inclusive else '>'} {minimum:g}, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in "invalid float value"
    return parse


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in low..high."""

    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number {low}..{high}, got {value}")
        return value

    parse.__name__ = "int"  # argparse names the type in "invalid int value"
    return parse


def build_parser(hide: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The parser; ``hide`` is the command line, kept out of its error messages (``hide_arguments``)."""
    common = _Parser(add_help=False, hide=hide)
    src = common.add_argument_group("stack outputs (default: `pulumi stack output --json --show-secrets`)")
    src.add_argument("--stack", metavar="NAME", help="the Pulumi stack to read outputs from")
    src.add_argument(
        "--outputs",
        metavar="FILE",
        help="read outputs from FILE (written by `pulumi stack output --json --show-secrets`) instead of the CLI",
    )
    common.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    net = common.add_argument_group("HTTP")
    net.add_argument(
        "--timeout",
        type=_number(float, 0, inclusive=False),
        default=10.0,
        metavar="S",
        help="seconds per request, > 0 (default 10)",
    )
    net.add_argument(
        "--attempts",
        type=_number(int, 1, inclusive=True),
        default=4,
        metavar="N",
        help="tries per GET/HEAD/OPTIONS request and token request on 429/5xx/errors (4); other methods: 1",
    )
    net.add_argument(
        "--backoff-base",
        type=_number(float, 0, inclusive=True),
        default=0.5,
        metavar="S",
        help="first retry pause, doubling (0.5)",
    )

    parser = _Parser(
        prog=" ".join(outputs.COMMAND),
        description="Check a deployed b2c-apigw stack from the outside, as its clients see it.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        hide=hide,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    smk = sub.add_parser(
        "smoke",
        parents=[common],
        help="fetch a fresh token per client and check every route's status",
        description="Fetch a fresh token per client (client credentials grant) and call every route: 2xx where "
        "the client holds one of the route's scopes, 403 where none, 401 without a token, 401 with a forged one "
        "(403 on externalId/entraId, whose Lambda authorizer answers isAuthorized: false), "
        "2xx on public routes. Authorised calls reach the real upstream, writes included (POST/PUT/PATCH send "
        "{}, path parameters are 1): use a trial stack, or --no-writes.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        hide=hide,
    )
    smk.add_argument(
        "--no-writes",
        action="store_true",
        help="for routes other than GET/HEAD/OPTIONS, send only the calls the authorizer refuses (no token, "
        "tampered token, clients without the route's scopes); report the authorised ones as skipped",
    )
    smk.add_argument(
        "--all-secrets",
        action="store_true",
        help="also fetch a token with every other live secret of each client (clients.<name>.secrets), so a "
        "rotation's new secret is proven before the old one is removed",
    )
    smk.add_argument(
        "--concurrency",
        type=_bounded_int(1, smoke.MAX_CONCURRENCY),
        default=smoke.DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"requests in flight at once, 1..{smoke.MAX_CONCURRENCY} (default {smoke.DEFAULT_CONCURRENCY}); "
        "paced below the stage's throttle output when the outputs have one",
    )
    smk.add_argument(
        "--strict",
        action="store_true",
        help="require 2xx where 2xx is expected (by default an upstream 4xx other than 401/403/429 passes: "
        "the call got through the authorizer)",
    )
    pre = sub.add_parser(
        "preflight",
        parents=[common],
        help="check the issuer's discovery, keys and token endpoint",
        description="Check that <issuer>.well-known/openid-configuration is served, advertises exactly the "
        "configured issuer, points at RSA keys, and names the stack's tokenUrl. With --issuer and --token-url, "
        "no stack outputs are read: run it before the first `pulumi up`.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        hide=hide,
    )
    pre.add_argument("--issuer", metavar="URL", help="the issuer to check instead of the issuer output")
    pre.add_argument("--token-url", metavar="URL", help="the token endpoint to check instead of the tokenUrl output")
    doc = sub.add_parser(
        "doctor",
        parents=[common],
        help="decode a token and say which authorizer rule would reject it",
        description="Decode a token (header and claims; never the signature) and hold it against the stack's "
        "authorizer: iss, aud/client_id, exp/nbf/iat, kid and signature, and the routes its scopes open.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        hide=hide,
    )
    doc.add_argument("token", nargs="?", metavar="TOKEN", help="the access token, or - to read it from stdin")
    doc.add_argument("--client", metavar="NAME", help="fetch a fresh token with this client's credentials")
    doc.add_argument(
        "--clock-skew",
        type=_number(float, 0, inclusive=True),
        default=float(DEFAULT_SKEW),
        metavar="S",
        help=f"seconds of clock difference tolerated for exp/nbf/iat (default {DEFAULT_SKEW})",
    )
    cfg = sub.add_parser(
        "config",
        help="check stack config files offline with the program's own validator",
        description="Validate stack config files as `pulumi up` would, before anything is created, without the "
        "Pulumi CLI or a cloud: the program's own validator and messages. secure: values count as set with "
        "--secret; an environment: import and project-level values are reported as not checked offline. "
        "Without FILE: every Pulumi.<stack>.yaml of the current directory.",
        epilog=CONFIG_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        hide=hide,
    )
    cfg.add_argument("files", nargs="*", metavar="FILE", help="a stack config file, Pulumi.<stack>.yaml")
    cfg.add_argument(
        "--stack",
        metavar="NAME",
        help="the stack name to check the files as (default: <stack> of Pulumi.<stack>.yaml, else the file's stem)",
    )
    cfg.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    return parser


class _Printer:
    """Writes scrubbed lines; a reader that went away (``verify smoke | head``) ends the writing quietly."""

    def __init__(self, stream: IO[str], redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor
        self._gone = False

    def __call__(self, text: str) -> None:
        if self._gone:
            return
        try:
            self._stream.write(self._redactor.scrub(text) + "\n")
            self._stream.flush()
        except BrokenPipeError:
            self._gone = True
            # The recipe of Python's documentation ("Note on SIGPIPE", signal module): with the
            # descriptor on devnull, the interpreter's final flush at exit cannot raise again.
            # Defensive: CPython 3.11 already drops the unwritten data after the failed flush, and
            # the closed-pipe test passes without these lines.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self._stream.fileno())
                os.close(devnull)
            except (OSError, ValueError, AttributeError):
                pass  # not a real file (tests): nothing flushes it at exit


def main(argv: Sequence[str] | None = None) -> int:
    redactor = Redactor()
    out, err = _Printer(sys.stdout, redactor), _Printer(sys.stderr, redactor)
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(hide=words)
    try:
        args = parser.parse_args(words)
    except SystemExit as e:  # --help, or a usage error already printed
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    # Every message may quote an argument (a file name, a stack or client name, what the pulumi CLI
    # echoes back): the command line is hidden from all of them, as from argparse's.
    redactor.hide_arguments(words, option_names(parser))
    hidden = redactor.without_arguments
    try:
        return _run(args, redactor, out)
    except VerifyError as e:
        message = hidden(f"verify {args.command}: {e}")
        hints = [hidden(h) for h in e.hints]
        if args.json:
            out(report.to_json({"ok": False, "error": hidden(str(e)), "hints": hints}))
        err(message)
        for hint in hints:
            err(f"  hint: {hint}")
        return e.exit_code
    except KeyboardInterrupt:
        err("verify: interrupted")
        return 130
    except Exception:
        err(hidden(redactor.scrub_foreign(traceback.format_exc())))
        err("verify: internal error - a bug in verify; the traceback above has secrets and tokens removed")
        return EXIT_INTERNAL


def option_names(parser: argparse.ArgumentParser) -> set[str]:
    """Every option string of ``parser`` and its subcommands: the words ``hide_arguments`` keeps."""
    names: set[str] = set()
    for action in parser._actions:
        names.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names |= option_names(sub)
    return names


def _run(args: argparse.Namespace, redactor: Redactor, out: _Printer) -> int:
    if args.command == "config":
        checked = stack_config.run(args.files, args.stack)
        out(report.to_json(checked.as_dict()) if args.json else report.render_config(checked))
        return EXIT_OK if checked.ok else EXIT_FAILED
    token: str | None = None
    if args.command == "doctor":
        token = _doctor_token(args, redactor)
    settings = HttpSettings(timeout=args.timeout, attempts=args.attempts, backoff_base=args.backoff_base)
    if args.command == "preflight":
        return _preflight(args, redactor, out, settings)
    stack = outputs.load(args.outputs, args.stack, redactor)
    pool = args.concurrency if args.command == "smoke" else None
    with HttpClient(settings, pool_size=pool) as http:
        ctx = Context(stack, http, platform_for(stack), redactor)
        if args.command == "smoke":
            result = smoke.run(
                ctx,
                writes=not args.no_writes,
                strict=args.strict,
                all_secrets=args.all_secrets,
                concurrency=args.concurrency,
            )
            out(report.to_json(result.as_dict()) if args.json else report.render_smoke(result, stack))
            return EXIT_OK if result.ok else EXIT_FAILED
        client = None
        if token is None:
            client = stack.client(args.client)
            token = fetch_token(ctx, client)
        diagnosis = doctor.diagnose(ctx, token, skew=args.clock_skew, client=client)
        out(report.to_json(diagnosis.as_dict()) if args.json else report.render_doctor(diagnosis, stack))
        return diagnosis.exit_code


def _preflight(args: argparse.Namespace, redactor: Redactor, out: _Printer, settings: HttpSettings) -> int:
    """preflight with the stack's outputs, or with none when --issuer and --token-url say it all."""
    given = {k: v for k, v in (("--issuer", args.issuer), ("--token-url", args.token_url)) if v is not None}
    outputs.require_urls(given)
    stack = None
    if args.issuer is None or args.token_url is None:
        # preflight reads only the issuer and the token URL: an outputs file without the rest is fine.
        stack = outputs.load(args.outputs, args.stack, redactor, outputs.PREFLIGHT_REQUIRED)
    issuer = args.issuer or (stack.issuer if stack else "")
    token_url = args.token_url or (stack.token_url if stack else "")
    # The discoveryUrl output describes the stack's issuer, not one given as an option.
    discovery_output = stack.discovery_url if stack is not None and args.issuer is None else None
    with HttpClient(settings) as http:
        checks = preflight.run(http, platform_for(stack), issuer, token_url, discovery_output)
    out(report.to_json(checks.as_dict()) if args.json else report.render_preflight(checks))
    return EXIT_OK if checks.ok else EXIT_FAILED


def _doctor_token(args: argparse.Namespace, redactor: Redactor) -> str | None:
    if args.token and args.client:
        raise UsageError("give either TOKEN or --client NAME, not both")
    if not args.token and not args.client:
        raise UsageError("give a TOKEN (or - to read it from stdin) or --client NAME")
    if not args.token:
        return None
    raw = sys.stdin.read() if args.token == "-" else args.token  # noqa: S105  ("-" means stdin)
    token = bare_token(raw)
    redactor.add(raw.strip(), token)
    if not token:
        raise UsageError("no token given (stdin was empty)")
    return token
