"""The authorizer zip end to end, offline: its handler, imported only from the unpacked zip, behind
a gateway double that applies API Gateway's Lambda-authorizer rules, against an External ID double.

Every status here is one a client would see; each denial's reason is what the function logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authorizer import statuses
from tests.support.authorizer_zip import ZipFunction
from tests.support.external_id import READER, FakeExternalId
from tests.support.lambda_gateway import FakeLambdaGateway, call


def decisions(fn: ZipFunction) -> list[dict[str, Any]]:
    return [json.loads(line) for line in fn.logs]


def last_reason(fn: ZipFunction) -> str:
    reason: str = decisions(fn)[-1]["reason"]
    return reason


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_grant_answers_200_and_logs_route_client_decision(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    token = idp.token(READER)
    status, body = call(gateway.base, "GET", "/items", f"Bearer {token}")
    assert (status, body) == (200, {"route": "GET /items"})
    fn_logs = decisions(container)
    assert fn_logs == [{"route": "GET /items", "client": READER, "decision": "allow", "reason": "role 'app.read' held"}]


def test_grant_removed_answers_403_on_the_next_token(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 200
    idp.grants[READER].discard("app.read")
    status, body = call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")
    assert (status, body) == (statuses.NOT_AUTHORIZED, {"message": "Forbidden"})
    assert "no roles" in last_reason(container)


def test_no_token_answers_401_without_invoking(gateway: FakeLambdaGateway) -> None:
    assert call(gateway.base, "GET", "/items") == (statuses.MISSING_IDENTITY_SOURCE, {"message": "Unauthorized"})
    assert call(gateway.base, "GET", "/items", "") == (401, {"message": "Unauthorized"})
    assert gateway.invocations == 0


def test_public_route_needs_no_token(gateway: FakeLambdaGateway) -> None:
    assert call(gateway.base, "GET", "/health") == (200, {"route": "GET /health"})
    assert gateway.invocations == 0


def test_role_for_another_route_is_refused_despite_a_cached_allow(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    token = idp.token(READER)
    assert call(gateway.base, "GET", "/items", f"Bearer {token}")[0] == 200
    assert call(gateway.base, "GET", "/items", f"Bearer {token}")[0] == 200
    assert gateway.invocations == 1, "the second call should come from the result cache"
    # $context.routeKey is an identity source: the cached allow for GET does not answer POST.
    assert call(gateway.base, "POST", "/items", f"Bearer {token}")[0] == 403
    assert "none of the route's roles" in last_reason(container)


def test_any_one_of_the_routes_roles_opens_it(gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    idp.grants[READER] = {"app.admin"}
    assert call(gateway.base, "POST", "/items", f"Bearer {idp.token(READER)}")[0] == 200


def test_bare_token_without_bearer_is_accepted(gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    assert call(gateway.base, "GET", "/items", idp.token(READER))[0] == 200


def test_wrong_issuer_is_refused(container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    entra_iss = f"https://login.microsoftonline.com/{idp.tenant_id}/v2.0"
    for iss in (entra_iss, idp.issuer + "/", idp.issuer.replace("https://", "http://")):
        assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER, iss=iss)}")[0] == 403, iss
        assert "InvalidIssuerError" in last_reason(container)


def test_wrong_audience_is_refused(container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    for aud in ("00000000-0000-0000-0000-000000000000", idp.app_id_uri, [idp.api_client_id, "other"]):
        assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER, aud=aud)}")[0] == 403, aud
        assert "InvalidAudienceError" in last_reason(container)


def test_expired_is_refused_beyond_a_small_leeway(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    now = int(time.time())
    just = idp.token(READER, iat=now - 3600, nbf=now - 3600, exp=now - 10)
    assert call(gateway.base, "GET", "/items", f"Bearer {just}")[0] == 200, "within the leeway"
    expired = idp.token(READER, iat=now - 3600, nbf=now - 3600, exp=now - 120)
    assert call(gateway.base, "GET", "/items", f"Bearer {expired}")[0] == 403
    assert "ExpiredSignatureError" in last_reason(container)


def test_not_yet_valid_and_missing_exp_are_refused(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    now = int(time.time())
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER, nbf=now + 600)}")[0] == 403
    assert "ImmatureSignatureError" in last_reason(container)
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER, iat=now + 600)}")[0] == 403
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER, exp=None)}")[0] == 403
    assert "MissingRequiredClaimError" in last_reason(container)


def test_unknown_kid_refetches_the_jwks_once_then_refuses(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 200
    assert idp.hits["jwks"] == 1
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = idp.sign(idp.claims_for(READER), kid="not-published", key=stranger)
    assert call(gateway.base, "GET", "/items", f"Bearer {forged}")[0] == 403
    assert idp.hits["jwks"] == 2, "one refetch for the unknown kid"
    assert "not in the issuer's JWKS" in last_reason(container)
    another = idp.sign(idp.claims_for(READER) | {"uti": "x"}, kid="also-unknown", key=stranger)
    assert call(gateway.base, "GET", "/items", f"Bearer {another}")[0] == 403
    assert idp.hits["jwks"] == 2, "refetches are rate-limited"


def test_a_rolled_key_is_picked_up_by_its_kid(gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 200
    idp.signing_keys["key-2"] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    try:
        rolled = idp.sign(idp.claims_for(READER), kid="key-2")
        assert call(gateway.base, "GET", "/items", f"Bearer {rolled}")[0] == 200
        assert idp.hits["jwks"] == 2
    finally:
        del idp.signing_keys["key-2"]


def test_alg_none_is_refused(container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    claims = idp.claims_for(READER)
    for alg in ("none", "None", "NONE"):
        header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": idp.current_kid}).encode())
        unsigned = f"{header}.{b64(json.dumps(claims).encode())}."
        assert call(gateway.base, "GET", "/items", f"Bearer {unsigned}")[0] == 403
        assert "refused: only RS256" in last_reason(container)


def test_hs256_with_the_public_key_as_secret_is_refused(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    public_pem = (
        idp.signing_keys[idp.current_kid]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": idp.current_kid}).encode())
    payload = b64(json.dumps(idp.claims_for(READER)).encode())
    signature = b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert call(gateway.base, "GET", "/items", f"Bearer {header}.{payload}.{signature}")[0] == 403
    assert "'HS256' refused" in last_reason(container)


def test_scp_without_roles_is_refused_as_a_user_token(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    token = idp.token(READER, roles=None, scp="app.read", idtyp="user")
    assert call(gateway.base, "GET", "/items", f"Bearer {token}")[0] == 403
    assert "scp but no roles" in last_reason(container)


def test_tampered_signature_is_refused(container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    header, payload, signature = idp.token(READER).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["app.write"]
    forged = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    assert call(gateway.base, "POST", "/items", f"Bearer {forged}")[0] == 403
    assert "InvalidSignatureError" in last_reason(container)


def test_jwks_down_refuses_and_never_allows(
    container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId
) -> None:
    idp.down.add("jwks")
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 403
    assert "signing keys unavailable" in last_reason(container)


def test_discovery_down_refuses(container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    idp.down.add("discovery")
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 403
    assert idp.hits["jwks"] == 0
    assert "signing keys unavailable" in last_reason(container)


def test_keys_stay_cached_when_the_idp_goes_down(gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 200
    idp.down.update({"discovery", "jwks"})
    assert call(gateway.base, "GET", "/items", f"Bearer {idp.token(READER)}")[0] == 200
    assert idp.hits == {"discovery": 1, "jwks": 1, "token": 0}


def test_logs_never_carry_the_token(container: ZipFunction, gateway: FakeLambdaGateway, idp: FakeExternalId) -> None:
    tokens = [idp.token(READER), idp.token(READER, aud="other"), idp.token(READER, roles=None, scp="app.read")]
    for token in tokens:
        call(gateway.base, "GET", "/items", f"Bearer {token}")
    logs = "\n".join(container.logs)
    assert len(container.logs) == len(tokens)
    for token in tokens:
        for part in token.split("."):
            assert part not in logs
