"""Keeping client secrets and tokens out of everything verify prints or raises.

Two layers, because neither alone is enough:

- *Known* values: every client secret read from the outputs and every token fetched or given is
  registered here and replaced wherever it shows up, whatever its shape.
- *Arguments*: every word of the command line of 16 or more characters that is not an option name
  (a client secret pasted at the wrong place, a token) is hidden from every message, whatever it
  was given as (``--outputs``, ``--stack``, ``--client``...), and from text from elsewhere, such as
  the pulumi CLI's error, which may echo the stack name back. Only a word naming an existing file
  or directory is shown (the outputs file, a stack file), unless given as ``--stack``/``--client``.
- *Shapes*: text verify did not write itself (token endpoint error bodies, exception messages from
  requests, which can carry URLs and bodies, argparse errors echoing arguments) is also scrubbed of
  anything JWT-like, ``key=value`` pairs naming a credential, ``Bearer`` values and long
  high-entropy strings. B2C error codes (``AADB2C90085``), GUIDs (correlation ids) and host names
  survive, since they are what the user needs to see.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

REDACTED: Final = "[redacted]"

# A JWS in compact form: base64url('{"...') is always "eyJ...", for the header and the claims.
_JWT: Final = re.compile(r"eyJ[A-Za-z0-9_-]+\.(?:[A-Za-z0-9_-]+)?(?:\.[A-Za-z0-9_-]*)?")
# Not after a word character or "/": ".../oauth2/v2.0/token: no answer" (a URL path ending in
# "token", then verify's own message) is no credential field.
_CREDENTIAL_FIELD: Final = re.compile(
    r"""(?ix)
    (?<![\w/])
    (["']?(?:access_token|refresh_token|id_token|client_secret|clientSecret|password|assertion|token)
    ["']?\s*[:=]\s*["']?)
    ([^"'&\s,;}]+)
    """
)
_BEARER: Final = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]+)")
# Client secrets Entra generates are ~40 characters of [A-Za-z0-9._~-]; opaque tokens are longer.
# "/" is left out so URL paths are not taken for credentials.
_OPAQUE: Final = re.compile(r"[A-Za-z0-9_~+=.-]{24,}")
_MIN_KNOWN: Final = 6
# Arguments at least this long that are not option names are hidden: a client secret pasted at the
# wrong place (Entra's are ~40 characters) or a token. Shorter arguments are names and numbers,
# which the user needs to see to fix the command.
HIDE_FROM: Final = 16
# Options whose value is a name: hidden when long even if a file of that name exists.
NAME_OPTIONS: Final = frozenset({"--stack", "--client"})
_OPTION_ASSIGNMENT: Final = re.compile(r"^(--?[A-Za-z][A-Za-z0-9-]*)=(.*)$", re.DOTALL)


def _names_a_path(word: str) -> bool:
    """``word`` names an existing file or directory: a path the user needs to see, not a pasted secret
    (a secret or token that is also the name of a file is not a mistake anyone makes)."""
    try:
        return Path(word).exists()
    except (OSError, ValueError):  # too long a name, a NUL byte
        return False


def _plain_url(word: str) -> bool:
    """``word`` is an http(s) URL with a host and nothing that can carry a credential (user info, query,
    fragment): an --issuer or --token-url the user needs to see in "could not check: GET <url>: ..."."""
    try:
        parts = urlsplit(word)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return False
    plain = not (parts.username or parts.password or parts.query or parts.fragment or "@" in parts.netloc)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and plain


def argument_words(argv: Iterable[str], option_names: Collection[str]) -> list[str]:
    """The words of ``argv`` no message may show, longest first.

    ``--name=value``: the value is hidden (argparse may quote the value alone), the name kept. An
    argument naming an existing file or directory (``--outputs FILE``, ``config FILE``) or a plain
    http(s) URL (``--issuer``, ``--token-url``; no user info, query or fragment) is shown, except as
    the value of ``--stack`` or ``--client`` (names, never paths); a path that does not exist stays
    hidden: a secret pasted as ``--outputs`` or ``--stack`` is no file.
    """
    words: set[str] = set()
    previous = ""
    for arg in argv:
        option, previous = previous, arg
        if len(arg) < HIDE_FROM or arg in option_names:
            continue
        m = _OPTION_ASSIGNMENT.match(arg)
        value = m.group(2) if m else ""
        if m:
            option = m.group(1)
        word = value if m else arg
        if option not in NAME_OPTIONS and (_names_a_path(word) or _plain_url(word)):
            continue
        # A short value would blank out unrelated words of the message; hide the whole argument then.
        words.add(value if len(value) >= 6 else arg)
    return sorted(words, key=len, reverse=True)


def _replace_words(text: str, words: Iterable[str]) -> str:
    for word in words:
        # argparse quotes some values with repr(): hide the escaped spelling too.
        for spelling in (word, repr(word)[1:-1]):
            text = text.replace(spelling, REDACTED)
    return text


def hide_arguments(message: str, argv: Iterable[str], option_names: Collection[str]) -> str:
    """``message`` with every argument of 16+ characters that is not an option name or an existing path
    replaced (``argument_words``)."""
    return _replace_words(message, argument_words(argv, option_names))


def _high_entropy(word: str) -> bool:
    """Mixed case *and* digits: secrets and signatures, not host names, GUIDs or policy names."""
    has = (any(c.islower() for c in word), any(c.isupper() for c in word), any(c.isdigit() for c in word))
    if not all(has):
        return False
    # Policy and resource names (B2C_1_SignUpSignIn_Production) are mostly letters; secrets mix.
    digits = sum(c.isdigit() for c in word)
    uppers = sum(c.isupper() for c in word)
    return digits >= 3 and uppers >= 3


class Redactor:
    """Replaces registered secrets and credential-shaped text with ``[redacted]``."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._arguments: list[str] = []

    def hide_arguments(self, argv: Iterable[str], option_names: Collection[str]) -> None:
        """Register the command line: ``without_arguments`` and ``scrub_foreign`` hide it."""
        self._arguments = argument_words(argv, option_names)

    def without_arguments(self, text: str) -> str:
        """For messages verify composed, which may quote an argument: the command line hidden."""
        return _replace_words(text, self._arguments)

    def add(self, *values: str | None) -> None:
        """Register values that must never be printed (too short a value would blank out words)."""
        for value in values:
            if value and len(value) >= _MIN_KNOWN:
                self._known.add(value)

    def scrub(self, text: str) -> str:
        """For text verify composed (every printed line passes here): known values, JWTs, Bearer values.

        Not ``key: value`` credential fields: verify's own lines read ``azuread:clientSecret: stored as
        a secret`` or ``aws:token: not read by the program``, and that pattern would eat the word after
        the colon and flip the message's meaning. Text from elsewhere goes through ``scrub_foreign``.
        """
        for value in sorted(self._known, key=len, reverse=True):
            text = text.replace(value, REDACTED)
        text = _JWT.sub(REDACTED, text)
        return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)

    def scrub_foreign(self, text: str) -> str:
        """For text from elsewhere (servers, exceptions, argv, the pulumi CLI): also the command line,
        ``key=value`` / ``key: value`` credential fields and long high-entropy strings."""
        text = self.scrub(self.without_arguments(text))
        text = _CREDENTIAL_FIELD.sub(lambda m: m.group(1) + REDACTED, text)
        return _OPAQUE.sub(lambda m: REDACTED if _high_entropy(m.group(0)) else m.group(0), text)


def scrub_foreign(text: str) -> str:
    """Shape-based scrubbing where no redactor is at hand (exception messages built early)."""
    return Redactor().scrub_foreign(text)
