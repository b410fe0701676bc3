"""Settings carry every value derived from the config, and the program deploys exactly those: the
names the validator measured against Entra's limit, the discovery URL, and every warning."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components import naming
from components.config import Settings, read_settings
from tests.support.example import DEV_CONFIG
from tests.support.mocks import run_program

APP = "azuread:index/application:Application"


def _settings(cfg: dict[str, Any], stack: str) -> Settings:
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cfg.items()}
    return read_settings(bag.get, stack, {})


def test_the_program_deploys_the_names_urls_and_warnings_the_settings_carry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    cfg = copy.deepcopy(DEV_CONFIG)
    del cfg["aws:region"]  # a notice from the config's region check
    cfg["b2c-apigw:tenant"]["issuerFormat"] = "tenant"  # the issuer format's notice
    # A client display name exactly at Entra's limit: the name the check measured is the one deployed.
    stack = "s" * (naming.MAX_DISPLAY_NAME_LENGTH - len("orders- client reporting"))
    settings = _settings(cfg, stack)
    assert len(settings.clients[0].display_name) == naming.MAX_DISPLAY_NAME_LENGTH

    run = run_program(cfg, stack)
    assert run.mocks.one(APP, "api-app").inputs["displayName"] == settings.api.display_name
    assert run.mocks.one(APP, "client-reporting-app").inputs["displayName"] == settings.clients[0].display_name
    assert run.mocks.one("aws:apigatewayv2/api:Api", "http-api").inputs["name"] == settings.api.http_api_name
    log_group = run.mocks.one("aws:cloudwatch/logGroup:LogGroup", "http-access-logs").inputs["name"]
    assert log_group == settings.api.access_log_group_name
    assert run.mocks.one("aws:apigatewayv2/stage:Stage", "http-stage").inputs["tags"] == settings.tags
    assert run.exports["discoveryUrl"].value == settings.tenant.discovery_url
    assert run.exports["issuer"].value == settings.tenant.issuer
    assert run.exports["tokenUrl"].value == settings.tenant.token_url
    assert run.warnings == list(settings.notices)
    assert [n.split(" ", 1)[0] for n in settings.notices] == ["aws:region", "tenant.issuerFormat"]


def test_the_settings_name_everything_after_the_api_and_the_stack() -> None:
    settings = _settings(copy.deepcopy(DEV_CONFIG), "prod")
    assert (settings.api.display_name, settings.api.http_api_name, settings.api.access_log_group_name) == (
        "orders-prod API",
        "orders-prod",
        "/aws/apigateway/orders-prod/access",
    )
    assert [c.display_name for c in settings.clients] == ["orders-prod client reporting"]
    assert settings.tenant.discovery_url == settings.tenant.issuer + ".well-known/openid-configuration"
    assert settings.tags == {"project": "b2c-apigw", "stack": "prod", "api": "orders"}
    assert settings.notices == ()
