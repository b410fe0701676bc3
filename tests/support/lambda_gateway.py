"""A loopback double of an API Gateway HTTP API whose protected routes use a Lambda REQUEST authorizer.

Written from AWS, "Working with AWS Lambda authorizers for HTTP APIs"
(docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html) and the
apigatewayv2 CreateAuthorizer reference (``IdentitySource``), not from the function's code:

- Identity sources: every one must be present, not null and non-empty, else the gateway answers
  401 without invoking the function (``statuses.MISSING_IDENTITY_SOURCE``).
- Payload format 2.0 event: ``version`` "2.0", ``type`` "REQUEST", ``routeArn``,
  ``identitySource`` (the sources' values, in order), ``routeKey``, ``rawPath``,
  ``rawQueryString``, ``headers``, ``requestContext`` (``http.method``, ``http.path``,
  ``routeKey``, ``stage``...). Header names are sent lower-cased here, as HTTP APIs send them to
  payload-2.0 integrations; the authorizer page's example shows mixed case, so neither may matter.
- Simple responses: ``{"isAuthorized": true|false, "context": {...}}``. A response in an invalid
  format, or a function that cannot be invoked -> 500 ("Troubleshooting Lambda authorizers";
  ``statuses.MALFORMED_RESPONSE``); ``false`` -> 403 (``statuses.NOT_AUTHORIZED``: unverified, see
  authorizer/statuses.py).
- Result cache ("Caching authorizer responses"): with a TTL above 0 the identity sources are the
  cache key; a simple response "fully allows or denies all API requests that match the cached
  identity source values", for all routes using the authorizer unless ``$context.routeKey`` is
  one of the sources.
- Public routes (authorization NONE) go straight to the integration, as do allowed requests; the
  integration here is a stub answering 200 with the route it served.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authorizer import statuses
from tests.support.fakes import Reply, Served, json_reply

Invoke = Callable[[dict[str, Any]], Any]
ROUTE_KEY_SOURCE = "$context.routeKey"
AUTHORIZATION_SOURCE = "$request.header.Authorization"
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"


@dataclass
class FakeLambdaGateway(Served):
    invoke: Invoke
    """Calls the authorizer function with an event, returns what it answered (or raises)."""
    protected: Mapping[str, bool]
    """route key -> True when the route uses the Lambda authorizer, False for NONE."""
    identity_sources: Sequence[str] = (AUTHORIZATION_SOURCE, ROUTE_KEY_SOURCE)
    ttl_seconds: int = 60
    region: str = "eu-west-1"
    clock: Callable[[], float] = time.monotonic
    invocations: int = 0
    cache: dict[tuple[str, ...], tuple[float, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _source_value(self, source: str, route_key: str, headers: Mapping[str, str], query: str) -> str:
        if source == ROUTE_KEY_SOURCE:
            return route_key
        if source.startswith("$request.header."):
            wanted = source.removeprefix("$request.header.").lower()
            return next((v for k, v in headers.items() if k.lower() == wanted), "")
        if source.startswith("$request.querystring."):
            values = urllib.parse.parse_qs(query).get(source.removeprefix("$request.querystring."), [])
            return ",".join(values)
        raise ValueError(f"identity source {source!r} not modelled")

    def event(self, route_key: str, method: str, path: str, query: str, headers: Mapping[str, str]) -> dict[str, Any]:
        sources = [self._source_value(s, route_key, headers, query) for s in self.identity_sources]
        lowered = {k.lower(): v for k, v in headers.items()}
        method_arn_path = path.lstrip("/")
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": f"arn:aws:execute-api:{self.region}:{ACCOUNT}:{API_ID}/$default/{method}/{method_arn_path}",
            "identitySource": sources,
            "routeKey": route_key,
            "rawPath": path,
            "rawQueryString": query,
            "headers": lowered,
            "requestContext": {
                "accountId": ACCOUNT,
                "apiId": API_ID,
                "domainName": f"{API_ID}.execute-api.{self.region}.amazonaws.com",
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
                "requestId": "fake",
                "routeKey": route_key,
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                "timeEpoch": int(time.time() * 1000),
            },
        }

    def authorize(self, route_key: str, method: str, path: str, query: str, headers: Mapping[str, str]) -> int | None:
        """None to go on to the integration, else the status the gateway answers itself."""
        sources = tuple(self._source_value(s, route_key, headers, query) for s in self.identity_sources)
        if not all(sources):
            return statuses.MISSING_IDENTITY_SOURCE
        with self._lock:
            cached = self.cache.get(sources)
            if cached is not None and self.clock() < cached[0]:
                answer = cached[1]
            else:
                self.invocations += 1
                try:
                    answer = self.invoke(self.event(route_key, method, path, query, headers))
                except Exception:
                    return statuses.MALFORMED_RESPONSE
                if not (isinstance(answer, dict) and isinstance(answer.get("isAuthorized"), bool)):
                    return statuses.MALFORMED_RESPONSE
                if self.ttl_seconds > 0:
                    self.cache[sources] = (self.clock() + self.ttl_seconds, answer)
        return None if answer["isAuthorized"] else statuses.NOT_AUTHORIZED

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        parts = urllib.parse.urlsplit(raw_path)
        route_key = f"{method} {parts.path}"
        if route_key not in self.protected:
            return json_reply(404, {"message": "Not Found"})
        if self.protected[route_key]:
            status = self.authorize(route_key, method, parts.path, parts.query, headers)
            if status is not None:
                return json_reply(status, statuses.BODIES[status])
        return json_reply(200, {"route": route_key})


def call(base: str, method: str, path: str, authorization: str | None = None) -> tuple[int, Any]:
    """One request to a gateway double: (status, parsed JSON body)."""
    headers = {"Authorization": authorization} if authorization is not None else {}
    request = urllib.request.Request(f"{base}{path}", method=method, headers=headers)  # noqa: S310 (loopback)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
