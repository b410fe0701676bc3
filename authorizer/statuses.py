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
"""Documented: "If the client's request doesn't include the identity sources, API Gateway doesn't
invoke your Lambda authorizer, and the client receives a 401 error" (the HTTP API Lambda
authorizer page, "Identity sources"); CreateAuthorizer's ``IdentitySource``: present, not null and
non-empty, else "401 Unauthorized response without calling the Lambda function"."""

MALFORMED_RESPONSE: Final = 500
"""Documented: "If API Gateway can't invoke your Lambda authorizer, or your Lambda authorizer
returns a response in an invalid format, clients receive a 500 Internal Server Error" (the HTTP
API Lambda authorizer page, "Troubleshooting Lambda authorizers"); the same page gives 500 for a
missing invoke permission ("Create a Lambda authorizer")."""

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
