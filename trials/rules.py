"""Which stacks a trial command may touch, and why: plain functions, no I/O.

A stack is a trial only when all of these hold, whatever else it carries:

- its name (the last segment of ``org/project/name``) is ``pr-<N>``, N a positive decimal number;
- it is tagged ``b2c-apigw:trial=true`` (exactly ``true``);
- it is not tagged ``b2c-apigw:protect`` (any value but ``false`` protects it).

A trial is reaped only when its ``b2c-apigw:expires-at`` tag is a UTC ISO 8601 time in the past and
no update is running on it. A missing or unparseable expiry is reported and left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Final

from trials import EXPIRES_TAG, PROTECT_TAG, TRIAL_TAG

_STACK: Final = re.compile(r"pr-([1-9][0-9]{0,8})\Z")
_TTL: Final = re.compile(r"([1-9][0-9]{0,4})([mhd])\Z")
_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days"}
MAX_TTL: Final = timedelta(days=30)


class TrialError(Exception):
    """A bad argument or input: the message names it and what would be valid."""


def shown(text: str) -> str:
    """``text`` quoted for a message, unless it is long enough to be a pasted secret."""
    return repr(text) if len(text) < 16 else f"a value of {len(text)} characters (not shown)"


def stack_name(pr: int) -> str:
    if pr < 1:
        raise TrialError(f"the pull request number must be a positive integer, got {pr}")
    return f"pr-{pr}"


def short_name(name: str) -> str:
    """``pr-7`` from ``pr-7`` or ``org/b2c-apigw/pr-7`` (Pulumi Cloud qualifies names in ``stack ls``)."""
    return name.rsplit("/", 1)[-1]


def is_trial_name(name: str) -> bool:
    return _STACK.match(short_name(name)) is not None


def parse_ttl(text: str) -> timedelta:
    """``72h`` -> 72 hours; minutes (``m``), hours (``h``) or days (``d``), at most 30 days."""
    m = _TTL.match(text.strip())
    if not m:
        raise TrialError(f"--ttl must be a number followed by m, h or d (e.g. 90m, 72h, 7d), got {shown(text)}")
    ttl = timedelta(**{_UNITS[m[2]]: int(m[1])})
    if ttl > MAX_TTL:
        raise TrialError(f"--ttl must be at most 30d, got {shown(text)}")
    return ttl


def format_time(moment: datetime) -> str:
    """``2026-12-04T09:00:00Z``: UTC, whole seconds, the form the expires-at tag holds."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 time with an offset (``Z`` or ``+00:00``), else ``None``."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # a time without an offset could mean any zone: not a UTC time
    return moment.astimezone(UTC)


class Action(Enum):
    REAP = "reap"
    KEEP = "keep"
    """A trial that has not expired."""
    SKIP = "skip"
    """Not a trial, protected, busy or unreadable: left alone, with the reason reported."""


@dataclass(frozen=True)
class Decision:
    stack: str
    action: Action
    reason: str


def guard(name: str, tags: dict[str, str]) -> str | None:
    """Why ``name`` must not be touched by any trial command, or ``None`` when it is a trial."""
    if not is_trial_name(name):
        return "its name is not pr-<N>"
    if tags.get(TRIAL_TAG) != "true":
        shown = f"={tags[TRIAL_TAG]!r}" if TRIAL_TAG in tags else " absent"
        return f"it is not tagged {TRIAL_TAG}=true (tag{shown})"
    protect = tags.get(PROTECT_TAG)
    if protect is not None and protect.strip().lower() != "false":
        return f"it is tagged {PROTECT_TAG}={protect}"
    return None


def decide(name: str, tags: dict[str, str], now: datetime, *, update_in_progress: bool = False) -> Decision:
    """What ``trials reap`` does with one stack, and why."""
    refusal = guard(name, tags)
    if refusal:
        return Decision(name, Action.SKIP, f"not a trial: {refusal}")
    if update_in_progress:
        return Decision(name, Action.SKIP, "an update is in progress; it is not destroyed under a running update")
    raw = tags.get(EXPIRES_TAG)
    if raw is None:
        return Decision(name, Action.SKIP, f"it has no {EXPIRES_TAG} tag; left alone")
    expires = parse_time(raw)
    if expires is None:
        return Decision(
            name, Action.SKIP, f"its {EXPIRES_TAG} tag {raw!r} is not a UTC ISO 8601 time (e.g. 2026-12-04T09:00:00Z)"
        )
    if expires > now:
        return Decision(name, Action.KEEP, f"expires at {format_time(expires)} (in {_span(expires - now)})")
    return Decision(name, Action.REAP, f"expired at {format_time(expires)} ({_span(now - expires)} ago)")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    return f"{hours // 24}d{hours % 24}h"
