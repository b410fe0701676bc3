"""The validator at its edges: each limit with a value just inside (accepted) and just outside
(refused, against the right key), the normalisations a user relies on, and secret values in errors.

Written from a hand-mutation run over components/config.py: each case fails if a bound moves by
one, a check is dropped or a problem lands on another key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.config import ConfigError, read_settings
from tests.support.config_cases import getter, parse, problems, set_at
from tests.support.example import DEV_CONFIG

LETTER_TENANT_ID = "abcdef01-2345-6789-abcd-ef0123456789"
GUID_HOST_URI = f"https://{LETTER_TENANT_ID}/orders"


def _with(edits: dict[tuple[Any, ...], Any]) -> dict[str, Any]:
    cfg = copy.deepcopy(DEV_CONFIG)
    for path, value in edits.items():
        set_at(cfg, path, value)
    return cfg


TEN_PERMISSIONS = [{"value": f"app.p{i}"} for i in range(10)]

ACCEPTED: list[tuple[str, dict[tuple[Any, ...], Any]]] = [
    ("tenant name of 63 characters", {("b2c-apigw:tenant", "name"): "a" * 63}),
    ("api name of 32 characters", {("b2c-apigw:api", "name"): "o" * 32}),
    (
        "permission value of 120 characters",
        {
            ("b2c-apigw:api", "permissions"): [*DEV_CONFIG["b2c-apigw:api"]["permissions"], {"value": "a" * 120}],
        },
    ),
    (
        "HEAD and OPTIONS routes",
        {
            ("b2c-apigw:api", "routes"): [
                {"route": "HEAD /posts", "scopes": ["app.read"]},
                {"route": "OPTIONS /posts", "public": True},
            ]
        },
    ),
    (
        "ten distinct scopes on a route",
        {
            ("b2c-apigw:api", "permissions"): TEN_PERMISSIONS,
            ("b2c-apigw:api", "routes"): [{"route": "GET /posts", "scopes": [p["value"] for p in TEN_PERMISSIONS]}],
            ("b2c-apigw:clients",): [],
        },
    ),
    ("burst 5000 and rate 10000", {("b2c-apigw:api", "throttle"): {"burst": 5000, "rate": 10000}}),
    (
        "App ID URI of exactly 120 characters",
        {
            ("b2c-apigw:api", "appIdUri"): "https://contosob2c.onmicrosoft.com/" + "o" * 85,
        },
    ),
    (
        "App ID URI on a subdomain of the tenant's domain",
        {
            ("b2c-apigw:api", "appIdUri"): "https://api.contosob2c.onmicrosoft.com/orders",
        },
    ),
    (
        "App ID URI on a custom domain that merely ends in onmicrosoft.com",
        {
            ("b2c-apigw:api", "appIdUri"): "https://contosoonmicrosoft.com/orders",
        },
    ),
    ("App ID URI api://<tenant id>/<name>", {("b2c-apigw:api", "appIdUri"): f"api://{LETTER_TENANT_ID}/orders"}),
    (
        "tenant ids with letters, in either case, padded",
        {
            ("b2c-apigw:tenant", "id"): LETTER_TENANT_ID.upper(),
            ("azuread:tenantId",): f" {LETTER_TENANT_ID} ",
        },
    ),
    (
        "azuread:tenantId in capitals",
        {("b2c-apigw:tenant", "id"): LETTER_TENANT_ID, ("azuread:tenantId",): LETTER_TENANT_ID.upper()},
    ),
]


@pytest.mark.parametrize("edits", [e for _, e in ACCEPTED], ids=[n for n, _ in ACCEPTED])
def test_values_at_the_edge_are_accepted(edits: dict[tuple[Any, ...], Any]) -> None:
    parse(_with(edits))


# CloudWatch Logs PutRetentionPolicy's values, written out: taken from the code, a dropped value would
# drop its own test case.
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


@pytest.mark.parametrize("days", CLOUDWATCH_RETENTION_DAYS)
def test_every_cloudwatch_retention_is_accepted(days: int) -> None:
    assert parse(_with({("b2c-apigw:api", "logRetentionDays"): days})).api.log_retention_days == days


def test_a_default_app_id_uri_and_a_display_name_exactly_at_their_limits_are_accepted() -> None:
    # https://contosob2c.onmicrosoft.com/ + 32-char api + "-" + 52-char stack = 120 characters.
    s = parse(_with({("b2c-apigw:api", "name"): "o" * 32, ("b2c-apigw:clients",): []}), "s" * 52)
    assert len(s.api.identifier_uri) == 120
    # '<api>-<stack> client <name>' of exactly 90 characters.
    cfg = _with(
        {
            ("b2c-apigw:api", "name"): "payments-reconciliation-service",
            ("b2c-apigw:clients", 0, "name"): "finance-ledger-nightly-exporte",
        }
    )
    parse(cfg, "production-eu-west-1")


REFUSED: list[tuple[str, dict[tuple[Any, ...], Any], str]] = [
    ("tenant name of 64 characters", {("b2c-apigw:tenant", "name"): "a" * 64}, "tenant.name"),
    ("policy with another letter after B2C_1", {("b2c-apigw:tenant", "policy"): "B2C_1B_susi"}, "tenant.policy"),
    ("domain with capitals", {("b2c-apigw:tenant", "domain"): "login.Contoso.com"}, "tenant.domain"),
    ("domain without a dot", {("b2c-apigw:tenant", "domain"): "localhost"}, "tenant.domain"),
    ("region without a direction", {("aws:region",): "eu-1"}, "aws:region"),
    ("api name of 33 characters", {("b2c-apigw:api", "name"): "o" * 33}, "api.name"),
    ("api name starting with a digit", {("b2c-apigw:api", "name"): "1orders"}, "api.name"),
    ("client name of 33 characters", {("b2c-apigw:clients", 0, "name"): "c" * 33}, "clients[0].name"),
    (
        "permission value of 121 characters",
        {("b2c-apigw:api", "permissions", 1, "value"): "a" * 121},
        "api.permissions[1].value",
    ),
    (
        "permission value starting with a dot",
        {("b2c-apigw:api", "permissions", 1, "value"): ".write"},
        "api.permissions[1].value",
    ),
    (
        "blank permission description",
        {("b2c-apigw:api", "permissions", 1, "description"): "   "},
        "api.permissions[1].description",
    ),
    (
        "no permissions",
        {
            ("b2c-apigw:api", "permissions"): [],
            ("b2c-apigw:api", "routes"): [{"route": "GET /health", "public": True}],
            ("b2c-apigw:clients",): [],
        },
        "api.permissions",
    ),
    ("no routes", {("b2c-apigw:api", "routes"): []}, "api.routes"),
    (
        "percent-encoding in a route path",
        {("b2c-apigw:api", "routes", 0, "route"): "GET /a%20b"},
        "api.routes[0].route",
    ),
    ("upstream on port 0", {("b2c-apigw:api", "upstream"): "https://example.com:0"}, "api.upstream"),
    ("upstream with a query", {("b2c-apigw:api", "upstream"): "https://example.com?x=1"}, "api.upstream"),
    ("upstream with a fragment", {("b2c-apigw:api", "upstream"): "https://example.com#f"}, "api.upstream"),
    ("upstream with credentials", {("b2c-apigw:api", "upstream"): "https://user:pw@example.com"}, "api.upstream"),
    ("empty upstream", {("b2c-apigw:api", "upstream"): ""}, "api.upstream"),
    ("rate given as true", {("b2c-apigw:api", "throttle"): {"burst": 50, "rate": True}}, "api.throttle.rate"),
    (
        "App ID URI on b2clogin.com itself",
        {("b2c-apigw:api", "appIdUri"): "https://b2clogin.com/orders"},
        "api.appIdUri",
    ),
    ("App ID URI https://<guid>/...", {("b2c-apigw:api", "appIdUri"): GUID_HOST_URI}, "api.appIdUri"),
    (
        "App ID URI ending in a slash",
        {("b2c-apigw:api", "appIdUri"): "https://contosob2c.onmicrosoft.com/o/"},
        "api.appIdUri",
    ),
    (
        "App ID URI with a query",
        {("b2c-apigw:api", "appIdUri"): "https://contosob2c.onmicrosoft.com/o?x=1"},
        "api.appIdUri",
    ),
    (
        "App ID URI with a DEL character",
        {("b2c-apigw:api", "appIdUri"): "https://contosob2c.onmicrosoft.com/o\x7f"},
        "api.appIdUri",
    ),
    ("App ID URI set to null", {("b2c-apigw:api", "appIdUri"): None}, "api.appIdUri"),
    ("clients as a map", {("b2c-apigw:clients",): {}}, "clients"),
    ("clients as an empty string", {("b2c-apigw:clients",): ""}, "clients"),
    ("a grant that is not a string", {("b2c-apigw:clients", 0, "grants"): [1]}, "clients[0] (reporting).grants"),
    ("scopes as a string", {("b2c-apigw:api", "routes", 0, "scopes"): "app.read"}, "api.routes[0] (GET /posts).scopes"),
]


@pytest.mark.parametrize(("edits", "key"), [(e, k) for _, e, k in REFUSED], ids=[n for n, _, _ in REFUSED])
def test_values_past_the_edge_are_refused_on_their_key(edits: dict[tuple[Any, ...], Any], key: str) -> None:
    found = problems(_with(edits))
    full = key if key.startswith("aws:") else f"b2c-apigw:{key}"
    assert [p for p in found if p.startswith(f"{full}: ")], found


def test_a_display_name_one_past_the_limit_is_refused() -> None:
    cfg = _with(
        {
            ("b2c-apigw:api", "name"): "payments-reconciliation-service",
            ("b2c-apigw:clients", 0, "name"): "finance-ledger-nightly-exporter",
        }
    )
    with pytest.raises(ConfigError) as info:
        parse(cfg, "production-eu-west-1")
    assert [p.split(":", 2)[1] for p in info.value.problems] == ["clients[0].name"]


def test_a_default_app_id_uri_one_past_the_limit_is_reported_on_api_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse(_with({("b2c-apigw:api", "name"): "o" * 32, ("b2c-apigw:clients",): []}), "s" * 53)
    (problem,) = info.value.problems
    assert problem.startswith("b2c-apigw:api.name: the App ID URI ")


# --- What the user gets back: normalisation and wording ----------------------------------------


def test_a_policy_spelt_as_b2c_writes_it_into_iss_is_kept_verbatim() -> None:
    # `verify preflight` tells the user to copy B2C's spelling (which may be lowercased) into tenant.policy.
    s = parse(_with({("b2c-apigw:tenant", "policy"): "b2c_1_susi"}))
    assert s.tenant.issuer.endswith("/b2c_1_susi/v2.0/")
    assert "/b2c_1_susi/oauth2/v2.0/token" in s.tenant.token_url


def test_the_issuer_carries_the_tenant_id_in_lowercase() -> None:
    # B2C writes the tenant id in lowercase into iss; API Gateway compares byte for byte.
    s = parse(_with({("b2c-apigw:tenant", "id"): LETTER_TENANT_ID.upper(), ("azuread:tenantId",): LETTER_TENANT_ID}))
    assert s.tenant.issuer == f"https://contosob2c.b2clogin.com/tfp/{LETTER_TENANT_ID}/B2C_1_susi/v2.0/"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("Contoso.onmicrosoft.com", "give only the prefix, e.g. 'contoso'"),
        ("ContosoB2C", "write it in lowercase, 'contosob2c'"),
    ],
)
def test_a_tenant_name_gets_the_hint_that_fixes_it(name: str, hint: str) -> None:
    (problem,) = problems(_with({("b2c-apigw:tenant", "name"): name}))
    assert problem.endswith(f"(lowercase letters and digits only, at most 63 characters; {hint})"), problem


def test_a_grant_that_is_no_string_is_named_as_such() -> None:
    (problem,) = problems(_with({("b2c-apigw:clients", 0, "grants"): [1]}))
    assert problem == "b2c-apigw:clients[0] (reporting).grants: must be a list of permission values (got [1])"


def test_scopes_checked_against_no_permissions_say_so() -> None:
    found = problems(_with({("b2c-apigw:api", "permissions"): [], ("b2c-apigw:clients",): []}))
    assert (
        "b2c-apigw:api.routes[0] (GET /posts).scopes: 'app.read' is not in api.permissions (valid: none defined)"
        in (found)
    )


def test_throttle_keys_default_one_at_a_time() -> None:
    assert parse(_with({("b2c-apigw:api", "throttle"): {"rate": 5}})).api.throttle.burst == 50
    assert parse(_with({("b2c-apigw:api", "throttle"): {"burst": 10}})).api.throttle.rate == 100.0


def test_the_region_variable_the_provider_reads_first_wins() -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    del cfg["aws:region"]
    # AWS_REGION is read before AWS_DEFAULT_REGION: a good first one is used and the bogus second ignored...
    settings = read_settings(getter(cfg), "dev", {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "bogus"})
    assert not [n for n in settings.notices if "aws:region" in n]  # ...and the region counts as set
    # ...and a bogus first one is refused even when the second would do.
    with pytest.raises(ConfigError) as info:
        read_settings(getter(cfg), "dev", {"AWS_REGION": "bogus", "AWS_DEFAULT_REGION": "eu-west-1"})
    assert list(info.value.problems) == ["aws:region: 'bogus' is not an AWS region name (e.g. eu-west-1)"]
    without = read_settings(getter(cfg), "dev", {})
    assert [n for n in without.notices if n.startswith("aws:region is not set")]


def test_a_renamed_parameter_is_blamed_on_the_route_that_named_it_first() -> None:
    routes = [
        {"route": "GET /a/{id}", "scopes": ["app.read"]},
        {"route": "PUT /a/{id}", "scopes": ["app.read"]},
        {"route": "POST /a/{k}", "scopes": ["app.read"]},
    ]
    (problem,) = problems(_with({("b2c-apigw:api", "routes"): routes}))
    assert "where 'GET /a/{id}' calls it {id}" in problem


def test_unknown_keys_are_listed_in_a_stable_order() -> None:
    with pytest.raises(ConfigError) as info:
        read_settings(getter(DEV_CONFIG), "dev", keys=["b2c-apigw:zz", "b2c-apigw:aa", *DEV_CONFIG])
    assert [p.split(":", 2)[1] for p in info.value.problems] == ["aa", "zz"]


# --- Secret values never come back in an error ---------------------------------------------------


def _secret_problems(cfg: dict[str, Any], *secret: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        read_settings(getter(cfg), "dev", secret_keys=list(secret))
    return info.value.problems


def test_a_secret_azuread_tenant_id_is_not_repeated_when_it_differs_but_the_reason_is() -> None:
    other = "99999999-aaaa-3333-4444-555555555555"
    (problem,) = _secret_problems(_with({("azuread:tenantId",): other}), "azuread:tenantId")
    assert problem == (
        "azuread:tenantId: [secret] differs from b2c-apigw:tenant.id '11111111-2222-3333-4444-555555555555': the "
        "registrations would be created in another directory than the B2C tenant that issues the tokens (its value "
        "is not shown: the key is stored as a secret)"
    )


def test_secret_list_values_are_hidden_whole_even_when_one_contains_another() -> None:
    # The api section is secret; a client's bad grant quotes its permission values back.
    cfg = _with(
        {
            ("b2c-apigw:api", "permissions"): [{"value": "app.read"}, {"value": "app.readwrite", "description": ""}],
            ("b2c-apigw:api", "routes"): [{"route": "GET /posts", "scopes": ["app.read"]}],
            ("b2c-apigw:clients", 0, "grants"): ["app.nope"],
        }
    )
    found = _secret_problems(cfg, "b2c-apigw:api")
    grant = next(p for p in found if p.startswith("b2c-apigw:clients[0] (reporting).grants"))
    assert "app.read" not in grant and "write" not in grant, grant
    assert "(valid: [secret], [secret])" in grant, grant


def test_a_long_value_of_a_secret_list_section_is_not_shown_even_in_part() -> None:
    cfg = _with({("b2c-apigw:clients", 0, "secretDays"): "S" * 100})
    found = _secret_problems(cfg, "b2c-apigw:clients")
    assert all("SSSS" not in p for p in found), found
    assert "b2c-apigw:clients[0] (reporting).secretDays: is invalid (its value is not shown" in "\n".join(found)
