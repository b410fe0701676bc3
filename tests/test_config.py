"""The config contract, without Pulumi: what a user gets for a good config and for each bad one."""

from __future__ import annotations

import copy
import json
from typing import Any

import pulumi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components import config
from components.config import ConfigError, parse_settings, read_pulumi_settings, read_settings
from tests.support.config_cases import BAD_VALUES, _parent, getter, only_problem, parse, problems, set_at
from tests.support.example import DEV_CONFIG, TENANT_ID


def test_example_stack_parses_with_its_values(dev_config: dict[str, Any]) -> None:
    s = parse(dev_config)
    assert s.tenant.issuer == f"https://contosob2c.b2clogin.com/tfp/{TENANT_ID}/B2C_1_susi/v2.0/"
    assert s.api.identifier_uri == "https://contosob2c.onmicrosoft.com/orders-dev"
    assert [r.key for r in s.api.routes] == ["GET /posts", "POST /posts", "GET /health"]
    assert s.api.routes[2].public and s.api.routes[2].scopes == ()
    assert s.api.upstream == "https://jsonplaceholder.typicode.com"
    assert s.clients[0].grants == ("app.read",) and s.clients[0].secret_days == 180


def test_display_names_stay_within_entras_limit_for_this_audience(dev_config: dict[str, Any]) -> None:
    # Entra allows 90 characters for this sign-in audience: ordinary names on a long stack name went over,
    # and pulumi up failed at the client app after the API app and the AWS side existed.
    dev_config["b2c-apigw:api"]["name"] = "payments-reconciliation-service"
    dev_config["b2c-apigw:clients"][0]["name"] = "finance-ledger-nightly-exporter"
    stack = "production-eu-west-1"
    with pytest.raises(ConfigError) as info:
        parse(dev_config, stack)
    assert info.value.problems == (
        "b2c-apigw:clients[0].name: the registration's display name 'payments-reconciliation-service-production-"
        "eu-west-1 client finance-ledger-nightly-exporter' would be 91 characters; Entra allows 90 for this "
        "sign-in audience: shorten this name or the stack's ('production-eu-west-1')",
    )
    dev_config["b2c-apigw:clients"][0]["name"] = "finance-ledger-nightly-export"
    parse(dev_config, stack)
    # The API app's name: an appIdUri override lifts the App ID URI's own bound on api name + stack.
    dev_config["b2c-apigw:api"]["appIdUri"] = "https://contosob2c.onmicrosoft.com/payments"
    with pytest.raises(ConfigError) as info:
        parse(dev_config, "s" * 60)
    assert [p.split(":", 2)[1] for p in info.value.problems] == ["api.name", "clients[0].name"]
    assert "would be 96 characters" in info.value.problems[0]


def test_more_routes_than_the_default_quota_is_a_warning(dev_config: dict[str, Any]) -> None:
    routes = [{"route": f"GET /r{i}", "scopes": ["app.read"]} for i in range(301)]
    dev_config["b2c-apigw:api"]["routes"] = routes[:300]
    assert parse(dev_config).notices == ()
    dev_config["b2c-apigw:api"]["routes"] = routes
    (notice,) = parse(dev_config).notices
    assert notice.startswith("api.routes has 301 routes; API Gateway's default quota is 300 per API")


@pytest.mark.parametrize(
    ("upstream", "origin"),
    [
        ("https://example.com:", "https://example.com"),
        ("https://Example.COM/", "https://example.com"),
        ("https://example.com:8443", "https://example.com:8443"),
    ],
)
def test_the_upstream_reaches_the_integration_as_a_plain_origin(
    dev_config: dict[str, Any], upstream: str, origin: str
) -> None:
    dev_config["b2c-apigw:api"]["upstream"] = upstream
    assert parse(dev_config).api.upstream == origin


def test_a_decimal_rate_set_with_config_set_path_is_read_as_a_number(dev_config: dict[str, Any]) -> None:
    # `pulumi config set --path 'b2c-apigw:api.throttle.rate' 12.5` stores the string "12.5".
    dev_config["b2c-apigw:api"]["throttle"]["rate"] = "12.5"
    assert parse(dev_config).api.throttle.rate == 12.5


def test_optional_keys_take_documented_defaults(dev_config: dict[str, Any]) -> None:
    del dev_config["b2c-apigw:api"]["throttle"], dev_config["b2c-apigw:api"]["logRetentionDays"]
    del dev_config["b2c-apigw:tenant"]["issuerFormat"], dev_config["b2c-apigw:clients"][0]["secretDays"]
    del dev_config["b2c-apigw:api"]["permissions"][0]["description"]
    s = parse(dev_config)
    assert (s.api.throttle.burst, s.api.throttle.rate) == (50, 100.0)
    assert s.api.log_retention_days == 30
    assert s.tenant.issuer_format == "tfp"
    assert s.clients[0].secret_days == 180
    assert s.api.permissions[0].description == "Allows app.read"


def test_clients_section_is_optional_and_grants_may_be_empty(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:clients"][0]["grants"] = []
    assert parse(dev_config).clients[0].grants == ()
    del dev_config["b2c-apigw:clients"]
    assert parse(dev_config).clients == ()


def test_app_id_uri_override_and_stack_in_default(dev_config: dict[str, Any]) -> None:
    assert parse(dev_config, "prod").api.identifier_uri == "https://contosob2c.onmicrosoft.com/orders-prod"
    dev_config["b2c-apigw:api"]["appIdUri"] = "https://contosob2c.onmicrosoft.com/orders"
    assert parse(dev_config).api.identifier_uri == "https://contosob2c.onmicrosoft.com/orders"


@pytest.mark.parametrize(
    "uri",
    [
        # Entra's supported forms (identifier-uri-restrictions); custom domains cannot be checked here.
        f"api://{TENANT_ID}/orders",
        "api://00001111-aaaa-2222-bbbb-3333cccc4444",
        "api://orders/00001111-aaaa-2222-bbbb-3333cccc4444",
        "api://orders.contoso.com/orders",
        "https://contoso.com/orders",
        "https://orders.contoso.com",
    ],
)
def test_app_id_uri_overrides_entra_accepts(dev_config: dict[str, Any], uri: str) -> None:
    dev_config["b2c-apigw:api"]["appIdUri"] = uri
    assert parse(dev_config).api.identifier_uri == uri


def test_custom_domain_replaces_b2clogin_host(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:tenant"]["domain"] = "login.contoso.com"
    s = parse(dev_config)
    assert s.tenant.issuer == f"https://login.contoso.com/tfp/{TENANT_ID}/B2C_1_susi/v2.0/"
    assert s.tenant.token_url == "https://login.contoso.com/contosob2c.onmicrosoft.com/B2C_1_susi/oauth2/v2.0/token"


def test_missing_sections_are_each_named() -> None:
    found = problems({})
    assert any(p.startswith("b2c-apigw:tenant: is missing") for p in found), found
    assert any(p.startswith("b2c-apigw:api: is missing") for p in found), found
    assert any(p.startswith("azuread:tenantId: is not set") for p in found), found


def test_a_plain_string_where_a_map_belongs_is_named(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:tenant"] = "contosob2c"
    assert "b2c-apigw:tenant: must be a map with the keys name, id, policy" in only_problem(dev_config)


@pytest.mark.parametrize(
    ("path", "value", "key", "words"), BAD_VALUES, ids=[f"{c[2]}={c[1]!r}"[:60] for c in BAD_VALUES]
)
def test_each_bad_value_is_named_with_what_is_valid(
    dev_config: dict[str, Any], path: tuple[Any, ...], value: Any, key: str, words: str
) -> None:
    set_at(dev_config, path, value)
    found = problems(dev_config)
    named = [p for p in found if p.startswith(f"{key}: ")]
    assert len(named) == 1, found
    assert words in named[0], named[0]
    # Anything else reported must be a true consequence: a route or grant naming a permission that the
    # bad entry failed to define.
    assert all(p in named or "is not in api.permissions" in p for p in found), found


def test_a_client_may_hold_at_most_30_grants(dev_config: dict[str, Any]) -> None:
    values = [f"app.p{i}" for i in range(31)]
    dev_config["b2c-apigw:api"]["permissions"] += [{"value": v} for v in values]
    dev_config["b2c-apigw:clients"][0]["grants"] = values[:30]
    assert len(parse(dev_config).clients[0].grants) == 30
    dev_config["b2c-apigw:clients"][0]["grants"] = values
    assert "has 31 grants; Entra allows at most 30" in only_problem(dev_config)


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(["upstream", "appIdUri"]),
    value=st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda scheme, rest: scheme + rest,
            st.sampled_from(["https://", "api://", "https://[", "https://contosob2c.onmicrosoft.com"]),
            st.text(max_size=30),
        ),
    ),
)
def test_any_url_value_gets_a_config_error_never_a_crash(field: str, value: str) -> None:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"][field] = value
    try:
        parse(cfg)
    except ConfigError as error:
        assert all(p.startswith("b2c-apigw:api.") for p in error.problems), error.problems


def test_duplicate_client_names(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:clients"].append({"name": "reporting", "grants": []})
    assert only_problem(dev_config) == "b2c-apigw:clients[1].name: duplicate client name 'reporting'"


def test_unknown_keys_are_named_with_the_valid_ones(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:clients"][0]["secretdays"] = 90
    assert only_problem(dev_config) == (
        "b2c-apigw:clients[0].secretdays: unknown key (valid: name, grants, secretDays, secrets)"
    )


def test_default_app_id_uri_too_long_for_entra(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:api"]["name"] = "o" * 32
    parse(dev_config)  # a 32-character name fits with a short stack name
    with pytest.raises(ConfigError) as info:
        parse(dev_config, stack="s" * 80)
    assert any("would exceed 120 characters" in p for p in info.value.problems)


def test_every_problem_is_reported_in_one_run(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:tenant"]["id"] = "nope"
    dev_config["b2c-apigw:api"]["upstream"] = "ftp://x"
    dev_config["b2c-apigw:clients"][0]["grants"] = ["app.nope"]
    found = problems(dev_config)
    assert [p.split(":", 2)[1].split(" ")[0] for p in found] == ["tenant.id", "api.upstream", "clients[0]"], found
    message = str(ConfigError(found))
    assert message.startswith("the stack config is invalid; nothing was created.")


def test_aws_region_may_come_from_the_environment_like_the_provider_reads_it(dev_config: dict[str, Any]) -> None:
    del dev_config["aws:region"]
    # Unset everywhere is a notice, not an error: the provider may still read the AWS profile's region.
    (notice,) = parse(dev_config).notices
    assert notice.startswith("aws:region is not set")
    read_settings(getter(dev_config), "dev", {"AWS_REGION": "us-east-1"})
    assert not read_settings(getter(dev_config), "dev", {"AWS_DEFAULT_REGION": "ap-southeast-2"}).notices


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (("b2c-apigw:tenant", "name"), "b2c-apigw:tenant.name"),
        (("b2c-apigw:tenant", "id"), "b2c-apigw:tenant.id"),
        (("b2c-apigw:tenant", "policy"), "b2c-apigw:tenant.policy"),
        (("b2c-apigw:tenant", "domain"), "b2c-apigw:tenant.domain"),
        (("b2c-apigw:api", "name"), "b2c-apigw:api.name"),
        (("b2c-apigw:api", "permissions", 1, "value"), "b2c-apigw:api.permissions[1].value"),
        (("b2c-apigw:api", "routes", 0, "route"), "b2c-apigw:api.routes[0].route"),
        (("b2c-apigw:clients", 0, "name"), "b2c-apigw:clients[0].name"),
        (("aws:region",), "aws:region"),
        (("b2c-apigw:api", "upstream"), "b2c-apigw:api.upstream"),  # urlsplit would drop it silently
        (("b2c-apigw:api", "appIdUri"), "b2c-apigw:api.appIdUri"),
    ],
)
def test_a_value_ending_in_a_newline_is_refused(dev_config: dict[str, Any], path: tuple[Any, ...], key: str) -> None:
    # A YAML block scalar (`name: |`) ends its value with a newline, which a regex's $ lets through:
    # it would have reached URLs, names and route keys in both clouds.
    dev_config["b2c-apigw:tenant"]["domain"] = "login.contoso.com"
    dev_config["b2c-apigw:api"]["appIdUri"] = "https://contosob2c.onmicrosoft.com/orders-dev"
    _parent(dev_config, path)[path[-1]] += "\n"
    assert [p for p in problems(dev_config) if p.startswith(f"{key}: ")], problems(dev_config)


def test_routes_that_differ_only_in_parameter_names_are_refused(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:api"]["routes"] += [
        {"route": "GET /posts/{id}", "scopes": ["app.read"]},
        {"route": "GET /posts/{postId}", "scopes": ["app.read"]},
    ]
    assert only_problem(dev_config) == (
        "b2c-apigw:api.routes[4].route: 'GET /posts/{postId}' matches the same requests as 'GET /posts/{id}' "
        "(only path parameter names differ)"
    )


@pytest.mark.parametrize(
    ("first", "second", "conflict"),
    [
        ("GET /posts/{id}", "DELETE /posts/{postId}", "after /posts/ {postId} where 'GET /posts/{id}' calls it {id}"),
        ("GET /posts/{id}", "GET /posts/{postId}/comments", "after /posts/ {postId} where"),  # a deeper route
        ("GET /posts/{id}", "GET /posts/{postId}/c/{cid}", "after /posts/ {postId} where"),  # not only the last
        ("GET /a/{x}/b/{y}", "POST /a/{z}", "after /a/ {z} where 'GET /a/{x}/b/{y}' calls it {x}"),  # all recorded
        ("GET /posts/{id}/c/{cid}", "PUT /posts/{id}/c/{commentId}", "after /posts/{id}/c/ {commentId} where"),
        ("ANY /{proxy+}", "GET /{rest+}", "after / {rest+} where 'ANY /{proxy+}' calls it {proxy+}"),
    ],
)
def test_one_path_position_takes_one_parameter_name_across_routes(
    dev_config: dict[str, Any], first: str, second: str, conflict: str
) -> None:
    # API Gateway refuses the second CreateRoute with ConflictException ("conflicting variable on the
    # same hierarchical level"): pulumi up would fail halfway instead of here.
    dev_config["b2c-apigw:api"]["routes"] += [
        {"route": first, "scopes": ["app.read"]},
        {"route": second, "scopes": ["app.read"]},
    ]
    (problem,) = problems(dev_config)
    assert problem.startswith(f"b2c-apigw:api.routes[4].route: {second!r} calls the path parameter {conflict}")
    assert problem.endswith("so use one name")


def test_a_refused_route_does_not_make_later_routes_wrong(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:api"]["routes"] += [
        {"route": "GET /a/{id}", "scopes": ["app.read"]},
        {"route": "POST /a/{key}/b/{x}", "scopes": ["app.read"]},  # refused: {key}
        {"route": "PUT /a/{id}/b/{y}", "scopes": ["app.read"]},  # fine: the refused route set no name
    ]
    (problem,) = problems(dev_config)
    assert problem.startswith("b2c-apigw:api.routes[4].route: 'POST /a/{key}/b/{x}'")


def test_parameter_names_may_differ_under_different_paths(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:api"]["routes"] += [
        {"route": "GET /posts/{id}", "scopes": ["app.read"]},
        {"route": "DELETE /posts/{id}", "scopes": ["app.write"]},
        {"route": "GET /users/{userId}", "scopes": ["app.read"]},
        {"route": "GET /posts/{id}/comments/{commentId}", "scopes": ["app.read"]},
        {"route": "GET /files/{path+}", "scopes": ["app.read"]},
        {"route": "GET /files/{name}", "scopes": ["app.read"]},
        {"route": "GET /posts/latest", "scopes": ["app.read"]},
    ]
    assert len(parse(dev_config).api.routes) == 10


def test_a_misspelt_section_is_an_error_not_an_empty_section(dev_config: dict[str, Any]) -> None:
    keys = [*dev_config, "b2c-apigw:client"]
    with pytest.raises(ConfigError) as info:
        read_settings(getter(dev_config), "dev", keys=keys)
    assert info.value.problems == (
        "b2c-apigw:client: unknown key (valid: b2c-apigw:tenant, b2c-apigw:api, b2c-apigw:clients)",
    )


SECRET_SECTION = (
    "{}: is stored as a secret (or holds a secret value), but its values become names, URLs and plain stack "
    "outputs, where Pulumi cannot keep them secret; none of them is a credential, so set it again without --secret"
)


@pytest.mark.parametrize("section", ["b2c-apigw:tenant", "b2c-apigw:api", "b2c-apigw:clients"])
def test_a_section_stored_as_a_secret_is_refused_not_leaked(dev_config: dict[str, Any], section: str) -> None:
    # Read as plain text, its values would land unencrypted in the state and in plain outputs.
    with pytest.raises(ConfigError) as info:
        read_settings(getter(dev_config), "dev", secret_keys=[section, "azuread:tenantId"])
    assert info.value.problems == (SECRET_SECTION.format(section),)


def test_reads_the_config_as_the_pulumi_cli_hands_it_over(
    dev_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Python language host passes the stack's config as JSON in PULUMI_CONFIG (structured values as
    # JSON text) and the secret keys in PULUMI_CONFIG_SECRET_KEYS; the mocks use set_all_config instead.
    pulumi.runtime.set_all_config({}, [])
    bag = {k: v if isinstance(v, str) else json.dumps(v) for k, v in dev_config.items()}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(bag | {"b2c-apigw:client": "[]"}))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["b2c-apigw:api", "azuread:tenantId"]))
    with pytest.raises(ConfigError) as info:
        read_pulumi_settings("dev")
    assert info.value.problems == (
        SECRET_SECTION.format("b2c-apigw:api"),
        "b2c-apigw:client: unknown key (valid: b2c-apigw:tenant, b2c-apigw:api, b2c-apigw:clients)",
    )
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(bag))
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["azuread:tenantId"]))
    s = read_pulumi_settings("dev")
    assert (s.tenant.name, s.api.name, [c.name for c in s.clients]) == ("contosob2c", "orders", ["reporting"])


def test_the_provider_key_may_be_a_secret(dev_config: dict[str, Any]) -> None:
    # azuread:tenantId goes to the provider, which keeps it secret; the program only compares it.
    read_settings(getter(dev_config), "dev", secret_keys=["azuread:tenantId"])


def test_values_of_secret_config_never_appear_in_the_error(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:tenant"]["name"] = "Hidden.Tenant"
    dev_config["b2c-apigw:tenant"]["policy"] = "policy-in-a-secret"
    with pytest.raises(ConfigError) as info:
        read_settings(getter(dev_config), "dev", secret_keys=["b2c-apigw:tenant"])
    message = str(info.value)
    assert info.value.problems == (
        SECRET_SECTION.format("b2c-apigw:tenant"),
        "b2c-apigw:tenant.name: is invalid (its value is not shown: the key is stored as a secret)",
        "b2c-apigw:tenant.policy: is invalid (its value is not shown: the key is stored as a secret)",
    )
    for value in ("Hidden.Tenant", "hidden", "policy-in-a-secret"):
        assert value not in message, message


def test_a_secret_value_quoted_by_another_key_is_hidden(dev_config: dict[str, Any]) -> None:
    dev_config["azuread:tenantId"] = "99999999-2222-3333-4444-555555555555"
    with pytest.raises(ConfigError) as info:
        read_settings(getter(dev_config), "dev", secret_keys=["b2c-apigw:tenant"])
    secret_section, problem = info.value.problems
    assert secret_section == SECRET_SECTION.format("b2c-apigw:tenant")
    assert problem.startswith("azuread:tenantId: '99999999-2222-3333-4444-555555555555' differs from")
    assert TENANT_ID not in problem and "[secret]" in problem


# --- Property-based: the validator's contract over many configs -----------------------------------

slug = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
perm_value = st.from_regex(r"[a-z][a-z0-9]{0,6}\.[a-z]{1,6}", fullmatch=True)
segment = st.from_regex(r"[a-z0-9]{1,8}|\{\}", fullmatch=True)
# A parameter is named by its position, as API Gateway needs: one name per path position.
path = st.lists(segment, min_size=0, max_size=4).map(
    lambda s: "/" + "/".join(f"{{p{i}}}" if seg == "{}" else seg for i, seg in enumerate(s))
)
method = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "ANY"])


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    perms = draw(st.lists(perm_value, min_size=1, max_size=6, unique=True))
    keys = draw(st.lists(st.tuples(method, path).map(" ".join), min_size=1, max_size=8, unique_by=config._route_shape))
    routes: list[dict[str, Any]] = []
    for key in keys:
        if draw(st.booleans()) and draw(st.booleans()):
            routes.append({"route": key, "public": True})
        else:
            routes.append(
                {"route": key, "scopes": draw(st.lists(st.sampled_from(perms), min_size=1, max_size=3, unique=True))}
            )
    clients = [
        {
            "name": n,
            "grants": draw(st.lists(st.sampled_from(perms), max_size=len(perms), unique=True)),
            "secretDays": draw(st.integers(1, 730)),
        }
        for n in draw(st.lists(slug, max_size=4, unique=True))
    ]
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"] |= {
        "name": draw(slug),
        "permissions": [{"value": v, "description": f"d {v}"} for v in perms],
        "routes": routes,
    }
    cfg["b2c-apigw:clients"] = clients
    return cfg


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_any_valid_config_parses_and_keeps_every_route_and_grant(cfg: dict[str, Any]) -> None:
    s = parse(cfg)
    assert [r.key for r in s.api.routes] == [r["route"] for r in cfg["b2c-apigw:api"]["routes"]]
    for parsed, raw in zip(s.api.routes, cfg["b2c-apigw:api"]["routes"], strict=True):
        assert list(parsed.scopes) == raw.get("scopes", [])
        assert set(parsed.scopes) <= set(s.api.permission_values)
    assert {c.name: list(c.grants) for c in s.clients} == {c["name"]: c["grants"] for c in cfg["b2c-apigw:clients"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs(), st.text(min_size=1, max_size=12).filter(lambda v: v not in {"app.read"}))
def test_a_grant_outside_the_permissions_is_always_refused(cfg: dict[str, Any], bogus: str) -> None:
    if bogus in {p["value"] for p in cfg["b2c-apigw:api"]["permissions"]}:
        return
    cfg["b2c-apigw:clients"] = [{"name": "intruder", "grants": [bogus]}]
    found = problems(cfg)
    assert found == [
        f"b2c-apigw:clients[0] (intruder).grants: {bogus!r} is not in api.permissions (valid: "
        + ", ".join(p["value"] for p in cfg["b2c-apigw:api"]["permissions"])
        + ")"
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 1000) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(tenant=json_values, api=json_values, clients=json_values, tid=st.none() | st.text(max_size=40))
def test_arbitrary_input_gets_a_config_error_never_a_crash(tenant: Any, api: Any, clients: Any, tid: Any) -> None:
    try:
        parse_settings(
            tenant=tenant, api=api, clients=clients, stack="dev", azuread_tenant_id=tid, aws_region="eu-west-1"
        )
    except ConfigError as error:
        assert error.problems and all(": " in p for p in error.problems)


def test_a_duplicate_of_an_otherwise_invalid_route_is_still_named(dev_config: dict[str, Any]) -> None:
    dev_config["b2c-apigw:api"]["routes"][0]["scopes"] = ["app.nope"]
    dev_config["b2c-apigw:api"]["routes"].append({"route": "GET /posts", "scopes": ["app.read"]})
    found = problems(dev_config)
    assert "b2c-apigw:api.routes[3].route: duplicate route 'GET /posts' (each route key may appear once)" in found


def test_validation_stays_linear_in_the_number_of_routes(dev_config: dict[str, Any]) -> None:
    # A pairwise check took ~25 million regex calls here; the whole validation must stay well under a second.
    import time

    dev_config["b2c-apigw:api"]["routes"] = [
        {"route": f"GET /r{i}/{{id}}", "scopes": ["app.read"]} for i in range(5000)
    ]
    start = time.perf_counter()
    assert len(parse(dev_config).api.routes) == 5000
    assert time.perf_counter() - start < 2.0


def test_a_missing_section_points_at_the_config_reference_in_the_repository(dev_config: dict[str, Any]) -> None:
    del dev_config["b2c-apigw:tenant"]
    del dev_config["b2c-apigw:api"]
    found = problems(dev_config)
    assert "b2c-apigw:tenant: is missing (a map with name, id and policy; see docs/configuration.md)" in found
    assert (
        "b2c-apigw:api: is missing (a map with name, permissions, upstream and routes; see docs/configuration.md)"
        in found
    )
