"""Fixtures: a B2C double, an upstream, a gateway in front of it, and the stack outputs tying them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from tests.support.fakes import FakeB2C, FakeGateway, FakeUpstream
from tests.support.harness import READER_ID, READER_SECRET, ROUTES, WRITER_ID, WRITER_SECRET, Stack


@pytest.fixture(scope="session")
def signing_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment must not capture loopback calls."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test.

    The socket stays bound (not listening) until the test ends: binding, closing and reusing the
    number would let another process, or a double of a parallel test, take the port in between.
    On Linux a connection to a bound, non-listening TCP port is refused (RST).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers: a hung server.

    The kernel completes the TCP handshake for a listening socket whether or not the program calls
    accept() (listen(2): the backlog queue), so the client's connect succeeds and its read waits
    until its own timeout.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


@pytest.fixture
def hangup_port() -> Iterator[int]:
    """A loopback port that accepts each connection and closes it at once, before any answer: the
    client's request fails as a lost connection (no errno a refused connection would give)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


@pytest.fixture
def idp(signing_key: RSAPrivateKey) -> Iterator[FakeB2C]:
    fake = FakeB2C(key=signing_key).start()
    fake.add_client(READER_ID, READER_SECRET, {"app.read"})
    fake.add_client(WRITER_ID, WRITER_SECRET, {"app.read", "app.write"})
    yield fake
    fake.stop()


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway(idp: FakeB2C, upstream: FakeUpstream) -> Iterator[FakeGateway]:
    fake = FakeGateway(issuer=idp.issuer, audiences=[idp.api_client_id], routes=dict(ROUTES), upstream=upstream.base)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def stack(
    idp: FakeB2C, gateway: FakeGateway, upstream: FakeUpstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Stack:
    return Stack(idp, gateway, upstream, tmp_path / "outputs.json", capsys)
