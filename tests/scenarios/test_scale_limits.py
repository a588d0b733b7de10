"""SQS FIFO's scale limits end to end (``python -m local simulate``): a hot user's backlog and the
buffer's per-group backlog limit (``eventfork:buffer.maxGroupBacklogSeconds``).

The receive scan is played at 50 messages instead of 120,000 (the constant's documented value is
checked in tests/emulator/test_sqs_inflight.py) so a backlog past it fits in a fast test.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import sqs_inflight
from local.simulate.invariants import check
from local.simulate.invokers import partitions_module
from local.simulate.runner import simulate
from local.simulate.scenario import parse_scenario

SCAN = 50
QUIET = {"eventfork:backup": {"enabled": False}, "eventfork:analytics": {"enabled": False}}


def hot_user(limit: int | None, hot_events: int = 120, run_for: float = 3000.0) -> tuple[Any, dict[str, Any]]:
    events = [{"at": 0.0, "group": "hot", "id": f"h{i:03d}", "body": {"i": i}} for i in range(hot_events)]
    events += [{"at": 1.0 + i, "group": f"user-{i}", "id": f"u{i}", "body": {"i": i}} for i in range(5)]
    config: dict[str, Any] = dict(QUIET)
    if limit is not None:
        config["eventfork:buffer"] = {"maxGroupBacklogSeconds": limit}
    scenario = parse_scenario({"name": "hot-user", "events": events, "runFor": run_for, "config": config})
    return scenario, simulate(scenario)


@pytest.fixture
def small_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqs_inflight, "FIFO_RECEIVE_SCAN", SCAN)


def test_a_hot_users_backlog_past_the_receive_scan_blocks_everyone_else(small_scan: None) -> None:
    """Without a limit, the other users' events sit behind the hot user's backlog until it drains
    below the scan: about (120 - 50) windows of 60 s."""
    scenario, report = hot_user(limit=None, run_for=3000.0)
    others = [report["deliveredAt"].get(f"u{i}") for i in range(5)]
    assert others == [None] * 5  # 50 minutes on, none delivered
    assert 45 <= len(report["delivered"]["hot"]) <= 51  # one per window: the backlog drains slowly


def test_the_backlog_limit_dead_letters_the_hot_backlog_with_a_reason_and_frees_the_others(small_scan: None) -> None:
    scenario, report = hot_user(limit=300, run_for=1200.0)
    others = [report["deliveredAt"][f"u{i}"] for i in range(5)]
    assert max(others) < 300 + 120  # within the limit and the drain of the backlog, not 70 windows
    hot = report["delivered"]["hot"]
    assert hot == sorted(hot) and hot[0] == "h000"  # the delivered part in order
    dead = [e for e in report["deadLettered"] if e.startswith("h")]
    assert len(hot) + len(dead) == 120 and not set(hot) & set(dead)  # every event accounted for, once
    # The invariants hold except that the over-limit events are healthy and dead-lettered: the policy.
    problems = check(scenario, report, 60.0)
    assert problems and all(p.split()[0] in dead for p in problems), problems[:5]


def test_with_partitions_the_hot_users_backlog_blocks_only_its_own_partition(small_scan: None) -> None:
    """``buffer.partitions: 4``: the producer (here the simulator) sends each group to its partition
    queue, so the same backlog past the scan hides only the users of the hot user's partition; the
    others are delivered at once, and everything still holds the invariants (nothing lost, in order)."""
    partitions = partitions_module()
    events = [{"at": 0.0, "group": "hot", "id": f"h{i:03d}", "body": {"i": i}} for i in range(120)]
    users = [f"user-{i}" for i in range(40)]
    events += [{"at": 1.0 + i * 0.1, "group": g, "id": f"u{i}", "body": {"i": i}} for i, g in enumerate(users)]
    config = {**QUIET, "eventfork:buffer": {"partitions": 4}}
    scenario = parse_scenario({"name": "hot-user-partitioned", "events": events, "runFor": 600.0, "config": config})
    report = simulate(scenario)
    hot_partition = partitions.partition_of("hot", 4)
    inside = [i for i, g in enumerate(users) if partitions.partition_of(g, 4) == hot_partition]
    outside = [i for i, g in enumerate(users) if partitions.partition_of(g, 4) != hot_partition]
    assert inside and len(outside) >= 20  # both kinds are played
    for i in outside:  # sent at 1.0 + i * 0.1, delivered at once: within 1 s (whole-second visibility aside)
        assert report["deliveredAt"][f"u{i}"] - (1.0 + i * 0.1) < 1.0, i
    assert all(report["deliveredAt"].get(f"u{i}") is None for i in inside)  # behind the hot backlog, as before
    hot = report["delivered"]["hot"]
    assert hot == sorted(hot) and 9 <= len(hot) <= 11  # one per 60 s window in 600 s
