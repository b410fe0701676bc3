"""Purge the Azure applications a destroyed trial left soft-deleted, through Microsoft Graph.

Deleting an application (what the azuread provider does on destroy) moves it to the directory's
deleted items for 30 days; ``DELETE /directory/deletedItems/{id}`` removes it for good
(learn.microsoft.com/graph/api/directory-deleteditems-delete; application permission
Application.ReadWrite.OwnedBy, or Application.ReadWrite.All). Only the object ids read from the
stack's state are ever asked for: nothing else in the directory is listed or touched.

Graph replicates with a lag, so a just-deleted application may not show in deleted items yet:
``GET /directory/deletedItems/{id}`` is polled until it answers 200 (then purged) or the time is up.
A 404 then counts as "already gone" only if ``GET /applications/{id}`` answers 404 too; an
application still live is an error (the destroy did not delete it), and is never purged.

Credentials are the ones the azuread provider reads (pulumi-azuread ``config/vars.py``):
``ARM_TENANT_ID`` and ``ARM_CLIENT_ID`` with either ``ARM_CLIENT_SECRET`` or, when ``ARM_USE_OIDC``
is true, a federated token: ``ARM_OIDC_TOKEN``, ``ARM_OIDC_TOKEN_FILE_PATH``, or one requested from
GitHub Actions (``ARM_OIDC_REQUEST_URL``/``ACTIONS_ID_TOKEN_REQUEST_URL`` with
``ARM_OIDC_REQUEST_TOKEN``/``ACTIONS_ID_TOKEN_REQUEST_TOKEN``, audience ``api://AzureADTokenExchange``),
sent as a client assertion (learn.microsoft.com/entra/identity-platform/
v2-oauth2-client-creds-grant-flow, "Third case: Access token request with a federated credential").

``TRIALS_GRAPH_URL`` (default ``https://graph.microsoft.com``) and ``TRIALS_LOGIN_URL`` (default
``https://login.microsoftonline.com``) move both endpoints (national clouds, tests on loopback).
No secret or token is ever printed: errors name variables and statuses, never values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import requests

from verify.outputs import is_loopback

DEFAULT_GRAPH: Final = "https://graph.microsoft.com"
DEFAULT_LOGIN: Final = "https://login.microsoftonline.com"
OIDC_AUDIENCE: Final = "api://AzureADTokenExchange"
ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PERMISSION_HINT: Final = (
    "the identity needs the Microsoft Graph application permission Application.ReadWrite.All "
    "(Application.ReadWrite.OwnedBy is enough only for applications it owns; the program sets no owners), "
    "granted with admin consent"
)
_TRUE: Final = ("1", "true", "yes")


class GraphError(Exception):
    """Graph or the token endpoint refused; the message says why and what to change, never a secret."""


class GraphRefused(GraphError):
    """No token, or a 401/403: every further call would be refused the same way."""


def _base(env: Mapping[str, str], name: str, default: str) -> str:
    url = (env.get(name) or default).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        raise GraphError(f"{name} must be an https:// URL (plain http only on loopback)")
    return url


@dataclass(frozen=True)
class Credentials:
    tenant_id: str
    client_id: str
    assertion: Callable[[], str] | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return "OIDC (federated credential)" if self.assertion else "client secret"


def credentials_from_env(env: Mapping[str, str], session: requests.Session) -> Credentials:
    tenant_id, client_id = env.get("ARM_TENANT_ID", "").strip(), env.get("ARM_CLIENT_ID", "").strip()
    missing = [n for n, v in (("ARM_TENANT_ID", tenant_id), ("ARM_CLIENT_ID", client_id)) if not v]
    if missing:
        raise GraphError(
            f"{' and '.join(missing)} not set: the Graph purge uses the azuread provider's credentials "
            "(ARM_TENANT_ID, ARM_CLIENT_ID, and ARM_CLIENT_SECRET or ARM_USE_OIDC=true)"
        )
    if env.get("ARM_USE_OIDC", "").strip().lower() in _TRUE:
        return Credentials(tenant_id, client_id, assertion=_assertion_source(env, session))
    secret = env.get("ARM_CLIENT_SECRET", "")
    if secret:
        return Credentials(tenant_id, client_id, secret=secret)
    raise GraphError("neither ARM_CLIENT_SECRET nor ARM_USE_OIDC=true is set: no credential for Microsoft Graph")


def _assertion_source(env: Mapping[str, str], session: requests.Session) -> Callable[[], str]:
    token = env.get("ARM_OIDC_TOKEN", "").strip()
    if token:
        return lambda: token
    path = env.get("ARM_OIDC_TOKEN_FILE_PATH", "").strip()
    if path:

        def from_file() -> str:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as e:
                raise GraphError(f"cannot read ARM_OIDC_TOKEN_FILE_PATH: {e.strerror}") from None

        return from_file
    url = env.get("ARM_OIDC_REQUEST_URL") or env.get("ACTIONS_ID_TOKEN_REQUEST_URL") or ""
    bearer = env.get("ARM_OIDC_REQUEST_TOKEN") or env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN") or ""
    if not url or not bearer:
        raise GraphError(
            "ARM_USE_OIDC is true but no token source is set: ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, or "
            "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN (GitHub sets those only for a job "
            "with `permissions: id-token: write`)"
        )

    def from_github() -> str:
        # GitHub's ID token endpoint: GET <url>&audience=<aud> with the request token as a bearer; the
        # answer is {"value": "<jwt>"} (docs.github.com, "Configuring OpenID Connect in cloud providers").
        parts = urlsplit(url)
        query = "&".join(q for q in (parts.query, urlencode({"audience": OIDC_AUDIENCE})) if q)
        try:
            r = session.get(
                urlunsplit(parts._replace(query=query)), headers={"Authorization": f"Bearer {bearer}"}, timeout=30
            )
        except requests.RequestException as e:
            raise GraphError(f"requesting the GitHub OIDC token failed: {type(e).__name__}") from None
        value = _json(r).get("value") if r.status_code == 200 else None
        if not isinstance(value, str) or not value:
            raise GraphError(f"the GitHub OIDC token request answered {r.status_code} without a token")
        return value

    return from_github


def _json(r: requests.Response) -> dict[str, Any]:
    try:
        data = r.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _graph_error(r: requests.Response) -> str:
    err = _json(r).get("error")
    if isinstance(err, dict):
        code, message = err.get("code"), err.get("message")
        return f"{code}: {message}" if code else str(message or "")
    return ""


@dataclass
class Outcome:
    purged: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Graph:
    def __init__(
        self,
        env: Mapping[str, str],
        out: Callable[[str], None],
        *,
        wait: float = 120.0,
        interval: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self._session = session or requests.Session()
        self._session.trust_env = False  # no proxy or .netrc credentials from the environment
        self._graph = _base(env, "TRIALS_GRAPH_URL", DEFAULT_GRAPH)
        self._login = _base(env, "TRIALS_LOGIN_URL", DEFAULT_LOGIN)
        self._creds = credentials_from_env(env, self._session)
        self._out = out
        self._wait = wait
        self._interval = interval
        self._token: str | None = None

    def check(self) -> None:
        """Get a token now: a credential problem shows before anything is destroyed."""
        self._access_token()

    def _access_token(self) -> str:
        if self._token:
            return self._token
        c = self._creds
        form = {
            "grant_type": "client_credentials",
            "client_id": c.client_id,
            # The Graph resource's default scope; the origin of TRIALS_GRAPH_URL (national clouds).
            "scope": f"{urlunsplit(urlsplit(self._graph)._replace(path='', query=''))}/.default",
        }
        if c.assertion:
            form |= {"client_assertion_type": ASSERTION_TYPE, "client_assertion": c.assertion()}
        else:
            form["client_secret"] = c.secret or ""
        url = f"{self._login}/{quote(c.tenant_id, safe='')}/oauth2/v2.0/token"
        try:
            r = self._session.post(url, data=form, timeout=30)
        except requests.RequestException as e:
            raise GraphError(f"the token request to {self._login} failed: {type(e).__name__}") from None
        data = _json(r)
        token = data.get("access_token")
        if r.status_code != 200 or not isinstance(token, str):
            # error and error_description name the problem (AADSTS codes) and carry no secret.
            code = data.get("error", "no error code")
            desc = str(data.get("error_description", "")).split("\n", 1)[0][:300]
            raise GraphRefused(
                f"the token endpoint refused the {c.kind} of client {c.client_id} in tenant {c.tenant_id} "
                f"({r.status_code} {code}): {desc}"
            )
        self._token = token
        return token

    def _call(self, method: str, path: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        for attempt in range(4):
            try:
                r = self._session.request(method, f"{self._graph}/v1.0{path}", headers=headers, timeout=30)
            except requests.RequestException as e:
                if attempt == 3:
                    raise GraphError(f"{method} {path} failed: {type(e).__name__}") from None
                time.sleep(min(self._interval, 2**attempt))
                continue
            if r.status_code == 403:
                raise GraphRefused(
                    f"Microsoft Graph answered 403 to {method} {path} ({_graph_error(r) or 'Forbidden'}) for client "
                    f"{self._creds.client_id}: {PERMISSION_HINT}"
                )
            if r.status_code == 401:
                raise GraphRefused(
                    f"Microsoft Graph answered 401 to {method} {path}: {_graph_error(r) or 'Unauthorized'}"
                )
            if (r.status_code == 429 or r.status_code >= 500) and attempt < 3:
                time.sleep(min(float(r.headers.get("Retry-After") or 0) or self._interval, 30.0))
                continue
            return r
        raise AssertionError("unreachable")

    def purge(self, object_ids: list[str], *, just_deleted: Collection[str] | None = None) -> Outcome:
        """Purge ``object_ids`` from deleted items. ``just_deleted``: the ids the destroy that just ran
        deleted, whose deleted item may lag (polled up to ``wait``); any other id (one recorded by an
        earlier attempt, likely purged already) is looked up once. ``None``: every id is polled."""
        outcome = Outcome()
        for object_id in object_ids:
            poll = just_deleted is None or object_id in just_deleted
            try:
                self._purge_one(object_id, outcome, wait=self._wait if poll else 0.0)
            except GraphRefused as e:
                outcome.errors.append(str(e))
                break  # the same refusal for every other id: say it once
            except GraphError as e:
                outcome.errors.append(str(e))
        return outcome

    def _purge_one(self, object_id: str, outcome: Outcome, *, wait: float) -> None:
        item = f"/directory/deletedItems/{quote(object_id, safe='')}"
        deadline = time.monotonic() + wait
        while True:
            r = self._call("GET", item)
            if r.status_code == 200:
                d = self._call("DELETE", item)
                if d.status_code in (200, 204):
                    outcome.purged.append(object_id)
                    self._out(f"    application {object_id}: purged from deleted items")
                elif d.status_code == 404:  # seen a moment ago: gone meanwhile
                    outcome.already_gone.append(object_id)
                    self._out(f"    application {object_id}: already purged")
                else:
                    raise GraphError(f"DELETE {item} answered {d.status_code}: {_graph_error(d)}")
                return
            if r.status_code != 404:
                raise GraphError(f"GET {item} answered {r.status_code}: {_graph_error(r)}")
            if time.monotonic() >= deadline:
                break
            time.sleep(min(self._interval, max(0.0, deadline - time.monotonic())))
        live = self._call("GET", f"/applications/{quote(object_id, safe='')}")
        if live.status_code == 404:
            outcome.already_gone.append(object_id)
            self._out(f"    application {object_id}: not in the directory nor in deleted items (already purged)")
            return
        if live.status_code == 200:
            raise GraphError(
                f"application {object_id} still exists (not deleted by the destroy): it was not purged; "
                "run destroy again, or delete it in the portal"
            )
        raise GraphError(f"GET /applications/{object_id} answered {live.status_code}: {_graph_error(live)}")
