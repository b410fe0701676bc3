"""A loopback double of a Microsoft Entra External ID tenant's token service (client credentials).

Written from Microsoft's documentation (docs/platforms.md), not from the authorizer's code:

- "Access token claims reference" (learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
  an app-only v2 token carries ``aud`` (the API app's client id), ``iss``, ``iat``/``nbf``/``exp``,
  ``azp`` (the client's app id), ``azpacr`` ``"1"`` (client secret), ``oid``/``sub`` (the client's
  service principal), ``roles`` ("The client credential flow uses this set of permission in place
  of user scopes for application tokens"), ``tid``, ``uti``, ``ver`` ``"2.0"``, and the opaque
  ``aio``/``rh``. "Claims are present only if a value exists to fill it": a client with no grant
  gets no ``roles`` at all. ``scp`` is "Only included for user tokens". ``idtyp`` is an optional
  claim (not emitted unless the API app asks for it), so the double leaves it out.
- The v2 ``iss`` of an external tenant is ``https://<tenant id>.ciamlogin.com/<tenant id>/v2.0``;
  discovery lives at ``<iss>/.well-known/openid-configuration``, its ``jwks_uri`` at
  ``https://<tenant id>.ciamlogin.com/<tenant id>/discovery/v2.0/keys``; the token endpoint at
  ``https://<name>.ciamlogin.com/<tenant id>/oauth2/v2.0/token``.
- Tokens are RS256-signed, the header's ``kid`` naming a JWKS key ("Signing key rollover").

On loopback the double cannot answer on the ciamlogin.com host, so ``iss`` keeps the real form
while discovery, JWKS and token endpoint are served at ``base``: the function under test takes the
discovery URL as an override (as every URL the program calls must be overridable).
"""

from __future__ import annotations

import time
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from tests.support.fakes import Reply, Served, json_reply

TENANT_ID = "11111111-2222-3333-4444-555555555555"
TENANT_NAME = "contosoext"
API_CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
READER = "c1c1c1c1-0000-4000-8000-000000000001"
"""A client app the tests grant ``app.read``."""
READER_SECRET = "rEaD8Q~eXt7Zk2LmN9pQrStUvWx3YzAbCdEf4GhIj"


def external_id_issuer(tenant_id: str) -> str:
    return f"https://{tenant_id}.ciamlogin.com/{tenant_id}/v2.0"


@dataclass
class FakeExternalId(Served):
    signing_keys: dict[str, RSAPrivateKey]
    """kid -> private key; the JWKS publishes every one; tokens are signed with ``current_kid``."""
    current_kid: str
    tenant_id: str = TENANT_ID
    tenant_name: str = TENANT_NAME
    api_client_id: str = API_CLIENT_ID
    app_id_uri: str = f"api://{TENANT_ID}/orders-dev"
    lifetime: int = 3600
    """Microsoft's default access-token lifetime: 60-90 minutes (docs); one hour here."""
    clients: dict[str, str] = field(default_factory=dict)
    """client id -> secret."""
    grants: dict[str, set[str]] = field(default_factory=dict)
    """client id -> app roles assigned (admin-consented) to it; tests revoke by editing."""
    down: set[str] = field(default_factory=set)
    """Which of "discovery", "jwks", "token" answer 503."""
    hits: dict[str, int] = field(default_factory=lambda: {"discovery": 0, "jwks": 0, "token": 0})
    loopback_issuer: bool = False
    """Issue tokens with ``iss`` ``<base>/<tenant id>/v2.0``, so that ``<iss>/.well-known/...`` is this
    double (for verify's doctor and preflight, which fetch discovery from the issuer itself)."""
    issued: list[str] = field(default_factory=list)
    """Every token the token endpoint handed out (for leak checks)."""

    @property
    def issuer(self) -> str:
        if self.loopback_issuer:
            return f"{self.base}/{self.tenant_id}/v2.0"
        return external_id_issuer(self.tenant_id)

    @property
    def discovery_url(self) -> str:
        return f"{self.base}/{self.tenant_id}/v2.0/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return f"{self.base}/{self.tenant_id}/discovery/v2.0/keys"

    @property
    def token_url(self) -> str:
        return f"{self.base}/{self.tenant_id}/oauth2/v2.0/token"

    def add_client(self, client_id: str, secret: str, grants: set[str]) -> None:
        self.clients[client_id] = secret
        self.grants[client_id] = set(grants)

    def claims_for(self, client_id: str) -> dict[str, Any]:
        now = int(time.time())
        service_principal = str(uuid.uuid5(uuid.NAMESPACE_URL, client_id))
        claims: dict[str, Any] = {
            "aud": self.api_client_id,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "aio": "opaque",
            "azp": client_id,
            "azpacr": "1",
            "oid": service_principal,
            "rh": "opaque",
            "sub": service_principal,
            "tid": self.tenant_id,
            "uti": uuid.uuid4().hex[:22],
            "ver": "2.0",
        }
        roles = sorted(self.grants.get(client_id, ()))
        if roles:
            claims["roles"] = roles
        return claims

    def sign(self, claims: Mapping[str, Any], kid: str | None = None, key: RSAPrivateKey | None = None) -> str:
        kid = kid or self.current_kid
        return jwt.encode(dict(claims), key or self.signing_keys[kid], algorithm="RS256", headers={"kid": kid})

    def token(self, client_id: str, **overrides: Any) -> str:
        """A token as the tenant would issue it to ``client_id``, with claims overridden (None removes)."""
        claims = self.claims_for(client_id)
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self.sign(claims)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, private in sorted(self.signing_keys.items()):
            public = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
            keys.append({**public, "kid": kid, "use": "sig", "kty": "RSA", "issuer": self.issuer})
        return {"keys": keys}

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        path = urllib.parse.urlsplit(raw_path).path
        prefix = f"/{self.tenant_id}"
        if method == "GET" and path == f"{prefix}/v2.0/.well-known/openid-configuration":
            return self._counted("discovery", self._discovery)
        if method == "GET" and path == f"{prefix}/discovery/v2.0/keys":
            return self._counted("jwks", lambda: json_reply(200, self.jwks()))
        if method == "POST" and path == f"{prefix}/oauth2/v2.0/token":
            return self._counted("token", lambda: self._token(body))
        return json_reply(404, {"error": "not_found"})

    def _counted(self, name: str, answer: Any) -> Reply:
        self.hits[name] += 1
        if name in self.down:
            return json_reply(503, {"error": "temporarily_unavailable"})
        reply: Reply = answer()
        return reply

    def _discovery(self) -> Reply:
        return json_reply(
            200,
            {
                "issuer": self.issuer,
                "jwks_uri": self.jwks_url,
                "token_endpoint": self.token_url,
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "subject_types_supported": ["pairwise"],
                "tenant_region_scope": "EU",
            },
        )

    def _token(self, body: bytes) -> Reply:
        form = dict(urllib.parse.parse_qsl(body.decode()))
        if form.get("grant_type") != "client_credentials":
            return json_reply(400, {"error": "unsupported_grant_type"})
        client_id = form.get("client_id", "")
        if client_id not in self.clients or self.clients[client_id] != form.get("client_secret"):
            return json_reply(401, {"error": "invalid_client", "error_codes": [7000215]})
        if form.get("scope") != f"{self.app_id_uri}/.default":
            return json_reply(400, {"error": "invalid_scope", "error_codes": [1002012]})
        token = self.sign(self.claims_for(client_id))
        self.issued.append(token)
        return json_reply(200, {"token_type": "Bearer", "expires_in": self.lifetime, "access_token": token})
