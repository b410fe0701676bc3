"""Provider-free URL, issuer and name building: the strings that must match B2C and AWS exactly."""

from __future__ import annotations

import pytest

from components import b2c, naming

TID = "11111111-2222-3333-4444-555555555555"


def test_tfp_issuer_is_the_policy_bearing_form_with_trailing_slash() -> None:
    assert b2c.issuer("contosob2c", TID, "B2C_1_susi") == f"https://contosob2c.b2clogin.com/tfp/{TID}/B2C_1_susi/v2.0/"


def test_tenant_issuer_is_b2c_default_form() -> None:
    assert b2c.issuer("contosob2c", TID, "B2C_1_susi", "tenant") == f"https://contosob2c.b2clogin.com/{TID}/v2.0/"


def test_custom_domain_replaces_the_host_everywhere() -> None:
    assert b2c.issuer("contosob2c", TID, "B2C_1_susi", "tenant", "login.contoso.com") == (
        f"https://login.contoso.com/{TID}/v2.0/"
    )
    assert b2c.token_url("contosob2c", "B2C_1_susi", "login.contoso.com") == (
        "https://login.contoso.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"
    )


def test_unknown_issuer_format_is_refused() -> None:
    with pytest.raises(ValueError, match="valid: tfp, tenant"):
        b2c.issuer("contosob2c", TID, "B2C_1_susi", "v1")  # type: ignore[arg-type]


def test_discovery_url_where_api_gateway_looks() -> None:
    iss = b2c.issuer("contosob2c", TID, "B2C_1_susi")
    # API Gateway appends the well-known path to the issuer (no double slash).
    assert (
        b2c.discovery_url(iss)
        == f"https://contosob2c.b2clogin.com/tfp/{TID}/B2C_1_susi/v2.0/.well-known/openid-configuration"
    )


def test_role_ids_are_stable_uuids_derived_from_the_value() -> None:
    # Pinned: a change here would change every deployed role id and so every grant.
    assert naming.app_role_id("app.read") != naming.app_role_id("app.write")
    assert len(naming.app_role_id("app.read")) == 36
    assert naming.app_role_id("app.read") == "4aa602da-2339-5c16-9a3e-c2c5b3aa2d89"


def test_visible_names_carry_api_and_stack() -> None:
    for make in (naming.api_display_name, naming.http_api_name, naming.access_log_group_name):
        assert "orders-dev" in make("orders", "dev")
        assert make("orders", "dev") != make("orders", "prod")
    assert naming.client_display_name("orders", "dev", "reporting") == "orders-dev client reporting"
    assert naming.default_scope("https://contosob2c.onmicrosoft.com/orders-dev") == (
        "https://contosob2c.onmicrosoft.com/orders-dev/.default"
    )
