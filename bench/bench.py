"""Scale benchmark (not a test): the program under mocks with many routes and clients.

Prints, for 10/100/500 routes x 5/50 clients, the resources registered and the seconds taken,
beside two floors, both through the same mocks:

- bare: the same number of bare resources (one plain input each);
- replay: the same resources (types, names, the very inputs the program sent) registered directly,
  with no config parsing, components, typed SDK classes or Output wiring.

Expected: one resource per route, a constant per client (component, app, service principal,
secret, one assignment per grant). The program/replay ratio is what this program adds; it is
checked against 1.5x at 500 routes. The program/bare ratio also counts what pulumi_aws and
pulumi_azuread's typed resource classes cost per resource (an Output per property), which a
program using them cannot avoid; it is printed, not checked.

Run: python bench/bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pulumi  # noqa: E402
from conftest import DEV_CONFIG  # noqa: E402
from mocks import Registered, install_mocks, run_program, settle  # noqa: E402

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


def floor(count: int) -> float:
    install_mocks()
    start = time.perf_counter()
    settle(lambda: {str(i): Bare(f"bare-{i}").urn for i in range(count)})
    return time.perf_counter() - start


def replay(registered: list[Registered]) -> float:
    install_mocks()
    start = time.perf_counter()

    def build() -> dict[str, Any]:
        urns: dict[str, Any] = {}
        for r in registered:
            if r.custom:
                urns[f"{r.type}::{r.name}"] = pulumi.CustomResource(r.type, r.name, dict(r.inputs)).urn
            else:
                urns[f"{r.type}::{r.name}"] = pulumi.ComponentResource(r.type, r.name).urn
        return urns

    settle(build)
    return time.perf_counter() - start


def program(routes: int, clients: int) -> tuple[list[Registered], float]:
    cfg = config(routes, clients)
    start = time.perf_counter()
    run = run_program(cfg)
    return run.registered, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; medians are shown")
    args = parser.parse_args()
    program(10, 5)  # warm imports and caches so the first row is not the import time
    print(
        f"{'routes':>6} {'clients':>7} {'resources':>9} {'program s':>9} {'replay s':>8} {'bare s':>7}"
        f" {'/replay':>7} {'/bare':>6}"
    )
    counts: dict[tuple[int, int], int] = {}
    ok = True
    for clients in (5, 50):
        for routes in (10, 100, 500):
            runs = [program(routes, clients) for _ in range(args.repeat)]
            registered = runs[0][0]
            seconds = statistics.median(t for _, t in runs)
            replayed = statistics.median(replay(registered) for _ in range(args.repeat))
            bare = statistics.median(floor(len(registered)) for _ in range(args.repeat))
            counts[(routes, clients)] = len(registered)
            print(
                f"{routes:>6} {clients:>7} {len(registered):>9} {seconds:>9.3f} {replayed:>8.3f} {bare:>7.3f}"
                f" {seconds / replayed:>7.2f} {seconds / bare:>6.2f}"
            )
            if routes == 500 and seconds / replayed >= 1.5:
                ok = False
    per_route = (counts[(500, 5)] - counts[(10, 5)]) / 490
    per_client = (counts[(10, 50)] - counts[(10, 5)]) / 45
    expected_per_client = 4 + GRANTS_PER_CLIENT
    print(
        f"resources per route: {per_route:g} (expected 1); per client: {per_client:g} (expected {expected_per_client})"
    )
    if per_route != 1 or per_client != expected_per_client:
        ok = False
    print("within bounds" if ok else "OUT OF BOUNDS")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
