"""``python -m verify``: check a deployed stack from the outside, the way its clients see it.

Four commands (``python -m verify <command> --help`` for the options):

- ``preflight``: is the issuer's OpenID discovery where API Gateway's JWT authorizer looks, does it
  advertise exactly the configured issuer, RSA keys and the token endpoint the stack uses?
- ``smoke``: fetch a fresh token per client, call every route (concurrently, paced below the
  stage's throttle) and compare each status with what the grants say it should be (2xx, 401, 403).
- ``doctor``: decode one token and hold it against the authorizer's rules, rule by rule.
- ``config``: check ``Pulumi.<stack>.yaml`` files offline with the program's own validator, before
  any ``pulumi up`` (no CLI, no cloud); exit 1 when the program would refuse one.

Exit codes, the same for every command:

- ``0`` (``EXIT_OK``): everything matched / every check passed / the token opens at least one
  protected route (or there are none).
- ``1`` (``EXIT_FAILED``): a smoke mismatch, a failed preflight check, a token that every
  protected route would reject (401 on all of them, or 403 on all of them), or a stack config
  file the program would refuse.
- ``2`` (``EXIT_USAGE``): bad arguments or unusable stack outputs (unreadable file, pulumi CLI
  failure, ``[secret]`` placeholders, unknown client, a plain ``http://`` URL off loopback, a
  stack config file that cannot be read).
- ``3`` (``EXIT_INTERNAL``): a bug in verify itself; the traceback is printed with secrets removed.
- ``4`` (``EXIT_UNREACHABLE``): could not check: the token endpoint, the issuer's discovery or the
  API cannot be reached at all (connection refused, no such host, no route); one line names the URL
  and the network error. A server that answers, however late or badly, is checked (0 or 1).

Nothing verify prints or raises carries a client secret or a token (see ``verify.redact``).
"""

from __future__ import annotations

from verify.errors import EXIT_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_UNREACHABLE", "EXIT_USAGE"]
