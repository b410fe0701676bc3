"""Limits and defaults of the config, each with where it comes from."""

from __future__ import annotations

from typing import Final

from .. import b2c

DEFAULT_ISSUER_FORMAT: Final[b2c.IssuerFormat] = "tfp"
DEFAULT_THROTTLE_BURST: Final = 50
DEFAULT_THROTTLE_RATE: Final = 100.0
# API Gateway's default account-level quota (AWS "Amazon API Gateway quotas"): 10,000 requests per
# second with a burst of 5,000. A stage limit above the account's does nothing.
MAX_THROTTLE_BURST: Final = 5000
MAX_THROTTLE_RATE: Final = 10000.0
DEFAULT_LOG_RETENTION_DAYS: Final = 30
# The only values CloudWatch Logs accepts for retentionInDays (PutRetentionPolicy API reference).
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
DEFAULT_SECRET_DAYS: Final = 180
# The Entra portal offers client secrets of at most 24 months; 730 days matches it.
MIN_SECRET_DAYS: Final = 1
MAX_SECRET_DAYS: Final = 730
# clients[].secrets: a rotation needs the secret callers use and its successor, no more. Entra lets an
# application hold several password credentials; each one beyond those two is a live credential
# nobody is moving to (docs/operations.md).
MAX_LIVE_SECRETS: Final = 2
# The label of a secretDays client's one secret in the clients.<name>.secrets output.
SECRET_DAYS_LABEL: Final = "default"  # noqa: S105 (a label, not a secret)
# AWS "HTTP API quotas": at most 10 authorization scopes per route.
MAX_SCOPES_PER_ROUTE: Final = 10
# Entra, for the AzureADandPersonalMicrosoftAccount audience: at most 30 permissions per resource in
# requiredResourceAccess (learn.microsoft.com/entra/identity-platform/supported-accounts-validation).
MAX_GRANTS_PER_CLIENT: Final = 30
# AWS "Quotas for configuring and running an HTTP API": routes per API, raisable per account.
DEFAULT_ROUTES_QUOTA: Final = 300
# The Lambda authorizer's result cache on the roles platforms (AWS "Working with AWS Lambda
# authorizers for HTTP APIs": authorizerResultTtlInSeconds, 0 disables, at most 3600). A cached
# allow can outlive the token's exp by this much (docs/platforms.md, "The cache trade-off").
DEFAULT_AUTHORIZER_CACHE_SECONDS: Final = 60
MAX_AUTHORIZER_CACHE_SECONDS: Final = 3600
