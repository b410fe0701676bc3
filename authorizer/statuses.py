"""The HTTP statuses API Gateway answers around an HTTP API Lambda authorizer, one constant each.

Provider-free and import-free, so the function, ``verify`` and the tests' gateway double all read
the same numbers. Each says where it comes from, or that it is unverified (docs/platforms.md,
"Lambda authorizer statuses").

Source: AWS, "Working with AWS Lambda authorizers for HTTP APIs"
(docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html), and the
apigatewayv2 CreateAuthorizer reference (``IdentitySource``).
"""

from __future__ import annotations

from typing import Final

MISSING_IDENTITY_SOURCE: Final = 401
"""Documented: when an identity source is missing, null or empty, API Gateway answers 401
Unauthorized without invoking the function (CreateAuthorizer ``IdentitySource``; the HTTP API
Lambda authorizer page, "Identity sources")."""

MALFORMED_RESPONSE: Final = 500
"""Documented: a response the gateway cannot use (not the simple format's boolean
``isAuthorized``, a function error or timeout) is answered 500 Internal Server Error (the HTTP API
Lambda authorizer page, "Lambda function response format")."""

NOT_AUTHORIZED: Final = 403
"""UNVERIFIED: the status for ``{"isAuthorized": false}``. AWS's page does not state it; 403
Forbidden is what users widely report. So on the roles platforms a tampered, expired or
wrong-issuer token is expected to get this status, not 401."""

UNVERIFIED: Final = frozenset({"NOT_AUTHORIZED"})
"""Names of the constants above that no AWS page states: verify words its findings on these as
expectations, not facts."""

BODIES: Final = {
    401: {"message": "Unauthorized"},
    403: {"message": "Forbidden"},
    500: {"message": "Internal Server Error"},
}
"""The JSON bodies API Gateway sends with its own error statuses (as for the JWT authorizer,
docs/facts.md); UNVERIFIED for Lambda authorizers beyond the status line."""
