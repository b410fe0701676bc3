"""Lambda entry point: ``authorizer.handler.handler``, an HTTP API REQUEST authorizer.

AWS, "Working with AWS Lambda authorizers for HTTP APIs": payload format 2.0 events carry
``routeKey``, ``identitySource`` and ``headers`` (the page's example shows mixed-case names, so
``Authorization`` is looked up case-insensitively); with simple responses enabled the function
answers ``{"isAuthorized": bool, "context": {...}}``. API Gateway caches that answer by the
identity sources, and by default for every route of the authorizer: this program makes them
``$request.header.Authorization`` and ``$context.routeKey``, so an allow is cached per token and route.

Configuration, read once per container:

- ``AUTHORIZER_ISSUER``: the exact ``iss`` tokens carry (External ID
  ``https://<tid>.ciamlogin.com/<tid>/v2.0``, Entra ID ``https://login.microsoftonline.com/<tid>/v2.0``).
- ``AUTHORIZER_AUDIENCE``: the API app's client id (v2 tokens' ``aud``).
- ``AUTHORIZER_DISCOVERY_URL`` (optional): where discovery is fetched; defaults to
  ``<issuer>/.well-known/openid-configuration``. Tests point it at loopback.
- ``routes.json`` beside this module, written into the zip by the builder: route key -> roles, any one
  of which opens the route. It is not an environment variable because Lambda caps all of them
  together at 4 KB (Lambda quotas), which a few hundred routes exceed.

One log line per decision (JSON on stdout, which Lambda sends to CloudWatch Logs): route, client
(``azp``/``appid``), decision, reason. Never the token or the Authorization header.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from authorizer.keys import KeyCache
from authorizer.tokens import Decision, bearer, decide, deny

ROUTES_FILE = Path(__file__).with_name("routes.json")


class Settings:
    """The container's configuration and key cache, built on the first invocation."""

    def __init__(self, env: Mapping[str, str], routes: Mapping[str, list[str]]) -> None:
        self.issuer = env.get("AUTHORIZER_ISSUER", "")
        self.audience = env.get("AUTHORIZER_AUDIENCE", "")
        self.routes = routes
        self.keys = KeyCache(self.issuer, discovery_url=env.get("AUTHORIZER_DISCOVERY_URL", ""))
        missing = [n for n in ("AUTHORIZER_ISSUER", "AUTHORIZER_AUDIENCE") if not env.get(n)]
        self.error = f"missing environment: {', '.join(missing)}" if missing else ""


def load_routes(path: Path = ROUTES_FILE) -> dict[str, list[str]]:
    """The route map from the zip: ``{"GET /items": ["app.read"], ...}``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(r, str) for r in v) for k, v in data.items()
    ):
        raise ValueError(f"{path.name}: expected an object of route key -> list of role names")
    return data


_settings: Settings | None = None


def settings() -> Settings:
    global _settings  # one per container, by design: Lambda reuses it across invocations
    if _settings is None:
        _settings = Settings(os.environ, load_routes())
    return _settings


def authorization_header(headers: Mapping[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "authorization" and isinstance(value, str):
            return value
    return ""


def evaluate(event: Mapping[str, Any], conf: Settings) -> tuple[str, Decision]:
    route = event.get("routeKey")
    if not isinstance(route, str):
        return "", deny("event has no routeKey (not a payload 2.0 REQUEST event)")
    if conf.error:
        return route, deny(conf.error)
    roles = conf.routes.get(route)
    if roles is None:
        return route, deny("route not in the route map")
    headers = event.get("headers")
    token = bearer(authorization_header(headers if isinstance(headers, Mapping) else {}))
    return route, decide(token, roles, issuer=conf.issuer, audience=conf.audience, keys=conf.keys)


def handler(event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
    """Answer one authorization request with a simple response; refuse on anything unexpected."""
    try:
        route, decision = evaluate(event, settings())
    except Exception as e:  # refuse, never allow, and never let the token reach a traceback
        raw = event.get("routeKey") if isinstance(event, Mapping) else None
        route, decision = str(raw or ""), deny(f"authorizer error: {type(e).__name__}")
    print(
        json.dumps(
            {
                "route": route,
                "client": decision.client,
                "decision": "allow" if decision.allow else "deny",
                "reason": decision.reason,
            },
            sort_keys=True,
        ),
        flush=True,
    )
    if decision.allow:
        return {"isAuthorized": True, "context": {"client": decision.client, "role": decision.matched[0]}}
    return {"isAuthorized": False}
