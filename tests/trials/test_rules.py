"""The safety rules as plain functions: which stacks a trial command may touch, and the expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trials.rules import Action, TrialError, decide, format_time, is_trial_name, parse_time, parse_ttl

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TRIAL = {"b2c-apigw:trial": "true"}


@pytest.mark.parametrize(
    ("name", "ok"),
    [("pr-1", True), ("pr-42", True), ("org/b2c-apigw/pr-7", True), ("pr-0", False), ("pr-07", False),
     ("pr-", False), ("pr-7-old", False), ("PR-7", False), ("dev", False), ("pr-7\n", False), ("xpr-7", False)],
)  # fmt: skip
def test_only_pr_n_names_are_trials(name: str, ok: bool) -> None:
    assert is_trial_name(name) is ok


@pytest.mark.parametrize(
    ("tags", "action", "reason"),
    [
        (
            {**TRIAL, "b2c-apigw:expires-at": "2026-12-01T08:59:59Z"},
            Action.REAP,
            "expired at 2026-12-01T08:59:59Z (0m ago)",
        ),
        ({**TRIAL, "b2c-apigw:expires-at": "2026-12-01T09:00:00+00:00"}, Action.REAP, "expired at"),
        (
            {**TRIAL, "b2c-apigw:expires-at": "2026-12-01T10:30:00+01:00"},
            Action.KEEP,
            "expires at 2026-12-01T09:30:00Z (in 30m)",
        ),
        ({**TRIAL, "b2c-apigw:expires-at": "2026-12-01T09:00:01Z"}, Action.KEEP, "expires at 2026-12-01T09:00:01Z"),
        ({**TRIAL, "b2c-apigw:expires-at": "2026-12-04T09:00:00Z"}, Action.KEEP, "(in 3d0h)"),
        ({**TRIAL, "b2c-apigw:expires-at": "2026-12-01T08:00:00"}, Action.SKIP, "not a UTC ISO 8601 time"),
        ({**TRIAL, "b2c-apigw:expires-at": "soon"}, Action.SKIP, "'soon' is not a UTC ISO 8601 time"),
        (TRIAL, Action.SKIP, "no b2c-apigw:expires-at tag"),
        ({"b2c-apigw:expires-at": "2020-01-01T00:00:00Z"}, Action.SKIP, "not tagged b2c-apigw:trial=true (tag absent)"),
        ({"b2c-apigw:trial": "True", "b2c-apigw:expires-at": "2020-01-01T00:00:00Z"}, Action.SKIP, "tag='True'"),
        (
            {**TRIAL, "b2c-apigw:protect": "true", "b2c-apigw:expires-at": "2020-01-01T00:00:00Z"},
            Action.SKIP,
            "protect",
        ),
        ({**TRIAL, "b2c-apigw:protect": "yes", "b2c-apigw:expires-at": "2020-01-01T00:00:00Z"}, Action.SKIP, "protect"),
        (
            {**TRIAL, "b2c-apigw:protect": "false", "b2c-apigw:expires-at": "2020-01-01T00:00:00Z"},
            Action.REAP,
            "expired",
        ),
    ],
)
def test_decisions_and_their_reasons(tags: dict[str, str], action: Action, reason: str) -> None:
    d = decide("pr-3", tags, NOW)
    assert d.action is action
    assert reason in d.reason


def test_a_running_update_is_never_reaped() -> None:
    d = decide("pr-3", {**TRIAL, "b2c-apigw:expires-at": "2020-01-01T00:00:00Z"}, NOW, update_in_progress=True)
    assert d.action is Action.SKIP and "update is in progress" in d.reason


def test_a_wrong_name_wins_over_every_tag() -> None:
    d = decide("dev", {**TRIAL, "b2c-apigw:expires-at": "2020-01-01T00:00:00Z"}, NOW)
    assert d.action is Action.SKIP and "name is not pr-<N>" in d.reason


@pytest.mark.parametrize(
    ("text", "delta"), [("90m", timedelta(minutes=90)), ("72h", timedelta(hours=72)), ("30d", timedelta(days=30))]
)
def test_ttl(text: str, delta: timedelta) -> None:
    assert parse_ttl(text) == delta


@pytest.mark.parametrize("text", ["", "0h", "72", "1w", "-1h", "31d", "1.5h", "72 h"])
def test_bad_ttl_is_refused(text: str) -> None:
    with pytest.raises(TrialError, match="--ttl"):
        parse_ttl(text)


def test_expiry_round_trips_in_utc() -> None:
    moment = datetime(2026, 12, 4, 10, 0, 0, 123456, tzinfo=UTC)
    text = format_time(moment)
    assert text == "2026-12-04T10:00:00Z"
    assert parse_time(text) == moment.replace(microsecond=0)
