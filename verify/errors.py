"""Exit codes, and the errors that end a command with a message rather than a traceback.

The exit codes, the same for every command (``verify`` module docstring; ``--help`` prints them):
0 ok, 1 failed (a mismatch, a failed check or rule, an invalid stack config, a token request that
failed), 2 usage (bad arguments or unusable input), 3 a bug in verify, 4 could not check (the
identity server or the gateway cannot be reached or gives no answer within the timeout: nothing was
checked, so nothing failed). ``UsageError`` is not the
components' ``ConfigError``: that one says the *stack config* is invalid (``verify config``
reports it as findings, exit 1); this one says verify cannot run as asked.
"""

from __future__ import annotations

from typing import ClassVar, Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERNAL: Final = 3
EXIT_UNREACHABLE: Final = 4


class VerifyError(Exception):
    """Base class; the message is already free of secrets and tokens."""

    exit_code: ClassVar[int] = EXIT_FAILED

    def __init__(self, message: str, hints: list[str] | None = None) -> None:
        self.hints = hints or []
        super().__init__(message)


class UsageError(VerifyError):
    """Unusable input: arguments, stack outputs, the pulumi CLI call, a stack file that cannot be read."""

    exit_code: ClassVar[int] = EXIT_USAGE


class UnreachableError(VerifyError):
    """A server verify must ask cannot be reached (connection refused, no such host, no route, the
    connection lost before any answer) or gives no answer within the timeout: one line naming the
    URL and the network error, exit 4, so a pipeline tells "could not check" from "checked and
    failed". A server that answers badly is a
    finding instead (exit 1), and so is one route that times out behind a gateway that answers the
    others (``verify.smoke``)."""

    exit_code: ClassVar[int] = EXIT_UNREACHABLE

    def __init__(self, what: str, error: Exception) -> None:
        # HttpError.kind, read by name: errors.py stays free of the HTTP layer.
        verb = "gives no answer" if getattr(error, "kind", None) == "timeout" else "cannot be reached"
        super().__init__(f"could not check: {what} {verb}: {error}")
