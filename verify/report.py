"""Plain-text tables and JSON for the commands' results."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from verify.findings import render

if TYPE_CHECKING:
    from verify.doctor import DoctorReport
    from verify.outputs import StackOutputs
    from verify.preflight import PreflightReport
    from verify.smoke import SmokeReport
    from verify.stack_config import ConfigReport


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def to_json(data: Any) -> str:
    """Strict JSON: a token's NaN or Infinity claim (Python's json module reads them) is written as a
    string, since ``NaN`` is not JSON (RFC 8259, section 6) and would break the reader of ``--json``."""
    return json.dumps(_json_safe(data), indent=2, sort_keys=False, default=str, allow_nan=False)


def _json_safe(data: Any) -> Any:
    if isinstance(data, float) and not math.isfinite(data):
        return repr(data)
    if isinstance(data, dict):
        return {k: _json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_json_safe(v) for v in data]
    return data


def mark(ok: bool) -> str:
    return "ok" if ok else "FAIL"


def render_smoke(report: SmokeReport, outputs: StackOutputs) -> str:
    lines = [
        f"smoke: {outputs.api_url} - {len(outputs.routes)} route(s), {len(outputs.clients)} client(s); "
        f"fresh tokens from {outputs.token_url}",
        f"{report.concurrency} call(s) at a time, "
        + (
            f"paced below the stage's throttle (rate {outputs.throttle.rate:g}/s, burst {outputs.throttle.burst})"
            if report.paced and outputs.throttle is not None
            else "not paced (the outputs have no throttle)"
        ),
    ]
    if not report.writes:
        lines.append("--no-writes: authorised calls to routes other than GET, HEAD and OPTIONS are skipped")
    if report.strict:
        lines.append("--strict: an upstream 4xx where 2xx is expected is a mismatch")
    if report.tokens:
        lines.append("tokens:")
    for t in report.tokens:
        if t.error is None:
            roles = f", roles: {' '.join(t.roles)}" if t.roles else ""
            lines.append(
                f"  {t.caller}: ok - scope/scp: {' '.join(t.scopes) or 'none'}{roles} "
                f"(grants in outputs: {', '.join(t.client.grants) or 'none'})"
            )
        else:
            lines.append(f"  {t.caller}: FAIL - {t.error}")
        lines += [f"    hint: {h}" for h in t.hints]
    rows = [[c.caller, c.route, c.expected, c.got, mark(c.ok), c.note] for c in report.calls]
    lines.append(table(["CALLER", "ROUTE", "EXPECTED", "GOT", "RESULT", "NOTE"], rows))
    bad = sum(not c.ok for c in report.calls)
    failed_tokens = sum(t.error is not None for t in report.tokens)
    verdict = "ok" if report.ok else "FAILED"
    lines.append(
        f"{verdict}: {len(report.calls)} call(s), {bad} mismatch(es), {report.skipped} skipped, "
        f"{failed_tokens} token request(s) failed"
    )
    return "\n".join(lines)


def render_preflight(report: PreflightReport) -> str:
    lines = [f"preflight: issuer {report.issuer}", f"  API Gateway reads {report.discovery_url}"]
    lines += render(report.checks)
    failed = sum(c.status == "fail" for c in report.checks)
    lines.append("ok: every check passed" if report.ok else f"FAILED: {failed} check(s) failed")
    return "\n".join(lines)


def render_doctor(report: DoctorReport, outputs: StackOutputs) -> str:
    lines: list[str] = []
    if report.header:
        lines += ["header (decoded as jwt.io does; the signature is not shown):", to_json(report.header)]
        lines += ["claims:", to_json(report.claims)]
    lines.append(f"authorizer rules (issuer {outputs.issuer}, audience {outputs.audience}):")
    lines += render(report.rules, "  ")
    if report.routes:
        rows = [[v.route, v.expected, v.why] for v in report.routes]
        lines.append(table(["ROUTE", "WOULD GET", "WHY"], rows))
    lines += [f"note: {n}" for n in report.notes]
    lines.append(f"verdict: {report.verdict}")
    return "\n".join(lines)


def render_config(report: ConfigReport) -> str:
    lines: list[str] = []
    for f in report.files:
        lines.append(f"config: {f.path} (stack {f.stack})")
        lines += render(f.findings, "  ")
        failed = sum(not x.ok for x in f.findings)
        lines.append(
            "  ok: the program's validator accepts this config"
            if f.ok
            else f"  FAILED: {failed} problem(s); `pulumi up` would stop before creating anything"
        )
    bad = sum(not f.ok for f in report.files)
    lines.append(f"{'ok' if report.ok else 'FAILED'}: {len(report.files)} file(s) checked, {bad} invalid")
    return "\n".join(lines)
