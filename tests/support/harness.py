"""Shared test helpers: the stack outputs contract tied to the doubles, and the leak check.

``Stack.run(...)`` calls ``verify.cli.main`` in-process with fast network settings; ``call(...)``
calls it with the arguments as given. Both check, on every call, that nothing of a client secret
(no 12 characters of it in a row) and no segment of an issued token (header, claims or signature,
each on its own) reached stdout or stderr.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import FakeB2C, FakeGateway, FakeUpstream
from verify.cli import main

ROUTES: dict[str, list[str]] = {
    "GET /posts": ["app.read"],
    "POST /posts": ["app.write"],
    "GET /posts/{id}": ["app.read", "app.write"],
    "GET /health": [],
}
READER_ID = "0a0a0a0a-0000-4000-8000-000000000001"
WRITER_ID = "0b0b0b0b-0000-4000-8000-000000000002"
READER_SECRET = "rEaD8Q~x7Zk2LmN9pQrStUvWx3YzAbCdEf4GhIj"
WRITER_SECRET = "wRiT8Q~a1Bc2De3Fg4Hi5Jk6Lm7No8Pq9Rs0TuV"
# An Entra-shaped client secret (too few digits to look random), for tests that paste one where it
# does not belong: in arguments, or as a client secret the doubles do not know.
ENTRA_SECRET = "aBcDeFgHiJ8Q~kLmNoPqRsTuVwXyZaBcDeFgHiJk"
SECRETS = (READER_SECRET, WRITER_SECRET, ENTRA_SECRET)
# Retries with millisecond pauses, short timeouts: the whole suite stays fast.
FAST = ["--timeout", "2", "--attempts", "3", "--backoff-base", "0.01"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def json(self) -> Any:
        return json.loads(self.out)


DEFAULT_CLIENTS: dict[str, dict[str, Any]] = {
    "reporting": {"clientId": READER_ID, "grants": ["app.read"], "clientSecret": READER_SECRET},
    "writer": {"clientId": WRITER_ID, "grants": ["app.read", "app.write"], "clientSecret": WRITER_SECRET},
}


def stack_outputs(
    idp: FakeB2C, gateway: FakeGateway, routes: dict[str, list[str]], clients: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The stack outputs `pulumi up` would leave for these doubles (the program's output names)."""
    return {
        "apiUrl": gateway.base,
        "tokenUrl": idp.token_url,
        "issuer": idp.issuer,
        "discoveryUrl": idp.issuer + ".well-known/openid-configuration",
        "audience": idp.api_client_id,
        "scope": idp.scope,
        "routes": routes,
        "clients": clients,
    }


@dataclass
class Stack:
    idp: FakeB2C
    gateway: FakeGateway
    upstream: FakeUpstream
    path: Path
    capsys: pytest.CaptureFixture[str]
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.outputs = stack_outputs(self.idp, self.gateway, dict(ROUTES), copy.deepcopy(DEFAULT_CLIENTS))

    def set_issuer(self, issuer: str) -> None:
        """What `pulumi up` does with a new issuer: the authorizer and the outputs change together."""
        self.outputs["issuer"] = issuer
        self.outputs["discoveryUrl"] = issuer + ".well-known/openid-configuration"
        self.gateway.issuer = issuer

    def write(self) -> str:
        self.path.write_text(json.dumps(self.outputs), encoding="utf-8")
        return str(self.path)

    def run(self, *args: str, check_leaks: bool = True) -> Result:
        # The test's own options come last and win.
        return call(self.capsys, args[0], *FAST, "--outputs", self.write(), *args[1:], idp=self.idp, check=check_leaks)


# Lookups into the --json reports, keyed the way the tests name things.
def rules(data: Any) -> dict[str, dict[str, Any]]:
    """doctor: rule name -> rule."""
    return {r["rule"]: r for r in data["rules"]}


def checks(data: Any) -> dict[str, dict[str, str]]:
    """preflight: check name -> check."""
    return {c["check"]: c for c in data["checks"]}


def calls(data: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """smoke: (caller, route) -> call."""
    return {(c["caller"], c["route"]): c for c in data["calls"]}


def call(capsys: pytest.CaptureFixture[str], *argv: str, idp: FakeB2C | None = None, check: bool = True) -> Result:
    """``main(argv)`` in-process; the output is checked for leaks (of ``idp``'s secrets and tokens too)."""
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    result = Result(code, captured.out, captured.err)
    if check:
        assert_no_leaks(result.text, idp)
    return result


# Entra client secrets are ~40 characters; 12 in a row are a leak, and no accident in verify's prose.
WINDOW = 12
# Token segments shorter than this (alg "none" has an empty signature) say nothing about a leak.
MIN_SEGMENT = 8


def leaks(text: str, secrets: Iterable[str], tokens: Iterable[str]) -> list[str]:
    """What of the secrets and tokens appears in ``text``: named, never quoted."""
    found: list[str] = []
    for n, secret in enumerate(secrets):
        windows = {secret[i : i + WINDOW] for i in range(max(1, len(secret) - WINDOW + 1))}
        if any(w in text for w in windows):
            found.append(f"12 characters of client secret #{n}")
    for n, token in enumerate(tokens):
        for name, segment in zip(("header", "claims", "signature"), token.split("."), strict=False):
            if len(segment) >= MIN_SEGMENT and segment in text:
                found.append(f"the {name} segment of token #{n}")
    return found


def assert_no_leaks(text: str, idp: FakeB2C | None = None) -> None:
    secrets = {*SECRETS, *(idp.clients.values() if idp else ())}
    found = leaks(text, secrets, idp.issued if idp else ())
    assert not found, f"printed: {', '.join(found)}"
