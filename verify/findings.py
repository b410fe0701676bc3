"""One result type for every command's checks, and its one rendering as text and as JSON.

A ``Finding`` is one thing verify held against a rule: a preflight check of the issuer's discovery,
one of API Gateway's authorizer rules held against a token (doctor), one key of a stack config
(config). ``fail`` makes the command fail; ``warn`` and ``info`` are worth reading and fail nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

Status = Literal["ok", "fail", "warn", "info"]

LABELS: Final[dict[Status, str]] = {"ok": "[ok]  ", "fail": "[FAIL]", "warn": "[warn]", "info": "[info]"}


@dataclass(frozen=True)
class Finding:
    name: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "fail"

    def as_dict(self, name_key: str = "name", *, status: bool = True) -> dict[str, Any]:
        """``{name_key: name, "status": ..., "detail", "fix"}``; ``status=False`` gives ``"ok": bool``
        instead of the status (doctor's rules, which are only ever ok or failed)."""
        verdict: dict[str, Any] = {"status": self.status} if status else {"ok": self.ok}
        return {name_key: self.name, **verdict, "detail": self.detail, "fix": self.fix}


def passed(name: str, ok: bool, detail: str, fix: str = "") -> Finding:
    """An ok/fail finding: a rule that holds or does not."""
    return Finding(name, "ok" if ok else "fail", detail, fix)


def render(findings: Iterable[Finding], indent: str = "") -> list[str]:
    """``[ok]   name: detail`` lines, each fix under its finding's name."""
    lines: list[str] = []
    for f in findings:
        label = LABELS[f.status]
        lines.append(f"{indent}{label} {f.name}: {f.detail}")
        if f.fix:
            lines.append(f"{indent}{' ' * len(label)} fix: {f.fix}")
    return lines
