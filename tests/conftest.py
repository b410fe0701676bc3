from __future__ import annotations

import copy
from typing import Any

import pytest

TENANT_ID = "11111111-2222-3333-4444-555555555555"

# The README's and Pulumi.dev.yaml's example stack, as the config keys reach the program.
DEV_CONFIG: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "azuread:tenantId": TENANT_ID,
    "b2c-apigw:tenant": {
        "name": "contosob2c",
        "id": TENANT_ID,
        "policy": "B2C_1_susi",
        "issuerFormat": "tfp",
    },
    "b2c-apigw:api": {
        "name": "orders",
        "permissions": [
            {"value": "app.read", "description": "Read orders"},
            {"value": "app.write", "description": "Create orders"},
        ],
        "upstream": "https://jsonplaceholder.typicode.com",
        "routes": [
            {"route": "GET /posts", "scopes": ["app.read"]},
            {"route": "POST /posts", "scopes": ["app.write"]},
            {"route": "GET /health", "public": True},
        ],
        "throttle": {"burst": 50, "rate": 100},
        "logRetentionDays": 30,
    },
    "b2c-apigw:clients": [{"name": "reporting", "grants": ["app.read"], "secretDays": 180}],
}


@pytest.fixture
def dev_config() -> dict[str, Any]:
    """A fresh, mutable copy of the example stack config."""
    return copy.deepcopy(DEV_CONFIG)
