"""Loopback doubles of Microsoft Graph (applications and deleted items), Entra's token endpoint, and
GitHub's REST API (issue comments) with its Actions OIDC token endpoint.

Written from the public references, independently of ``trials``:

- Token endpoint, client credentials: ``POST /{tenant}/oauth2/v2.0/token`` with ``client_id``,
  ``scope`` and either ``client_secret`` or ``client_assertion_type=urn:ietf:params:oauth:
  client-assertion-type:jwt-bearer`` + ``client_assertion``; 200 ``{token_type, expires_in,
  access_token}``, else 400/401 ``{error, error_description}`` with an AADSTS code
  (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
- Graph v1.0: ``GET``/``DELETE /applications/{id}`` (learn.microsoft.com/graph/api/
  application-get, application-delete: 204, the application goes to deleted items);
  ``GET``/``DELETE /directory/deletedItems/{id}`` (directory-deleteditems-get,
  directory-deleteditems-delete: 204); errors ``{"error": {"code", "message"}}``: 404
  ``Request_ResourceNotFound``, 403 ``Authorization_RequestDenied`` "Insufficient privileges to
  complete the operation.", 401 ``InvalidAuthenticationToken``
  (learn.microsoft.com/graph/errors). ``lag`` hides a deleted application from deleted items for
  that many GETs: Graph's replication lag.
- GitHub REST issue comments (docs.github.com/rest/issues/comments): ``GET
  /repos/{o}/{r}/issues/{n}/comments?per_page=&page=`` with a ``Link`` header (``rel="next"``,
  docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api), ``POST`` the same path
  (201), ``PATCH /repos/{o}/{r}/issues/comments/{id}`` (200); ``body`` over 65536 characters is 422
  "body is too long (maximum is 65536 characters)".
- GitHub Actions OIDC (docs.github.com/actions/security-for-github-actions/security-hardening-your-
  deployments/configuring-openid-connect-in-cloud-providers): ``GET
  $ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud>`` with ``Authorization: Bearer
  $ACTIONS_ID_TOKEN_REQUEST_TOKEN`` answers ``{"value": "<jwt>"}``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.fakes import Reply, Served, json_reply

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _graph_error(status: int, code: str, message: str) -> Reply:
    return json_reply(status, {"error": {"code": code, "message": message}})


def _not_found(object_id: str) -> Reply:
    return _graph_error(
        404,
        "Request_ResourceNotFound",
        f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not present.",
    )


@dataclass
class FakeGraph(Served):
    tenant_id: str = "11111111-2222-3333-4444-555555555555"
    client_id: str = "dddddddd-0000-4000-8000-00000000d0d0"
    client_secret: str | None = None
    assertion: str | None = None
    """The federated token the tenant accepts as a client assertion."""
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    lag: int = 0
    forbidden: bool = False
    """Answer 403 to every call with a token from the token endpoint: that identity lacks the
    application permission (the fake pulumi's provider token still works)."""
    log: list[tuple[str, str]] = field(default_factory=list)
    throttle: int = 0
    """Answer this many Graph calls 429 ``TooManyRequests`` with ``Retry-After: 0`` first
    (learn.microsoft.com/graph/throttling)."""
    provider_token: str = "azuread-provider-token"
    """What the fake pulumi's destroy sends, as the azuread provider would with its own token."""
    _hidden: dict[str, int] = field(default_factory=dict)
    _tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._tokens.add(self.provider_token)

    def add_application(self, name: str) -> str:
        object_id = str(uuid.uuid4())
        self.applications[object_id] = {"id": object_id, "displayName": name, "appId": str(uuid.uuid4())}
        return object_id

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        path = urlsplit(raw_path).path
        self.log.append((method, path))
        if method == "POST" and path == f"/{self.tenant_id}/oauth2/v2.0/token":
            return self._token(body)
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self._tokens:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if self.throttle > 0 and auth[7:] != self.provider_token:
            self.throttle -= 1
            status, headers, payload = _graph_error(429, "TooManyRequests", "Too many requests.")
            return status, {**headers, "Retry-After": "0"}, payload
        if self.forbidden and auth[7:] != self.provider_token:
            return _graph_error(
                403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
            )
        if m := re.fullmatch(r"/v1\.0/applications/([0-9a-f-]+)", path):
            object_id = m[1]
            app = self.applications.get(object_id)
            if app is None:
                return _not_found(object_id)
            if method == "GET":
                return json_reply(200, app)
            if method == "DELETE":
                del self.applications[object_id]
                self.deleted[object_id] = {**app, "deletedDateTime": "2026-12-01T09:30:00Z"}
                self._hidden[object_id] = self.lag
                return 204, {}, b""
        if m := re.fullmatch(r"/v1\.0/directory/deletedItems/([0-9a-f-]+)", path):
            object_id = m[1]
            item = self.deleted.get(object_id)
            if item is not None and method == "GET" and self._hidden.get(object_id, 0) > 0:
                self._hidden[object_id] -= 1
                return _not_found(object_id)
            if item is None:
                return _not_found(object_id)
            if method == "GET":
                return json_reply(200, {"@odata.type": "#microsoft.graph.application", **item})
            if method == "DELETE":
                del self.deleted[object_id]
                return 204, {}, b""
        return _graph_error(400, "BadRequest", f"the fake Graph does not serve {method} {path}")

    def _token(self, body: bytes) -> Reply:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "client_credentials" or not form.get("scope", "").endswith("/.default"):
            return json_reply(400, {"error": "invalid_request", "error_description": "AADSTS900144: bad request"})
        ok = form.get("client_id") == self.client_id and (
            (self.client_secret is not None and form.get("client_secret") == self.client_secret)
            or (
                self.assertion is not None
                and form.get("client_assertion_type") == ASSERTION_TYPE
                and form.get("client_assertion") == self.assertion
            )
        )
        if not ok:
            return json_reply(
                401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
            )
        token = f"graph-token-{uuid.uuid4().hex}"
        self._tokens.add(token)
        return json_reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})


@dataclass
class FakeGitHub(Served):
    repo: str = "contoso/b2c-apigw"
    token: str = "ghs_faketoken0123456789abcdefghijklmnopqr"
    per_page_max: int = 100
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    """PR number -> its comments, oldest first."""
    oidc_request_token: str = "oidc-request-token-abcdef0123456789"
    oidc_value: str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmNvbnRvc28vYjJjLWFwaWd3In0.c2lnbmF0dXJlLWZha2U"
    log: list[tuple[str, str]] = field(default_factory=list)
    _next_id: int = 1000

    def add(self, pr: int, body: str, login: str = "github-actions[bot]") -> int:
        self._next_id += 1
        self.comments.setdefault(pr, []).append({"id": self._next_id, "body": body, "user": {"login": login}})
        return self._next_id

    @property
    def oidc_url(self) -> str:
        return f"{self.base}/_oidc/token?api-version=2.0"

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.log.append((method, raw_path))
        if parts.path == "/_oidc/token":
            if headers.get("Authorization") != f"Bearer {self.oidc_request_token}":
                return json_reply(401, {"message": "Bad credentials"})
            if query.get("audience") != "api://AzureADTokenExchange":
                return json_reply(400, {"message": "unexpected audience"})
            return json_reply(200, {"count": 1, "value": self.oidc_value})
        if headers.get("Authorization") != f"Bearer {self.token}":
            return json_reply(401, {"message": "Bad credentials"})
        prefix = f"/repos/{self.repo}/issues"
        if m := re.fullmatch(re.escape(prefix) + r"/(\d+)/comments", parts.path):
            pr = int(m[1])
            if method == "GET":
                per_page = min(int(query.get("per_page", "30")), self.per_page_max)
                page = int(query.get("page", "1"))
                items = self.comments.get(pr, [])
                chunk = items[(page - 1) * per_page : page * per_page]
                links = {}
                if page * per_page < len(items):
                    links["Link"] = (
                        f'<{self.base}{parts.path}?per_page={per_page}&page={page + 1}>; rel="next", '
                        f'<{self.base}{parts.path}?per_page={per_page}&page={-(-len(items) // per_page)}>; rel="last"'
                    )
                return json_reply(200, chunk, links)
            if method == "POST":
                text = json.loads(body)["body"]
                if len(text) > 65536:
                    return json_reply(
                        422, {"message": "Validation Failed: body is too long (maximum is 65536 characters)"}
                    )
                cid = self.add(pr, text)
                return json_reply(201, {"id": cid, "body": text, "html_url": f"https://github.test/{pr}#c{cid}"})
        if m := re.fullmatch(re.escape(prefix) + r"/comments/(\d+)", parts.path):
            cid = int(m[1])
            for items in self.comments.values():
                for c in items:
                    if c["id"] == cid and method == "PATCH":
                        text = json.loads(body)["body"]
                        if len(text) > 65536:
                            return json_reply(422, {"message": "body is too long (maximum is 65536 characters)"})
                        c["body"] = text
                        return json_reply(200, {"id": cid, "body": text, "html_url": f"https://github.test/c{cid}"})
            return json_reply(404, {"message": "Not Found"})
        return json_reply(404, {"message": "Not Found"})
