"""Scale benchmark (not a test): the program under mocks with many routes and clients.

Prints, for 10/100/500 routes x 5/50 clients, the resources registered and the seconds taken,
beside two floors, both through the same mocks:

- bare: the same number of bare resources (one plain input each);
- typed: the same resources (types, names, the very inputs the program sent) built directly
  through the same pulumi_aws / pulumi_azuread classes, in one flat loop: no config parsing,
  components or Output wiring.

Expected: one resource per route, a constant per client (component, app, service principal,
secret, one assignment per grant), and the program under 1.5x the floor at 500 routes.
Against the bare floor the program costs 2-3x; a flat loop of 500 aws.apigatewayv2.Route alone
costs about 2.0-2.6x 500 bare resources, since each typed resource makes an Output per property.
That cost belongs to the SDK classes, so the program/typed ratio is the one that shows what this
program adds; both are printed, and the verdict line says which bound holds. The last two
lines measure that SDK cost on its own, with no program, against 500 bare resources: 500 typed
routes with plain inputs (when over 1.5, no program built from the typed classes can meet the
bare bound), and the same routes as untyped CustomResources with their six wire inputs (the
cheapest registration there is; the program does not use it, as it would lose the SDK's
argument names and types for a mocked-registration benchmark).

Run from the project root: uv run python -m bench.bench [--repeat N]
"""

from __future__ import annotations

import argparse
import copy
import gc
import re
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azuread as azuread

from tests.support.example import DEV_CONFIG
from tests.support.mocks import Registered, install_mocks, run_program, settle

PERMISSIONS = [f"app.p{i}" for i in range(10)]
GRANTS_PER_CLIENT = 2


def config(routes: int, clients: int) -> dict[str, Any]:
    cfg = copy.deepcopy(DEV_CONFIG)
    cfg["b2c-apigw:api"]["permissions"] = [{"value": p} for p in PERMISSIONS]
    cfg["b2c-apigw:api"]["routes"] = [
        {"route": f"GET /r{i}", "scopes": [PERMISSIONS[i % len(PERMISSIONS)]]} for i in range(routes)
    ]
    cfg["b2c-apigw:clients"] = [
        {"name": f"c{i}", "grants": [PERMISSIONS[(i + k) % len(PERMISSIONS)] for k in range(GRANTS_PER_CLIENT)]}
        for i in range(clients)
    ]
    return cfg


class Bare(pulumi.CustomResource):
    def __init__(self, name: str) -> None:
        super().__init__("bench:index:Bare", name, {"value": name})


def _timed(build: Callable[[], Mapping[str, Any]]) -> float:
    """Seconds to run ``build`` under fresh mocks until every registration has settled."""
    install_mocks()
    gc.collect()  # the previous measurement's garbage is not billed here
    start = time.perf_counter()
    settle(build)
    return time.perf_counter() - start


def floor(count: int) -> float:
    return _timed(lambda: {str(i): Bare(f"bare-{i}").urn for i in range(count)})


TYPED: dict[str, Any] = {
    "azuread:index/application:Application": azuread.Application,
    "azuread:index/servicePrincipal:ServicePrincipal": azuread.ServicePrincipal,
    "azuread:index/appRoleAssignment:AppRoleAssignment": azuread.AppRoleAssignment,
    "azuread:index/applicationPassword:ApplicationPassword": azuread.ApplicationPassword,
    "aws:apigatewayv2/api:Api": aws.apigatewayv2.Api,
    "aws:apigatewayv2/authorizer:Authorizer": aws.apigatewayv2.Authorizer,
    "aws:apigatewayv2/integration:Integration": aws.apigatewayv2.Integration,
    "aws:apigatewayv2/route:Route": aws.apigatewayv2.Route,
    "aws:apigatewayv2/stage:Stage": aws.apigatewayv2.Stage,
    "aws:cloudwatch/logGroup:LogGroup": aws.cloudwatch.LogGroup,
}
_DATA_MAPS = {"tags", "request_parameters"}  # their keys are data, not argument names


def _snake(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        if key in _DATA_MAPS:
            return dict(value)
        out = {}
        for k, v in value.items():
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower()
            out[name] = _snake(v, name)
        return out
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


def typed(registered: list[Registered]) -> float:
    def build() -> dict[str, Any]:
        urns: dict[str, Any] = {}
        for r in registered:
            if r.custom:
                resource = TYPED[r.type](r.name, **_snake(r.inputs))
            else:
                resource = pulumi.ComponentResource(r.type, r.name)
            urns[f"{r.type}::{r.name}"] = resource.urn
        return urns

    return _timed(build)


def routes_alone(count: int) -> float:
    """A flat loop of typed routes with plain inputs: what any program using aws.apigatewayv2.Route pays."""
    return _timed(
        lambda: {
            str(i): aws.apigatewayv2.Route(
                f"route-{i}",
                api_id="a1b2c3d4e5",
                route_key=f"GET /r{i}",
                authorization_type="JWT",
                authorizer_id="abc1234",
                authorization_scopes=["app.read"],
                target="integrations/def5678",
            ).urn
            for i in range(count)
        }
    )


def untyped_routes_alone(count: int) -> float:
    """The same routes as untyped CustomResources with just their six wire inputs: the cheapest way
    to register them at all (not what the program does: it would give up the SDK's argument checks)."""
    return _timed(
        lambda: {
            str(i): pulumi.CustomResource(
                "aws:apigatewayv2/route:Route",
                f"route-{i}",
                {
                    "apiId": "a1b2c3d4e5",
                    "routeKey": f"GET /r{i}",
                    "authorizationType": "JWT",
                    "authorizerId": "abc1234",
                    "authorizationScopes": ["app.read"],
                    "target": "integrations/def5678",
                },
            ).urn
            for i in range(count)
        }
    )


def program(routes: int, clients: int) -> tuple[list[Registered], float]:
    cfg = config(routes, clients)
    gc.collect()  # each measurement starts from a clean heap: the previous run's garbage is not billed here
    start = time.perf_counter()
    run = run_program(cfg)
    return run.registered, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians are shown")
    args = parser.parse_args()
    program(10, 5)  # warm imports and caches so the first row is not the import time
    print(
        f"{'routes':>6} {'clients':>7} {'resources':>9} {'program s':>9} {'typed s':>8} {'bare s':>7}"
        f" {'/typed':>7} {'/bare':>6}"
    )
    counts: dict[tuple[int, int], int] = {}
    ratios_typed: list[float] = []
    ratios_bare: list[float] = []
    for clients in (5, 50):
        for routes in (10, 100, 500):
            runs = [program(routes, clients) for _ in range(args.repeat)]
            registered = runs[0][0]
            seconds = statistics.median(t for _, t in runs)
            floor_typed = statistics.median(typed(registered) for _ in range(args.repeat))
            bare = statistics.median(floor(len(registered)) for _ in range(args.repeat))
            counts[(routes, clients)] = len(registered)
            print(
                f"{routes:>6} {clients:>7} {len(registered):>9} {seconds:>9.3f} {floor_typed:>8.3f} {bare:>7.3f}"
                f" {seconds / floor_typed:>7.2f} {seconds / bare:>6.2f}"
            )
            if routes == 500:
                ratios_typed.append(seconds / floor_typed)
                ratios_bare.append(seconds / bare)
    per_route = (counts[(500, 5)] - counts[(10, 5)]) / 490
    per_client = (counts[(10, 50)] - counts[(10, 5)]) / 45
    expected_per_client = 4 + GRANTS_PER_CLIENT
    print(
        f"resources per route: {per_route:g} (expected 1); per client: {per_client:g} (expected {expected_per_client})"
    )
    growth_ok = per_route == 1 and per_client == expected_per_client
    typed_ok = max(ratios_typed) < 1.5
    bare_ok = max(ratios_bare) < 1.5
    print(f"growth: {'as expected' if growth_ok else 'NOT as expected'}")
    print(f"at 500 routes, program / typed floor: {max(ratios_typed):.2f} ({'under' if typed_ok else 'NOT under'} 1.5)")
    print(f"at 500 routes, program / bare floor:  {max(ratios_bare):.2f} ({'under' if bare_ok else 'NOT under'} 1.5)")
    bare_500 = statistics.median(floor(500) for _ in range(args.repeat))
    sdk = statistics.median(routes_alone(500) for _ in range(args.repeat)) / bare_500
    untyped = statistics.median(untyped_routes_alone(500) for _ in range(args.repeat)) / bare_500
    print(f"500 typed routes in a flat loop, no program / 500 bare: {sdk:.2f} (the SDK's own cost per typed resource)")
    print(f"500 untyped routes (six wire inputs each), no program / 500 bare: {untyped:.2f}")
    return 0 if growth_ok and typed_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
