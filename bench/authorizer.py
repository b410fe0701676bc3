"""Authorizer benchmark (not a test): the function from its zip, against a loopback External ID double.

Prints three figures and exits non-zero when one is over its bound:

- warm decision: the median time ``handler`` takes to allow a valid token once the container has
  its keys (RS256 verification, claim checks, the route map, the log line); bound 1 ms.
- cold start: a new ``python -I -S`` process with only the unpacked zip on its path, importing
  the handler (PyJWT, cryptography), then its first decision, which fetches discovery and the
  JWKS from the loopback double; the median of several processes. Lambda adds its own init
  (download, unzip, runtime start) on top; there is no bound here, the figure is for the README.
- package size: the deployable zip (python3.13 x86_64); bound 5 MiB (5,242,880 bytes).

The warm and cold figures come from the tests' twin zip (CPython 3.11, the only interpreter here);
the size from the zip that deploys.

Run from the project root: uv run python -m bench.authorizer [--warm N] [--cold N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from components.lambda_package import DEPLOY_TARGET, TEST_TARGET, build_authorizer_zip
from tests.support.authorizer_zip import ROUTES, ZipFunction, unpack
from tests.support.external_id import READER, READER_SECRET, FakeExternalId

WARM_BOUND_SECONDS = 0.001
SIZE_BOUND_BYTES = 5 * 1024 * 1024


def event(token: str) -> dict[str, object]:
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeKey": "GET /items",
        "identitySource": [f"Bearer {token}", "GET /items"],
        "headers": {"authorization": f"Bearer {token}"},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--warm", type=int, default=500, help="warm decisions to time (default 500)")
    parser.add_argument("--cold", type=int, default=5, help="cold processes to time (default 5)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    deployed = build_authorizer_zip(ROUTES, target=DEPLOY_TARGET)
    tested = build_authorizer_zip(ROUTES, target=TEST_TARGET)
    build_seconds = time.perf_counter() - start

    idp = FakeExternalId(
        signing_keys={"key-1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}, current_kid="key-1"
    ).start()
    idp.add_client(READER, READER_SECRET, {"app.read"})
    env = {
        "AUTHORIZER_ISSUER": idp.issuer,
        "AUTHORIZER_AUDIENCE": idp.api_client_id,
        "AUTHORIZER_DISCOVERY_URL": idp.discovery_url,
    }
    token = idp.token(READER)
    cold: list[tuple[float, float, float]] = []
    warm: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = unpack(tested.path, Path(tmp) / "task")
            for i in range(args.cold):
                spawned = time.perf_counter()
                fn = ZipFunction(root, Path(tmp))
                try:
                    imported = fn.cold(env)
                    answer, first = fn.invoke_timed(event(token))
                    total = time.perf_counter() - spawned
                    assert answer["isAuthorized"] is True, answer
                    cold.append((total, float(imported["import_seconds"]), first))
                    if i == 0:
                        for _ in range(args.warm):
                            answer, seconds = fn.invoke_timed(event(token))
                            assert answer["isAuthorized"] is True, answer
                            warm.append(seconds)
                finally:
                    fn.close()
    finally:
        idp.stop()

    warm_median = statistics.median(warm)
    cold_total = statistics.median(c[0] for c in cold)
    cold_import = statistics.median(c[1] for c in cold)
    cold_first = statistics.median(c[2] for c in cold)
    print(f"build (cached after the first run): {build_seconds:.2f} s")
    p95 = statistics.quantiles(warm, n=20)[-1]
    print(
        f"warm decision, JWKS cached: median {warm_median * 1e3:.3f} ms, p95 {p95 * 1e3:.3f} ms "
        f"over {len(warm)} (bound {WARM_BOUND_SECONDS * 1e3:.0f} ms)"
    )
    print(
        f"cold start: median {cold_total * 1e3:.0f} ms from process start to first decision "
        f"(imports {cold_import * 1e3:.0f} ms, first decision with discovery + JWKS fetch {cold_first * 1e3:.1f} ms) "
        f"over {len(cold)} processes"
    )
    print(
        f"package: {deployed.size:,} bytes = {deployed.size / 1024 / 1024:.2f} MiB = {deployed.size / 1e6:.2f} MB "
        f"({DEPLOY_TARGET.runtime} {DEPLOY_TARGET.architecture}; bound {SIZE_BOUND_BYTES:,} bytes = 5 MiB)"
    )
    failures = []
    if warm_median >= WARM_BOUND_SECONDS:
        failures.append("warm decision over 1 ms")
    if deployed.size > SIZE_BOUND_BYTES:
        failures.append("package over 5 MiB")
    print("verdict: " + ("; ".join(failures) if failures else "within bounds"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
