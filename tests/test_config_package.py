"""components.config as other code imports it: the names it exported as a single module, and the
route-key grammar it lends to verify."""

from __future__ import annotations

import copy
import json

import pytest

import components.config as config
from components.config import ConfigError, read_settings, route_key_problem
from tests.support.example import DEV_CONFIG

# What components/config.py exported before it became a package (its own names, not its imports).
API = [
    "Api", "Client", "ConfigError", "DEFAULT_ISSUER_FORMAT", "DEFAULT_LOG_RETENTION_DAYS", "DEFAULT_ROUTES_QUOTA",
    "DEFAULT_SECRET_DAYS", "DEFAULT_THROTTLE_BURST", "DEFAULT_THROTTLE_RATE", "HTTP_METHODS", "LOG_RETENTION_DAYS",
    "MAX_GRANTS_PER_CLIENT", "MAX_SCOPES_PER_ROUTE", "MAX_SECRET_DAYS", "MAX_THROTTLE_BURST", "MAX_THROTTLE_RATE",
    "MIN_SECRET_DAYS", "NAMESPACE", "Permission", "Route", "SECTIONS", "Settings", "Tenant", "Throttle",
    "parse_settings", "read_pulumi_settings", "read_settings",
    # private, but imported by verify/ and the tests
    "_ROUTE", "_route_shape",
]  # fmt: skip


def test_every_name_the_single_module_exported_is_still_exported() -> None:
    assert [name for name in API if not hasattr(config, name)] == []
    assert config.SECTIONS == ("tenant", "api", "clients")


@pytest.mark.parametrize(
    "route_key",
    ["GET /posts", "ANY /files/{proxy+}", "GET /", "FETCH /a", "GET /a//b", "GET /a/", "GET /{p+}/x", "GET posts"],
)
def test_route_key_problem_is_what_the_validator_says_about_api_routes(route_key: str) -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["routes"] = [{"route": route_key, "public": True}]
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    try:
        read_settings(bag.get, "dev")
    except ConfigError as error:
        (problem,) = error.problems
        assert f"b2c-apigw:api.routes[0].route: {route_key_problem(route_key)}" == problem
    else:
        assert route_key_problem(route_key) is None
