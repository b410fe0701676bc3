"""Shared test helpers: the stack outputs contract tied to the doubles, and the leak check.

``Stack.run(...)`` calls ``verify.cli.main`` in-process with fast network settings and checks, on
every call, that no client secret and no issued token (nor its header.claims part or signature)
reached stdout or stderr.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.verify.fakes import FakeB2C, FakeGateway, FakeUpstream
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


@dataclass
class Stack:
    idp: FakeB2C
    gateway: FakeGateway
    upstream: FakeUpstream
    path: Path
    capsys: pytest.CaptureFixture[str]
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.outputs = {
            "apiUrl": self.gateway.base,
            "tokenUrl": self.idp.token_url,
            "issuer": self.idp.issuer,
            "discoveryUrl": self.idp.issuer + ".well-known/openid-configuration",
            "audience": self.idp.api_client_id,
            "scope": self.idp.scope,
            "routes": dict(ROUTES),
            "clients": {
                "reporting": {"clientId": READER_ID, "grants": ["app.read"], "clientSecret": READER_SECRET},
                "writer": {"clientId": WRITER_ID, "grants": ["app.read", "app.write"], "clientSecret": WRITER_SECRET},
            },
        }

    def set_issuer(self, issuer: str) -> None:
        """What `pulumi up` does with a new issuer: the authorizer and the outputs change together."""
        self.outputs["issuer"] = issuer
        self.outputs["discoveryUrl"] = issuer + ".well-known/openid-configuration"
        self.gateway.issuer = issuer

    def write(self) -> str:
        self.path.write_text(json.dumps(self.outputs), encoding="utf-8")
        return str(self.path)

    def run(self, *args: str, check_leaks: bool = True) -> Result:
        self.capsys.readouterr()
        code = main([args[0], *FAST, "--outputs", self.write(), *args[1:]])  # the test's own options win
        captured = self.capsys.readouterr()
        result = Result(code, captured.out, captured.err)
        if check_leaks:
            assert_no_leaks(result.text, self.idp)
        return result


def assert_no_leaks(text: str, idp: FakeB2C) -> None:
    for secret in idp.clients.values():
        assert secret not in text, "a client secret was printed"
    for token in idp.issued:
        header_claims, _, signature = token.rpartition(".")
        assert header_claims not in text, "a token (or a forgery of one) was printed"
        if len(signature) > 8:
            assert signature not in text, "a token signature was printed"
