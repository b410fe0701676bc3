"""Command line: ``python -m verify {smoke,preflight,doctor}``; ``main(argv) -> int`` for tests."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import IO, Any, NoReturn

from verify import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, doctor, outputs, preflight, report, smoke
from verify.authorizer import DEFAULT_SKEW, bare_token
from verify.errors import ConfigError
from verify.http import HttpClient, HttpSettings
from verify.idp import platform_for
from verify.redact import Redactor, scrub_foreign
from verify.tokens import TokenError, fetch_token

EXIT_CODES = f"""exit codes:
  {EXIT_OK}  ok: every call matched / every check passed / the token opens a protected route
  {EXIT_FAILED}  failed: a mismatch, a failed check, or a token every protected route rejects
  {EXIT_USAGE}  usage or config error: bad arguments, unusable outputs, pulumi CLI failure
  {EXIT_INTERNAL}  internal error in verify"""


class _Parser(argparse.ArgumentParser):
    """argparse echoes bad arguments, and a misplaced argument may be a token: scrub its messages."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {scrub_foreign(message)}\n")


def _positive(kind: type[float] | type[int]) -> Any:
    def parse(text: str) -> float | int:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    src = common.add_argument_group("stack outputs (default: `pulumi stack output --json --show-secrets`)")
    src.add_argument("--stack", metavar="NAME", help="the Pulumi stack to read outputs from")
    src.add_argument(
        "--outputs",
        metavar="FILE",
        help="read outputs from FILE (written by `pulumi stack output --json --show-secrets`) instead of the CLI",
    )
    common.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    net = common.add_argument_group("HTTP")
    net.add_argument("--timeout", type=_positive(float), default=10.0, metavar="S", help="per request (default 10)")
    net.add_argument(
        "--attempts", type=_positive(int), default=4, metavar="N", help="tries per request on 429/5xx/errors (4)"
    )
    net.add_argument(
        "--backoff-base", type=_positive(float), default=0.5, metavar="S", help="first retry pause, doubling (0.5)"
    )

    parser = _Parser(
        prog="python -m verify",
        description="Check a deployed b2c-apigw stack from the outside, as its clients see it.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "smoke",
        parents=[common],
        help="fetch a fresh token per client and check every route's status",
        description="Fetch a fresh token per client (client credentials grant) and call every route: 2xx where "
        "the client holds one of the route's scopes, 403 where none, 401 without a token or with a forged one, "
        "2xx on public routes.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_parser(
        "preflight",
        parents=[common],
        help="check the issuer's discovery, keys and token endpoint",
        description="Check that <issuer>.well-known/openid-configuration is served, advertises exactly the "
        "configured issuer, points at RSA keys, and names the stack's tokenUrl.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    doc = sub.add_parser(
        "doctor",
        parents=[common],
        help="decode a token and say which authorizer rule would reject it",
        description="Decode a token (header and claims; never the signature) and hold it against the stack's "
        "authorizer: iss, aud/client_id, exp/nbf/iat, kid and signature, and the routes its scopes open.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    doc.add_argument("token", nargs="?", metavar="TOKEN", help="the access token, or - to read it from stdin")
    doc.add_argument("--client", metavar="NAME", help="fetch a fresh token with this client's credentials")
    doc.add_argument(
        "--clock-skew",
        type=_positive(float),
        default=float(DEFAULT_SKEW),
        metavar="S",
        help=f"seconds of clock difference tolerated for exp/nbf/iat (default {DEFAULT_SKEW})",
    )
    return parser


class _Printer:
    def __init__(self, stream: IO[str], redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor

    def __call__(self, text: str) -> None:
        self._stream.write(self._redactor.scrub(text) + "\n")
        self._stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    redactor = Redactor()
    out, err = _Printer(sys.stdout, redactor), _Printer(sys.stderr, redactor)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help, or a usage error already printed
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        return _run(args, redactor, out)
    except (ConfigError, TokenError) as e:
        message = f"verify {args.command}: {e}"
        hints = getattr(e, "hints", [])
        if args.json:
            out(report.to_json({"ok": False, "error": str(e), "hints": hints}))
        err(message)
        for hint in hints:
            err(f"  hint: {hint}")
        return EXIT_USAGE if isinstance(e, ConfigError) else EXIT_FAILED
    except KeyboardInterrupt:
        err("verify: interrupted")
        return 130
    except Exception:
        err(redactor.scrub_foreign(traceback.format_exc()))
        err("verify: internal error - a bug in verify; the traceback above has secrets and tokens removed")
        return EXIT_INTERNAL


def _run(args: argparse.Namespace, redactor: Redactor, out: _Printer) -> int:
    token: str | None = None
    if args.command == "doctor":
        token = _doctor_token(args, redactor)
    stack = outputs.load(args.outputs, args.stack, redactor)
    platform = platform_for(stack)
    settings = HttpSettings(timeout=args.timeout, attempts=max(1, args.attempts), backoff_base=args.backoff_base)
    with HttpClient(settings) as http:
        if args.command == "smoke":
            result = smoke.run(stack, http, platform, redactor)
            out(report.to_json(result.as_dict()) if args.json else report.render_smoke(result, stack))
            return EXIT_OK if result.ok else EXIT_FAILED
        if args.command == "preflight":
            checks = preflight.run(stack, http, platform)
            out(report.to_json(checks.as_dict()) if args.json else report.render_preflight(checks))
            return EXIT_OK if checks.ok else EXIT_FAILED
        client = None
        if token is None:
            client = stack.client(args.client)
            token = fetch_token(
                http, stack.token_url, client.client_id, stack.secret_of(client), stack.scope, platform, redactor
            )
        diagnosis = doctor.diagnose(token, stack, http, platform, skew=args.clock_skew, client=client)
        out(report.to_json(diagnosis.as_dict()) if args.json else report.render_doctor(diagnosis, stack))
        return diagnosis.exit_code


def _doctor_token(args: argparse.Namespace, redactor: Redactor) -> str | None:
    if args.token and args.client:
        raise ConfigError("give either TOKEN or --client NAME, not both")
    if not args.token and not args.client:
        raise ConfigError("give a TOKEN (or - to read it from stdin) or --client NAME")
    if not args.token:
        return None
    raw = sys.stdin.read() if args.token == "-" else args.token  # noqa: S105  ("-" means stdin)
    token = bare_token(raw)
    redactor.add(raw.strip(), token)
    if not token:
        raise ConfigError("no token given (stdin was empty)")
    return token
