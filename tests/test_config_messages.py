"""One clear message per mistake, for the slips new users make: Express-style path parameters,
lowercase methods, permissions written as plain strings."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.config import ConfigError, read_settings
from tests.support.example import DEV_CONFIG

METHODS = "ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


def _problems(cfg: dict[str, Any]) -> list[str]:
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    with pytest.raises(ConfigError) as info:
        read_settings(bag.get, "dev")
    return list(info.value.problems)


def _route(route: str) -> list[str]:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["routes"][0]["route"] = route
    return _problems(cfg)


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        (
            "GET /posts/:id",
            "'GET /posts/:id' writes the path parameter ':id' Express-style, which API Gateway takes as literal "
            "text: write {id}, as in 'GET /posts/{id}'",
        ),
        (
            "GET /users/:user/posts/:id",
            "'GET /users/:user/posts/:id' writes the path parameter ':user' Express-style, which API Gateway takes "
            "as literal text: write {user}, as in 'GET /users/{user}/posts/{id}'",
        ),
        (
            "get /posts",
            f"'get /posts' has its method in lowercase: methods are uppercase, 'GET /posts' (valid: {METHODS})",
        ),
        ("fetch /posts", f"'fetch /posts' has an unknown method 'fetch' (uppercase; valid: {METHODS})"),
    ],
)
def test_route_slips_get_the_fix(route: str, problem: str) -> None:
    assert _route(route) == [f"b2c-apigw:api.routes[0].route: {problem}"]


def test_a_colon_inside_a_segment_stays_literal_text() -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["routes"][0]["route"] = "POST /items:batch"
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    assert read_settings(bag.get, "dev").api.routes[0].key == "POST /items:batch"


def test_permissions_written_as_plain_strings_are_one_message() -> None:
    # Was five: one per permission, and one per route and grant naming them.
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["permissions"] = ["app.read", "app.write"]
    assert _problems(cfg) == [
        "b2c-apigw:api.permissions: lists plain strings; each permission is a map with a value (and an optional "
        "description): [{value: app.read}, {value: app.write}]"
    ]


def test_a_grant_of_a_permission_no_plain_string_names_is_still_reported() -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["permissions"] = ["app.read", "app.write"]
    cfg["b2c-apigw:clients"][0]["grants"] = ["app.delete"]
    assert _problems(cfg)[1:] == [
        "b2c-apigw:clients[0] (reporting).grants: 'app.delete' is not in api.permissions (valid: app.read, app.write)"
    ]
