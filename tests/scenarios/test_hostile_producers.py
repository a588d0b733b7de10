"""Producers that are hostile but legal: the buffer's promises hold for every input it accepts.

Each test plays a scenario through ``simulate`` (what ``python -m local simulate`` runs) and judges
the report with checks written here, not with the buffer's own code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.simulate.invariants import check
from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def gaps(report: dict[str, Any], ids: list[str]) -> list[float]:
    times = [report["deliveredAt"][i] for i in ids]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def test_an_old_yes_retransmitted_a_day_later_without_occurred_at_is_suppressed() -> None:
    """The group's memory of recent ids is short; a retransmission looks newer without producer time."""
    scenario = load_scenario(SCENARIOS / "retransmission-a-day-later.json")
    report = simulate(scenario)
    assert report["delivered"]["user-1"] == ["yes-1", "no-1", *(f"e{i}" for i in range(3, 13))]
    assert report["suppressed"]["duplicate"] == ["yes-1"]
    assert check(scenario, report, 60.0) == []


@pytest.mark.parametrize("between", [10, 40])
def test_a_retransmission_after_many_events_is_never_delivered_again(between: int) -> None:
    events: list[dict[str, Any]] = [{"at": 0, "group": "u", "id": "first", "body": {"consent": "yes"}}]
    events += [{"at": 1 + i, "group": "u", "id": f"m{i}", "body": {"n": i}} for i in range(between)]
    events.append({"at": 3 * 86400, "group": "u", "id": "first", "body": {"consent": "yes"}})
    config = {"eventfork:buffer": {"intervalSeconds": 1}}
    scenario = parse_scenario({"name": "many-between", "config": config, "events": events, "runFor": 3 * 86400 + 900})
    report = simulate(scenario)
    assert report["delivered"]["u"] == ["first", *(f"m{i}" for i in range(between))]
    assert report["suppressed"]["duplicate"] == ["first"]


def test_a_deeply_nested_body_is_dead_lettered_with_a_reason_and_healthy_events_of_its_batch_go_on() -> None:
    report = simulate(load_scenario(SCENARIOS / "deep-body.json"))
    assert report["deadLettered"] == ["deep"]
    assert "nested" in report["deadLetterReasons"]["deep"]
    assert report["delivered"] == {**{f"user-{i}": [f"ok-{i}"] for i in range(8)}, "user-deep": ["after"]}
    assert report["handlerErrors"] == []


def test_failures_are_counted_per_group_and_event_not_per_event_id() -> None:
    """Ids are per group: user A's event "1" failing must not use up user B's attempts at its own "1"."""
    report = simulate(load_scenario(SCENARIOS / "shared-ids.json"))
    assert report["deadLettered"] == []
    assert report["delivered"] == {"user-a": ["1"], "user-b": ["1"]}


@pytest.mark.parametrize("interval", [60, 1])
def test_slow_publishes_never_bring_two_deliveries_closer_than_the_interval(interval: int) -> None:
    raw = json.loads((SCENARIOS / "slow-publish.json").read_text())
    raw["config"] = {"eventfork:buffer": {"intervalSeconds": interval}}
    report = simulate(parse_scenario(raw))
    ids = ["a1", "a2", "a3", "a4"]
    assert report["delivered"]["user-1"] == ids
    assert min(gaps(report, ids)) >= interval


def test_a_retention_that_a_burst_can_outlast_is_refused_before_anything_is_declared() -> None:
    from local.capture.program import ProgramError

    with pytest.raises(ProgramError) as refused:
        simulate(load_scenario(SCENARIOS / "retention-burst.json"))
    assert "eventfork:buffer.maxGroupBacklogSeconds: got 0" in str(refused.value)


def _future_event(ahead: float, iso: bool) -> dict[str, Any]:
    from datetime import UTC, datetime

    from local.emulator.clock import EPOCH

    stamp: Any = EPOCH + ahead
    if iso:
        stamp = datetime.fromtimestamp(EPOCH + ahead, tz=UTC).isoformat()
    return {"at": 0, "group": "user-1", "id": "ahead", "body": {"consent": "yes", "occurredAt": stamp}}


@pytest.mark.parametrize("iso", [False, True])
@pytest.mark.parametrize("ahead", [25 * 3600, 23 * 3600, 3600])
def test_an_occurred_at_ahead_of_the_allowed_skew_is_dead_lettered_as_future(ahead: float, iso: bool) -> None:
    events = [_future_event(ahead, iso), {"at": 100, "group": "user-1", "id": "no", "body": {"consent": "no"}}]
    report = simulate(parse_scenario({"name": "future", "events": events, "runFor": 900}))
    assert report["deadLettered"] == ["ahead"]
    reason = report["deadLetterReasons"]["ahead"]
    assert "in the future" in reason and "milliseconds" not in reason
    assert "maxFutureSkewSeconds" in reason
    assert report["delivered"] == {"user-1": ["no"]}  # the correct-clock "no" is not suppressed


def test_the_shortest_accepted_retention_loses_nothing_from_a_burst_it_cannot_hold() -> None:
    """Every event of the burst is delivered, or dead-lettered with the backlog reason: none expires unseen."""
    raw = json.loads((SCENARIOS / "retention-burst.json").read_text())
    raw["config"] = {"eventfork:buffer": {"retentionSeconds": 7200}}
    raw["runFor"] = 9000
    report = simulate(parse_scenario(raw))
    delivered = report["delivered"]["user-1"]
    dead = report["deadLettered"]
    assert sorted(delivered + dead) == sorted(f"b{i:02d}" for i in range(80))
    assert dead and all("backlog over its limit" in report["deadLetterReasons"][i] for i in dead)
    assert delivered == [f"b{i:02d}" for i in range(len(delivered))]


def test_a_fast_producer_clock_cannot_flip_consent() -> None:
    report = simulate(load_scenario(SCENARIOS / "fast-clock.json"))
    assert report["deadLettered"] == ["ahead"]
    assert "82800 s in the future" in report["deadLetterReasons"]["ahead"]
    assert report["delivered"] == {"user-1": ["no"]}
