"""tenant.platform and api.authorizerCacheSeconds: what each platform accepts, and what it refuses
with a message naming the key and why (no Pulumi needed)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from components.config import ConfigError, read_settings
from tests.support.config_cases import getter, parse, problems
from tests.support.example import DEV_CONFIG, ENTRA_ID_CONFIG, EXTERNAL_ID_CONFIG


def ext() -> dict[str, Any]:
    return copy.deepcopy(EXTERNAL_ID_CONFIG)


def entra() -> dict[str, Any]:
    return copy.deepcopy(ENTRA_ID_CONFIG)


def test_b2c_is_the_default_platform() -> None:
    s = parse(copy.deepcopy(DEV_CONFIG))
    assert s.tenant.platform == "b2c"
    assert not s.tenant.uses_roles
    assert s.tenant.sign_in_audience == "AzureADandPersonalMicrosoftAccount"
    assert s.api.authorizer_cache_seconds is None


def test_external_id_parses_with_its_defaults() -> None:
    cfg = ext()
    del cfg["b2c-apigw:api"]["authorizerCacheSeconds"]
    s = parse(cfg)
    assert (s.tenant.platform, s.tenant.uses_roles, s.tenant.policy) == ("externalId", True, None)
    assert s.api.authorizer_cache_seconds == 60
    assert s.tenant.sign_in_audience == "AzureADMyOrg"


def test_external_id_custom_url_domain_serves_the_token_endpoint_but_not_the_issuer() -> None:
    cfg = ext()
    cfg["b2c-apigw:tenant"]["domain"] = "login.contoso.com"
    t = parse(cfg).tenant
    tid = t.id
    assert t.token_url == f"https://login.contoso.com/{tid}/oauth2/v2.0/token"
    assert t.issuer == f"https://{tid}.ciamlogin.com/{tid}/v2.0"


def test_entra_id_needs_no_name() -> None:
    cfg = entra()
    assert "name" not in cfg["b2c-apigw:tenant"]
    assert parse(cfg).tenant.name is None


def test_external_id_needs_its_ciamlogin_name() -> None:
    cfg = ext()
    del cfg["b2c-apigw:tenant"]["name"]
    assert any(p.startswith("b2c-apigw:tenant.name") for p in problems(cfg))
    cfg["b2c-apigw:tenant"]["name"] = "contoso.ciamlogin.com"
    assert any("is not a ciamlogin.com subdomain" in p for p in problems(cfg))


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("policy", "B2C_1_susi", "not policy-scoped"),
        ("issuerFormat", "tfp", "issuer has one form"),
    ],
)
@pytest.mark.parametrize("make", [ext, entra])
def test_b2c_only_tenant_keys_are_refused_on_the_roles_platforms(
    make: Callable[[], dict[str, Any]], key: str, value: str, why: str
) -> None:
    cfg = make()
    cfg["b2c-apigw:tenant"][key] = value
    found = problems(cfg)
    assert len(found) == 1, found
    assert found[0].startswith(f"b2c-apigw:tenant.{key}: is for platform b2c only")
    assert why in found[0]


def test_a_domain_is_refused_on_entra_id() -> None:
    cfg = entra()
    cfg["b2c-apigw:tenant"]["domain"] = "login.contoso.com"
    assert problems(cfg) == [
        "b2c-apigw:tenant.domain: is not used on platform entraId (its endpoints are on "
        "login.microsoftonline.com): remove it"
    ]


def test_an_unknown_platform_names_the_valid_ones() -> None:
    cfg = ext()
    cfg["b2c-apigw:tenant"]["platform"] = "ciam"
    assert problems(cfg) == [
        "b2c-apigw:tenant.platform: 'ciam' is not an identity platform (valid: b2c, externalId, entraId)"
    ]


def test_authorizer_cache_seconds_is_refused_on_b2c() -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["authorizerCacheSeconds"] = 60
    found = problems(cfg)
    assert len(found) == 1 and found[0].startswith(
        "b2c-apigw:api.authorizerCacheSeconds: is for platforms externalId and entraId only"
    ), found


@pytest.mark.parametrize("value", [-1, 3601, "soon", True])
def test_authorizer_cache_seconds_outside_0_3600_is_refused(value: object) -> None:
    cfg = ext()
    cfg["b2c-apigw:api"]["authorizerCacheSeconds"] = value
    found = problems(cfg)
    assert len(found) == 1 and found[0].startswith("b2c-apigw:api.authorizerCacheSeconds"), found


@pytest.mark.parametrize("value", [0, 3600])
def test_authorizer_cache_seconds_edges_are_accepted(value: int) -> None:
    cfg = ext()
    cfg["b2c-apigw:api"]["authorizerCacheSeconds"] = value
    assert parse(cfg).api.authorizer_cache_seconds == value


def test_a_function_name_over_lambdas_limit_is_refused() -> None:
    cfg = ext()
    cfg["b2c-apigw:api"]["name"] = "a" * 32
    with pytest.raises(ConfigError) as info:
        read_settings(getter(cfg), "s" * 30)
    assert any("Lambda allows 64" in p for p in info.value.problems), info.value.problems


@pytest.mark.parametrize("cfg", [ext, entra], ids=["externalId", "entraId"])
def test_a_roles_platform_with_only_public_routes_is_refused_before_anything_is_created(
    cfg: Callable[[], dict[str, Any]],
) -> None:
    """The authorizer package is built from the protected routes' roles: with none, `pulumi up` used to
    stop at the package build, after the Azure registrations had been registered."""
    c = cfg()
    platform = c["b2c-apigw:tenant"]["platform"]
    c["b2c-apigw:api"]["routes"] = [{"route": "GET /health", "public": True}]
    assert problems(c) == [
        f"b2c-apigw:api.routes: every route is public: platform {platform} needs at least one route with scopes "
        "(its Lambda authorizer checks their roles); give one route scopes, or use platform b2c"
    ]


def test_a_b2c_stack_with_only_public_routes_still_parses() -> None:
    c = copy.deepcopy(DEV_CONFIG)
    c["b2c-apigw:api"]["routes"] = [{"route": "GET /health", "public": True}]
    assert [r.key for r in parse(c).api.routes] == ["GET /health"]
