"""Smoke at scale (not a test): ``verify smoke`` with its default settings against the loopback
doubles, the gateway throttling like a stage and answering each call after a fixed latency.

300 routes x 10 clients at 20 ms a call, the stage at rate 1000 / burst 500 (the throttle output says
so, and smoke paces itself below it). The calls are clients x routes + 2 per route (no token, a
tampered token): 3,600. Sequentially that is calls x latency = 72 s; the bound is a quarter of it,
with no 429 from the stage and every call as the grants say.

Prints the call count, the seconds, the ratio to calls x latency and the 429s; exits 1 over the bound.

Run from the project root: uv run python -m bench.smoke [--routes N --clients N --latency S]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.fakes import FakeB2C, FakeGateway, FakeUpstream
from tests.support.harness import stack_outputs
from verify.cli import main as verify

BOUND = 0.25
RATE, BURST = 1000.0, 500
PERMISSIONS = [f"app.p{i}" for i in range(10)]


def _outputs(idp: FakeB2C, gateway: FakeGateway, routes: dict[str, list[str]], clients: int) -> dict[str, object]:
    grants = {
        f"c{i}": [PERMISSIONS[i % len(PERMISSIONS)], PERMISSIONS[(i + 3) % len(PERMISSIONS)]] for i in range(clients)
    }
    specs = {}
    for i, (name, granted) in enumerate(grants.items()):
        client_id, secret = f"00000000-0000-4000-8000-{i:012d}", f"bEnCh8Q~{i:04d}xYzAbCdEfGhIjKlMnOpQrStUvW"
        idp.add_client(client_id, secret, set(granted))
        specs[name] = {"clientId": client_id, "grants": granted, "clientSecret": secret}
    return {**stack_outputs(idp, gateway, routes, specs), "throttle": {"rate": RATE, "burst": BURST}}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--routes", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per call at the gateway (0.02)")
    args = parser.parse_args()

    routes = {f"GET /r{i}": [PERMISSIONS[i % len(PERMISSIONS)]] for i in range(args.routes)}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    idp = FakeB2C(key=key).start()
    upstream = FakeUpstream().start()
    gateway = FakeGateway(
        issuer=idp.issuer,
        audiences=[idp.api_client_id],
        routes=routes,
        upstream=upstream.base,
        rate=RATE,
        burst=BURST,
        latency=args.latency,
        cache_keys=True,  # the stage caches the issuer's keys too; the bench measures smoke, not the double
    ).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "outputs.json"
            path.write_text(json.dumps(_outputs(idp, gateway, routes, args.clients)), encoding="utf-8")
            out = io.StringIO()
            started = time.perf_counter()
            with contextlib.redirect_stdout(out):
                code = verify(["smoke", "--outputs", str(path), "--json"])  # smoke's default settings
            seconds = time.perf_counter() - started
    finally:
        for server in (gateway, upstream, idp):
            server.stop()
    if code != 0:
        print(f"smoke exited {code}: {out.getvalue()[-2000:]}", file=sys.stderr)
    report = json.loads(out.getvalue())
    calls = len(report["calls"])
    expected = args.routes * (args.clients + 2)
    sequential = calls * args.latency
    ratio = seconds / sequential
    print(f"routes {args.routes}, clients {args.clients}, latency {args.latency * 1000:g} ms")
    print(f"stage throttle: rate {RATE:g}/s, burst {BURST}")
    print(f"calls: {calls} (expected {expected}); concurrency {report['concurrency']}, paced: {report['paced']}")
    print(f"seconds: {seconds:.2f}; calls x latency: {sequential:.2f}")
    print(f"ratio: {ratio:.3f} (bound {BOUND})")
    print(f"429s from the stage: {gateway.throttled}; mismatches: {report['mismatches']}")
    ok = code == 0 and calls == expected and ratio <= BOUND and gateway.throttled == 0
    print("ok: under the bound, no 429" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
