"""Config test helpers: the config as Pulumi hands it to the program, and the table of bad values.

Shared by the config, limits and program tests (test modules import only from tests/support/)."""

from __future__ import annotations

from typing import Any

import pytest

from components.config import ConfigError, Settings, read_settings
from tests.support.example import config_getter as getter


def parse(cfg: dict[str, Any], stack: str = "dev") -> Settings:
    return read_settings(getter(cfg), stack)


def problems(cfg: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(cfg)
    return list(info.value.problems)


def only_problem(cfg: dict[str, Any]) -> str:
    found = problems(cfg)
    assert len(found) == 1, found
    return found[0]


# Each case: (path into the config, bad value, the key the message must name, words it must contain).
BAD_VALUES = [
    (("b2c-apigw:tenant", "name"), "contosob2c.onmicrosoft.com", "b2c-apigw:tenant.name", "give only the prefix"),
    (("b2c-apigw:tenant", "name"), "Contoso", "b2c-apigw:tenant.name", "lowercase"),
    (("b2c-apigw:tenant", "name"), "contoso_b2c", "b2c-apigw:tenant.name", "not an onmicrosoft.com prefix"),
    (("b2c-apigw:tenant", "id"), "1234", "b2c-apigw:tenant.id", "not a GUID"),
    (("b2c-apigw:tenant", "policy"), "susi", "b2c-apigw:tenant.policy", "B2C_1_<name>"),
    (("b2c-apigw:tenant", "issuerFormat"), "v1", "b2c-apigw:tenant.issuerFormat", "valid: tfp, tenant"),
    (("b2c-apigw:tenant", "domain"), "https://login.contoso.com/", "b2c-apigw:tenant.domain", "only the host"),
    (("b2c-apigw:api", "name"), "Orders API", "b2c-apigw:api.name", "lowercase letters"),
    (("b2c-apigw:api", "upstream"), "http://example.com", "b2c-apigw:api.upstream", "https://"),
    (("b2c-apigw:api", "upstream"), "https://example.com/v1", "b2c-apigw:api.upstream", "origin only"),
    (("b2c-apigw:api", "logRetentionDays"), 31, "b2c-apigw:api.logRetentionDays", "valid: 1, 3, 5"),
    (("b2c-apigw:api", "throttle", "burst"), -1, "b2c-apigw:api.throttle.burst", "outside 1..5000"),
    (("b2c-apigw:api", "throttle", "burst"), 0, "b2c-apigw:api.throttle.burst", "outside 1..5000"),
    (("b2c-apigw:api", "throttle", "rate"), 0, "b2c-apigw:api.throttle.rate", "above 0"),
    (("b2c-apigw:api", "upstream"), "https://example.com:99999", "b2c-apigw:api.upstream", "valid host name and port"),
    (("b2c-apigw:api", "upstream"), "https://exa mple.com", "b2c-apigw:api.upstream", "whitespace"),
    (("b2c-apigw:tenant", "policy"), "B2C_2_susi", "b2c-apigw:tenant.policy", "B2C_1_<name>"),
    (("b2c-apigw:api", "throttle", "rate"), "fast", "b2c-apigw:api.throttle.rate", "must be a number"),
    (("b2c-apigw:api", "throttle", "rate"), "0.0", "b2c-apigw:api.throttle.rate", "above 0"),
    (("b2c-apigw:api", "throttle", "rate"), "1e3", "b2c-apigw:api.throttle.rate", "must be a number"),
    (("b2c-apigw:api", "throttle", "rate"), "+5", "b2c-apigw:api.throttle.rate", "must be a number"),
    (("b2c-apigw:api", "throttle", "rate"), "\u0663", "b2c-apigw:api.throttle.rate", "must be a number"),  # Arabic 3
    (("b2c-apigw:api", "appIdUri"), "urn:orders", "b2c-apigw:api.appIdUri", "urn: is not accepted"),
    (("b2c-apigw:api", "appIdUri"), "https://contosob2c.onmicrosoft.com/*", "b2c-apigw:api.appIdUri", "wildcard"),
    (("b2c-apigw:api", "appIdUri"), "api://orders-dev", "b2c-apigw:api.appIdUri", "api://<tenant id>/<name>"),
    (("b2c-apigw:api", "appIdUri"), "https://orders", "b2c-apigw:api.appIdUri", "nothing unique to the tenant"),
    (("b2c-apigw:api", "appIdUri"), "https://contosob2c.b2clogin.com/orders", "b2c-apigw:api.appIdUri", "sign-in host"),
    (("b2c-apigw:api", "appIdUri"), "https://10.0.0.1/orders", "b2c-apigw:api.appIdUri", "IP address"),
    (("b2c-apigw:api", "appIdUri"), "https://[abc]/orders", "b2c-apigw:api.appIdUri", "not a valid URL"),
    (("b2c-apigw:api", "upstream"), "https://[::1/x", "b2c-apigw:api.upstream", "not a valid URL"),
    (("b2c-apigw:api", "upstream"), "https://example.com\uff0fx", "b2c-apigw:api.upstream", "not a valid URL"),
    (
        ("b2c-apigw:api", "appIdUri"),
        "https://fabrikamb2c.onmicrosoft.com/orders",
        "b2c-apigw:api.appIdUri",
        "use contosob2c.onmicrosoft.com",
    ),
    (("b2c-apigw:api", "appIdUri"), "https://contosob2c.onmicrosoft.com/" + "x" * 100, "b2c-apigw:api.appIdUri", "120"),
    (("b2c-apigw:api", "routes", 0, "route"), "GET/posts", "b2c-apigw:api.routes[0].route", "'METHOD /path'"),
    (("b2c-apigw:api", "routes", 0, "route"), "FETCH /posts", "b2c-apigw:api.routes[0].route", "unknown method"),
    (("b2c-apigw:api", "routes", 0, "route"), "GET /posts/", "b2c-apigw:api.routes[0].route", "trailing '/'"),
    (("b2c-apigw:api", "routes", 0, "route"), "GET /{proxy+}/x", "b2c-apigw:api.routes[0].route", "greedy"),
    (("b2c-apigw:api", "routes", 1, "route"), "GET /posts", "b2c-apigw:api.routes[1].route", "duplicate route"),
    (
        ("b2c-apigw:api", "routes", 0, "scopes"),
        ["app.delete"],
        "b2c-apigw:api.routes[0] (GET /posts).scopes",
        "'app.delete' is not in api.permissions (valid: app.read, app.write)",
    ),
    (("b2c-apigw:api", "routes", 0, "scopes"), [], "b2c-apigw:api.routes[0] (GET /posts).scopes", "public: true"),
    (
        ("b2c-apigw:api", "routes", 0, "scopes"),
        ["app.read"] * 11,
        "b2c-apigw:api.routes[0] (GET /posts).scopes",
        "at most 10",
    ),
    (
        ("b2c-apigw:api", "routes", 2, "scopes"),
        ["app.read"],
        "b2c-apigw:api.routes[2] (GET /health).scopes",
        "a public route takes no scopes",
    ),
    (("b2c-apigw:api", "routes", 2, "public"), "yes", "b2c-apigw:api.routes[2].public", "true or false"),
    (
        ("b2c-apigw:api", "permissions", 1, "value"),
        "app.read",
        "b2c-apigw:api.permissions[1].value",
        "duplicate permission",
    ),
    (("b2c-apigw:api", "permissions", 1, "value"), "app write", "b2c-apigw:api.permissions[1].value", "no spaces"),
    (
        ("b2c-apigw:clients", 0, "grants"),
        ["app.admin"],
        "b2c-apigw:clients[0] (reporting).grants",
        "'app.admin' is not in api.permissions (valid: app.read, app.write)",
    ),
    (
        ("b2c-apigw:clients", 0, "grants"),
        ["app.read", "app.read"],
        "b2c-apigw:clients[0] (reporting).grants",
        "lists 'app.read' twice",
    ),
    (
        ("b2c-apigw:api", "routes", 0, "scopes"),
        ["app.read", "app.read"],
        "b2c-apigw:api.routes[0] (GET /posts).scopes",
        "lists 'app.read' twice",
    ),
    (("b2c-apigw:clients", 0, "secretDays"), 0, "b2c-apigw:clients[0] (reporting).secretDays", "outside 1..730"),
    (("b2c-apigw:clients", 0, "secretDays"), 731, "b2c-apigw:clients[0] (reporting).secretDays", "outside 1..730"),
    (("b2c-apigw:clients", 0, "secretDays"), True, "b2c-apigw:clients[0] (reporting).secretDays", "whole number"),
    (("b2c-apigw:clients", 0, "name"), "Reporting App", "b2c-apigw:clients[0].name", "lowercase letters"),
    (("azuread:tenantId",), "99999999-2222-3333-4444-555555555555", "azuread:tenantId", "another directory"),
    (("aws:region",), "Ireland", "aws:region", "not an AWS region name"),
]


def _parent(cfg: dict[str, Any], path: tuple[Any, ...]) -> Any:
    """The map or list that holds the value at ``path``."""
    target: Any = cfg
    for part in path[:-1]:
        target = target[part]
    return target


def set_at(cfg: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    _parent(cfg, path)[path[-1]] = value
