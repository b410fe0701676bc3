"""The function's key cache and checks, in this process (plain Python, no zip): the limits on
fetching, what a discovery document or JWKS must hold, and the gateway double's 500 rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from authorizer import statuses
from authorizer.keys import MAX_DOCUMENT_BYTES, KeyCache, KeyFetchError, fetch_json, rsa_keys
from authorizer.tokens import decide
from tests.support.fakes import LoopbackServer, json_reply
from tests.support.lambda_gateway import FakeLambdaGateway, call

ISS = "https://t.ciamlogin.com/t/v2.0"
DISCOVERY = f"{ISS}/.well-known/openid-configuration"
JWKS = "https://t.ciamlogin.com/t/discovery/v2.0/keys"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(kid: str, key: rsa.RSAPrivateKey = KEY, **extra: Any) -> dict[str, Any]:
    return {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, **extra}


class Idp:
    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = [jwk("k1")]
        self.issuer = ISS
        self.down = False
        self.calls: list[str] = []

    def fetch(self, url: str) -> Mapping[str, Any]:
        self.calls.append(url)
        if self.down:
            raise KeyFetchError(f"GET {url} failed: 503")
        if url == DISCOVERY:
            return {"issuer": self.issuer, "jwks_uri": JWKS}
        assert url == JWKS
        return {"keys": self.keys}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache(idp: Idp, clock: Clock) -> KeyCache:
    return KeyCache(ISS, fetch=idp.fetch, clock=clock)


def test_discovery_defaults_to_the_issuers_well_known_path() -> None:
    assert KeyCache(ISS).discovery_url == DISCOVERY


def test_a_failed_load_is_retried_after_retry_seconds_and_refuses_meanwhile() -> None:
    idp, clock = Idp(), Clock()
    keys = cache(idp, clock)
    idp.down = True
    assert keys.key_for("k1") is None
    assert "503" in keys.last_error
    idp.down = False
    clock.now += keys.retry_seconds - 0.1
    assert keys.key_for("k1") is None
    assert len(idp.calls) == 1
    clock.now += 0.2
    assert keys.key_for("k1") is not None
    assert keys.last_error == ""


def test_unknown_kids_refetch_at_most_once_per_min_refresh_seconds() -> None:
    idp, clock = Idp(), Clock()
    keys = cache(idp, clock)
    assert keys.key_for("k1") is not None
    assert keys.key_for("k2") is None
    assert keys.key_for("k3") is None
    assert len(idp.calls) == 4, "load (2 GETs) + one refetch (2 GETs)"
    idp.keys.append(jwk("k2"))
    clock.now += keys.min_refresh_seconds
    assert keys.key_for("k2") is not None
    assert keys.key_for("k1") is not None, "known keys never trigger a fetch"
    assert len(idp.calls) == 6


def test_a_failed_refetch_keeps_the_known_keys() -> None:
    idp, clock = Idp(), Clock()
    keys = cache(idp, clock)
    assert keys.key_for("k1") is not None
    idp.down = True
    assert keys.key_for("k9") is None
    assert keys.key_for("k1") is not None


def test_after_a_failed_refetch_an_unknown_kid_is_refused_as_unknown_not_as_keys_unavailable() -> None:
    idp, clock = Idp(), Clock()
    keys = cache(idp, clock)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def reason(kid: str) -> str:
        token = jwt.encode({"iss": ISS, "aud": "a"}, other, algorithm="RS256", headers={"kid": kid})
        decision = decide(token, ["app.read"], issuer=ISS, audience="a", keys=keys)
        assert not decision.allow
        return decision.reason

    assert keys.key_for("k1") is not None
    idp.down = True
    assert reason("k8").startswith("signing keys unavailable: GET "), "this call's refetch failed"
    assert "503" in keys.last_error
    clock.now += 1  # within min_refresh_seconds: no refetch, the keys held decide
    assert reason("k9") == "kid 'k9' is not in the issuer's JWKS"
    assert len(idp.calls) == 3, "load (2 GETs) + the failed refetch (its discovery GET)"
    assert reason("k1") == "InvalidSignatureError: Signature verification failed", "a known kid is still checked"


def test_while_no_key_was_ever_loaded_the_reason_is_the_load_error() -> None:
    idp, clock = Idp(), Clock()
    keys = cache(idp, clock)
    idp.down = True
    assert keys.lookup("k1") == (None, f"GET {DISCOVERY} failed: 503")
    clock.now += 1  # within retry_seconds: no attempt, the load error still stands
    assert keys.lookup("k1") == (None, f"GET {DISCOVERY} failed: 503")
    assert len(idp.calls) == 1


def test_discovery_naming_another_issuer_is_not_trusted() -> None:
    idp, clock = Idp(), Clock()
    idp.issuer = "https://login.microsoftonline.com/t/v2.0"
    keys = cache(idp, clock)
    assert keys.key_for("k1") is None
    assert "names issuer" in keys.last_error


def test_only_rsa_signing_keys_are_kept() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    found = rsa_keys(
        {
            "keys": [
                jwk("sig"),
                jwk("enc", use="enc"),
                {**ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True), "kid": "ec"},
                {"kty": "RSA", "kid": "broken", "n": "AQAB"},
                jwk(""),
                "not a key",
            ]
        }
    )
    assert list(found) == ["sig"]
    with pytest.raises(KeyFetchError, match="no 'keys' list"):
        rsa_keys({})


def test_plain_http_is_refused_but_on_loopback() -> None:
    with pytest.raises(KeyFetchError, match="refusing to fetch keys over http"):
        fetch_json("http://t.ciamlogin.com/t/v2.0/.well-known/openid-configuration")
    with pytest.raises(KeyFetchError, match="refusing"):
        fetch_json("file:///etc/passwd")


def test_an_oversized_document_is_refused(idp_server: Any) -> None:
    with pytest.raises(KeyFetchError, match=f"over {MAX_DOCUMENT_BYTES} bytes"):
        fetch_json(f"{idp_server}/big")
    with pytest.raises(KeyFetchError, match="not a JSON object"):
        fetch_json(f"{idp_server}/list")


def test_a_redirect_is_not_followed(idp_server: Any) -> None:
    with pytest.raises(KeyFetchError, match="HTTPError"):
        fetch_json(f"{idp_server}/moved")


@pytest.fixture
def idp_server() -> Any:
    def handle(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Any:
        if path == "/moved":
            return 302, {"Location": f"{server.base_url}/list"}, b""
        if path == "/big":
            return 200, {"Content-Type": "application/json"}, b'{"a":"' + b"x" * MAX_DOCUMENT_BYTES + b'"}'
        return json_reply(200, [1, 2])

    server = LoopbackServer(handle)
    server.start()
    yield server.base_url
    server.stop()


def test_a_token_with_no_kid_is_refused() -> None:
    idp, clock = Idp(), Clock()
    token = jwt.encode({"iss": ISS}, KEY, algorithm="RS256")
    decision = decide(token, ["app.read"], issuer=ISS, audience="a", keys=cache(idp, clock))
    assert (decision.allow, decision.reason) == (False, "no kid in the token header")
    assert idp.calls == []


def test_the_gateway_answers_500_for_a_malformed_or_failed_authorizer() -> None:
    answers: list[Any] = [{"isAuthorized": "true"}, {"allow": True}, None, RuntimeError("timeout")]

    def invoke(event: dict[str, Any]) -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    gateway = FakeLambdaGateway(invoke=invoke, protected={"GET /items": True}, ttl_seconds=0).start()
    try:
        for _ in range(4):
            assert call(gateway.base, "GET", "/items", "Bearer x") == (
                statuses.MALFORMED_RESPONSE,
                {"message": "Internal Server Error"},
            )
    finally:
        gateway.stop()
