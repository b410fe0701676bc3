"""Loopback test doubles for ``verify``: a B2C-like identity server, API Gateway, an upstream.

They are written from the documented behaviour (docs/facts.md), independently of ``verify``'s own
modules, so the tests hold verify against the rules rather than against itself:

- ``FakeB2C``: policy-scoped token endpoint (client credentials grant, client id/secret checked,
  RS256 tokens with B2C's claim shapes: ``aud`` = API client id, ``iss`` in the tfp or tenant form,
  ``scp`` space-separated, ``ver`` 2.0, ``tid``, ``sub``/``azp``), the policy's discovery document,
  discovery under the tfp issuer, a JWKS. Like B2C, no discovery under the tenant-form issuer
  unless a test asks for it, and policy names are matched case-insensitively in paths.
- ``FakeGateway``: API Gateway's HTTP API JWT authorizer in front of ``FakeUpstream``: Bearer or
  bare token; RSA only; keys from ``<issuer>/.well-known/openid-configuration`` (fetched on every
  call, with API Gateway's 1500 ms timeout); ``iss`` exact; ``aud``, or ``client_id`` when ``aud`` is
  absent; ``exp``/``nbf``/``iat``; ``scope`` or ``scp`` (string or list) any-one-of; 401 with
  ``www-authenticate`` and ``{"message":"Unauthorized"}``, 403 ``{"message":"Forbidden"}``, 404
  ``{"message":"Not Found"}`` when no route matches; upstream answers passed on. Given ``rate`` and
  ``burst``, the stage's throttling: a token bucket of ``burst`` requests refilled at ``rate`` per
  second, checked when a request arrives, 429 ``{"message":"Too Many Requests"}`` when empty (AWS
  "Throttle requests to your HTTP APIs for better throughput in API Gateway"). ``latency`` holds each
  answer back that long (network and upstream time), requests overlapping as they would.

All servers bind 127.0.0.1 on an ephemeral port.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

Reply = tuple[int, dict[str, str], bytes]
# No proxy, whatever the environment says: the doubles only talk to each other on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def json_reply(status: int, body: object, headers: Mapping[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: concurrent clients (verify smoke --concurrency) beyond it have
    # their connection attempts dropped, and the kernel retries them only after a second.
    request_queue_size = 256


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 that hands each request to ``handle``."""

    def __init__(self, handle: Callable[[str, str, Mapping[str, str], bytes], Reply]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    status, headers, payload = handle(self.command, self.path, dict(self.headers.items()), body)
                except Exception as e:  # a bug in a double must show up as a 500, not a hang
                    status, headers, payload = json_reply(500, {"message": f"fake crashed: {type(e).__name__}"})
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        del outer

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=2)


class Served:
    """start/stop/base for a double whose ``handle`` answers requests on its own LoopbackServer.

    Not a dataclass: the doubles that derive from it are, and ``server`` must stay out of their fields.
    """

    server: LoopbackServer | None = None

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def start(self) -> Self:
        self.server = LoopbackServer(self.handle)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.stop()

    @property
    def base(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def wait(self, seconds: float) -> None:
        """Hold an answer back (timeout tests); cut short when the server stops."""
        if seconds and self.server:
            self.server.stopping.wait(seconds)


# --- Azure AD B2C ---------------------------------------------------------------------------------


@dataclass
class FakeB2C(Served):
    key: RSAPrivateKey
    tenant_name: str = "contosob2c"
    tenant_id: str = "11111111-2222-3333-4444-555555555555"
    policy: str = "B2C_1_susi"
    api_client_id: str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    app_id_uri: str = "https://contosob2c.onmicrosoft.com/orders-dev"
    kid: str = "b2c-test-key-1"
    issuer_format: str = "tfp"
    """The user flow's Token compatibility setting: which iss form tokens and discovery carry."""
    iss_policy: str | None = None
    """The policy as written into a tfp iss (B2C's own spelling); defaults to ``policy``."""
    serve_tenant_discovery: bool = False
    """B2C serves no discovery under the tenant-form issuer; a test may pretend otherwise."""
    claim: str = "scp"
    """``scp`` like B2C, or ``roles`` like the Entra (login.microsoftonline.com) endpoint."""
    extra_keys: list[dict[str, Any]] = field(default_factory=list)
    rsa_in_jwks: bool = True
    clients: dict[str, str] = field(default_factory=dict)
    """client id -> secret."""
    more_secrets: dict[str, set[str]] = field(default_factory=dict)
    """client id -> its other live secrets: Entra accepts any of an application's password credentials
    (a rotation's old and new secret both work until the old one is removed)."""
    grants: dict[str, set[str]] = field(default_factory=dict)
    """client id -> granted app roles; tests revoke by editing it."""
    token_queue: list[Reply] = field(default_factory=list)
    """Canned answers the token endpoint gives first (429s, errors), one per request."""
    token_error_for: dict[str, Reply] = field(default_factory=dict)
    """client id -> a permanent error answer (AADB2C90085 and the like)."""
    delay_for: dict[str, float] = field(default_factory=dict)
    """path (lower-cased) -> seconds to hold the answer back."""
    issued: list[str] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)

    # URLs, shaped like B2C's (docs/facts.md) on a loopback "host".
    @property
    def token_url(self) -> str:
        return f"{self.base}/{self.tenant_name}.onmicrosoft.com/{self.policy}/oauth2/v2.0/token"

    @property
    def policy_discovery_url(self) -> str:
        return f"{self.base}/{self.tenant_name}.onmicrosoft.com/{self.policy}/v2.0/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return f"{self.base}/{self.tenant_name}.onmicrosoft.com/{self.policy}/discovery/v2.0/keys"

    def issuer_for(self, form: str, policy: str | None = None) -> str:
        if form == "tfp":
            return f"{self.base}/tfp/{self.tenant_id}/{policy or self.policy}/v2.0/"
        return f"{self.base}/{self.tenant_id}/v2.0/"

    @property
    def issuer(self) -> str:
        """The iss B2C writes, per the user flow's setting."""
        return self.issuer_for(self.issuer_format, self.iss_policy)

    @property
    def scope(self) -> str:
        return f"{self.app_id_uri}/.default"

    def add_client(self, client_id: str, secret: str, grants: set[str]) -> None:
        self.clients[client_id] = secret
        self.grants[client_id] = set(grants)

    def claims_for(self, client_id: str) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "exp": now + 3600,
            "nbf": now,
            "iat": now,
            "aud": self.api_client_id,
            "sub": client_id,
            "azp": client_id,
            "tid": self.tenant_id,
            "ver": "2.0",
        }
        granted = sorted(self.grants.get(client_id, set()))
        if granted and self.claim == "scp":
            claims["scp"] = " ".join(granted)
        elif granted:
            claims["roles"] = granted
        return claims

    def mint(
        self,
        claims: Mapping[str, Any],
        headers: Mapping[str, Any] | None = None,
        key: RSAPrivateKey | str | None = None,
        algorithm: str = "RS256",
    ) -> str:
        """A token like the token endpoint's, with whatever a test changes."""
        signing_key: Any = self.key if key is None else key
        hdr = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        if algorithm == "none":
            signing_key = None
        token = jwt.encode(dict(claims), signing_key, algorithm=algorithm, headers=hdr)
        self.issued.append(token)
        return token

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "nbf": 1493763266})
        return jwk

    def discovery_doc(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.token_url.replace("/token", "/authorize"),
            "token_endpoint": self.token_url,
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["code", "code id_token", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        path = urllib.parse.urlsplit(raw_path).path
        self.log.append((method, path))
        low = path.lower()
        self.wait(self.delay_for.get(low, 0.0))
        tenant = f"/{self.tenant_name}.onmicrosoft.com/{self.policy}".lower()
        tfp = f"/tfp/{self.tenant_id}/{self.policy}/v2.0".lower()
        if method == "POST" and low == f"{tenant}/oauth2/v2.0/token":
            return self._token(body)
        if method == "GET" and low == f"{tenant}/v2.0/.well-known/openid-configuration":
            return json_reply(200, self.discovery_doc())
        if method == "GET" and low == f"{tfp}/.well-known/openid-configuration":
            return json_reply(200, self.discovery_doc())
        tenant_form = f"/{self.tenant_id}/v2.0/.well-known/openid-configuration"
        if method == "GET" and low == tenant_form and self.serve_tenant_discovery:
            return json_reply(200, self.discovery_doc())
        if method == "GET" and low == f"{tenant}/discovery/v2.0/keys":
            keys = ([self.jwk()] if self.rsa_in_jwks else []) + self.extra_keys
            return json_reply(200, {"keys": keys})
        return (
            404,
            {"Content-Type": "text/html"},
            b"<html><body>The resource you are looking for has been removed</body></html>",
        )

    def _token(self, body: bytes) -> Reply:
        if self.token_queue:
            return self.token_queue.pop(0)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        client_id = form.get("client_id", "")
        correlation = f"Correlation ID: {uuid.uuid4()}\r\nTimestamp: 2025-01-01 00:00:00Z"
        if client_id in self.token_error_for:
            return self.token_error_for[client_id]
        if form.get("grant_type") != "client_credentials":
            return json_reply(400, {"error": "unsupported_grant_type", "error_description": correlation})
        live = {self.clients[client_id], *self.more_secrets.get(client_id, ())} if client_id in self.clients else set()
        if form.get("client_secret") not in live:
            return json_reply(
                401,
                {
                    "error": "invalid_client",
                    "error_description": f"AADB2C90081: The specified client_secret does not match the "
                    f"expected value for this client. Please correct the client_secret and try again.\r\n"
                    f"{correlation}",
                },
            )
        if form.get("scope") != self.scope:
            return json_reply(
                400,
                {
                    "error": "invalid_scope",
                    "error_description": f"AADB2C90117: The scope provided in the request is not supported.\r\n"
                    f"{correlation}",
                },
            )
        token = self.mint(self.claims_for(client_id))
        now = int(time.time())
        return json_reply(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "not_before": now,
                "expires_in": 3600,
                "expires_on": now + 3600,
                "resource": self.api_client_id,
            },
        )


# --- Upstream -------------------------------------------------------------------------------------


@dataclass
class FakeUpstream(Served):
    """Each table is keyed by ``"METHOD /path"`` or by the path alone (any method)."""

    status_for: dict[str, int] = field(default_factory=dict)
    """-> status it always answers."""
    queued: dict[str, list[int]] = field(default_factory=dict)
    """-> statuses answered first, one per request."""
    delay_for: dict[str, float] = field(default_factory=dict)
    hits: list[tuple[str, str, bytes]] = field(default_factory=list)

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        path = urllib.parse.urlsplit(raw_path).path
        self.hits.append((method, path, body))

        def lookup(table: Mapping[str, Any], default: Any) -> Any:
            return table.get(f"{method} {path}", table.get(path, default))

        self.wait(lookup(self.delay_for, 0.0))
        queue = lookup(self.queued, [])
        if queue:
            status = queue.pop(0)
            return json_reply(status, {"upstream": status})
        status = lookup(self.status_for, 200)
        return json_reply(status, {"ok": 200 <= status < 300, "method": method, "path": path})


# --- API Gateway ----------------------------------------------------------------------------------

_RSA = ("RS256", "RS384", "RS512")


@dataclass
class FakeGateway(Served):
    issuer: str
    audiences: list[str]
    routes: dict[str, list[str]]
    upstream: str
    throttle_first: int = 0
    """How many requests get 429 before the gateway serves (stage throttling)."""
    upstream_timeout: float = 5.0
    hits: list[tuple[str, str]] = field(default_factory=list)
    rate: float | None = None
    """The stage's throttling rate (requests per second); with ``burst``, a token bucket."""
    burst: int | None = None
    latency: float = 0.0
    """Seconds each answer takes, on top of the work."""
    cache_keys: bool = False
    """Keep the issuer's discovery and JWKS after the first fetch (the bench's many calls; tests that
    change the issuer or its keys mid-test leave it off)."""
    throttled: int = 0
    """429s the token bucket answered."""
    max_in_flight: int = 0
    """The most requests it was answering at once."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = float(self.burst or 0)
        self._refilled = time.monotonic()
        self._in_flight = 0
        self._keys: dict[str, dict[str, Any]] = {}

    def _take_token(self) -> bool:
        if self.rate is None or self.burst is None:
            return True
        with self._lock:
            now = time.monotonic()
            self._tokens = min(float(self.burst), self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            self.throttled += 1
            return False

    def _route(self, method: str, path: str) -> tuple[str, list[str]] | None:
        for key, scopes in self.routes.items():
            m, template = key.split(" ", 1)
            if m not in (method, "ANY"):
                continue
            pattern = ""
            for part in re.split(r"(\{[^}]+\})", template):
                if part.startswith("{") and part.endswith("+}"):
                    pattern += ".+"
                elif part.startswith("{"):
                    pattern += "[^/]+"
                else:
                    pattern += re.escape(part)
            if re.fullmatch(pattern, path):
                return key, scopes
        return None

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            admitted = self._take_token()
            self.wait(self.latency)
            if not admitted:
                return json_reply(429, {"message": "Too Many Requests"})
            return self._handle(method, raw_path, headers, body)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        path = urllib.parse.urlsplit(raw_path).path
        self.hits.append((method, path))
        if self.throttle_first > 0:
            self.throttle_first -= 1
            return json_reply(429, {"message": "Too Many Requests"})
        found = self._route(method, path)
        if found is None:
            return json_reply(404, {"message": "Not Found"})
        _, scopes = found
        if scopes:
            authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
            denied = self.authorize(authorization, scopes)
            if denied is not None:
                return denied
        return self._forward(method, path, headers, body)

    def authorize(self, authorization: str, route_scopes: list[str]) -> Reply | None:
        def unauthorized(description: str) -> Reply:
            www = f'Bearer scope="" error="invalid_token" error_description="{description}"'
            return json_reply(401, {"message": "Unauthorized"}, {"www-authenticate": www})

        token = authorization.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        if not token:
            return json_reply(401, {"message": "Unauthorized"}, {"www-authenticate": "Bearer"})
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return unauthorized("the token is malformed")
        alg = header.get("alg")
        if alg not in _RSA:
            return unauthorized(f"signing method {alg} is invalid")
        try:
            jwks = self._jwks()
        except (OSError, ValueError, KeyError, TypeError):
            return unauthorized("unable to fetch the issuer's openid configuration")
        key = next(
            (k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid") and k.get("kty") == "RSA"), None
        )
        if key is None:
            return unauthorized("the token's kid was not found in the issuer's jwks")
        try:
            claims = jwt.decode(
                token,
                key=jwt.PyJWK(key, algorithm=alg).key,
                algorithms=[alg],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            return unauthorized("the token has expired")
        except jwt.ImmatureSignatureError:
            return unauthorized("the token is not valid yet")
        except jwt.InvalidIssuerError:
            return unauthorized("the token does not have a valid issuer")
        except jwt.PyJWTError:
            return unauthorized("the token signature is invalid")
        aud = claims.get("aud")
        if aud is not None:
            values = [aud] if isinstance(aud, str) else list(aud)
            if not any(v in self.audiences for v in values):
                return unauthorized("the token does not have a valid audience")
        elif claims.get("client_id") not in self.audiences:
            return unauthorized("the token does not have a valid audience")
        # A space-separated string, or a list of strings. AWS documents the claims ("scope" or "scp")
        # but not a list-valued one; a list is read here as verify.authorizer.token_scopes reads it, so
        # the double and verify agree. Not verified against API Gateway.
        held: set[str] = set()
        for name in ("scope", "scp"):
            value = claims.get(name)
            if isinstance(value, str):
                held.update(value.split())
            elif isinstance(value, list):
                held.update(v for v in value if isinstance(v, str))
        if not held.intersection(route_scopes):
            return json_reply(403, {"message": "Forbidden"})
        return None

    def _jwks(self) -> dict[str, Any]:
        cached = self._keys.get(self.issuer) if self.cache_keys else None
        if cached is not None:
            return cached
        discovery = self._get_json(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")
        jwks = self._get_json(str(discovery["jwks_uri"]))
        if self.cache_keys:
            self._keys[self.issuer] = jwks
        return jwks

    @staticmethod
    def _get_json(url: str) -> dict[str, Any]:
        # API Gateway gives discovery and JWKS fetches 1500 ms (AWS "HTTP API quotas").
        with _OPENER.open(url, timeout=1.5) as response:
            data = json.loads(response.read())
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data

    def _forward(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        request = urllib.request.Request(  # noqa: S310  (loopback http only)
            self.upstream + path, data=body or None, method=method
        )
        try:
            with _OPENER.open(request, timeout=self.upstream_timeout) as response:
                return response.status, {"Content-Type": "application/json"}, response.read()
        except urllib.error.HTTPError as e:
            return e.code, {"Content-Type": "application/json"}, e.read()
        except (TimeoutError, urllib.error.URLError):
            return json_reply(503, {"message": "Service Unavailable"})
