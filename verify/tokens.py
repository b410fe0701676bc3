"""The OAuth 2.0 client credentials grant, as every client of the API performs it.

POST ``grant_type=client_credentials``, ``client_id``, ``client_secret`` and
``scope=<App ID URI>/.default`` as a form to the token endpoint (docs/facts.md, "The flow"). The
credentials go in the form body, not in a Basic ``Authorization`` header: B2C answers the latter with
``AADB2C90085`` (Microsoft Q&A 1114972). Each call
fetches a fresh token: a revoked grant only disappears from *new* tokens (tokens live 60 minutes
by default), so a cached token would hide a revocation.

Failures become ``TokenError`` with the HTTP status, the platform's error codes (``AADB2C90085``)
and their fixes, and the error description with anything token-like removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt

from verify.errors import UnreachableError, VerifyError
from verify.http import HttpError

if TYPE_CHECKING:
    from verify.context import Context
    from verify.outputs import Client


class TokenError(VerifyError):
    """The token endpoint gave no token (exit 1): its status, error codes and their fixes as hints."""


def fetch_token(ctx: Context, client: Client, label: str | None = None) -> str:
    """A fresh access token for ``client`` (with its ``clientSecret``, or the secret of ``label``),
    registered with the context's redactor.

    The client secret is registered already: the outputs loader registers every secret once, before
    anything else can print (``verify.outputs``). A token endpoint that cannot be reached at all, or
    gives no answer within the timeout, is an ``UnreachableError`` (exit 4), not this client's failure.
    """
    http, platform, redactor = ctx.http, ctx.platform, ctx.redactor
    token_url = ctx.outputs.token_url
    form = {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": ctx.outputs.secret_of(client, label),
        "scope": ctx.outputs.scope,
    }
    try:
        # A token request changes nothing on the identity provider's side: retrying it is safe.
        response = http.request("POST", token_url, data=form, headers={"Accept": "application/json"}, retry=True)
    except HttpError as e:
        if e.no_answer:
            raise UnreachableError("the token endpoint", e) from None
        raise TokenError(f"token endpoint: {e}") from None
    body = response.json()
    if response.status == 200 and isinstance(body, dict) and isinstance(body.get("access_token"), str):
        token: str = body["access_token"]
        redactor.add(token)
        return token
    raw = response.text(4000)
    hints = platform.token_error_hints(raw)
    summary = _error_summary(body) if isinstance(body, dict) else ""
    if response.status == 200:
        message = "token endpoint answered 200 without an access_token"
    else:
        message = f"token endpoint answered HTTP {response.status}"
    if summary:
        # Scrub before shortening: a cut-off secret would no longer be recognised.
        message += f": {_shorten(redactor.scrub_foreign(summary), 500)}"
    raise TokenError(message, hints)


def _error_summary(body: Mapping[str, Any]) -> str:
    error = body.get("error")
    description = body.get("error_description")
    parts: list[str] = []
    if isinstance(error, str):
        parts.append(error)
    if isinstance(description, str):
        # B2C appends "Correlation ID: ... Timestamp: ..." on further lines: worth keeping, compactly.
        parts.append(" ".join(description.split()))
    return " - ".join(parts)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and claims as jwt.io shows them, nothing checked; ``None`` for a malformed token."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    if not isinstance(claims, dict):
        return None
    return dict(header), claims


def tamper(token: str) -> str | None:
    """The token with one signature character changed: a forged signature, same header and claims.

    A character in the middle is flipped: all 6 of its bits are signature bits, whereas the last
    character of a base64url segment may only carry padding bits.
    """
    pieces = token.split(".")
    if len(pieces) != 3 or len(pieces[2]) < 4:
        return None
    sig = pieces[2]
    i = len(sig) // 2
    flipped = "B" if sig[i] == "A" else "A"
    return ".".join([pieces[0], pieces[1], sig[:i] + flipped + sig[i + 1 :]])
