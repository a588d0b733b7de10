"""The buffer under Lambda as it runs: concurrent invocations, slow calls, the function stopped at its timeout."""

from __future__ import annotations

from typing import Any

import pytest

from local.simulate.invariants import check
from local.simulate.invokers import partitions_module
from local.simulate.runner import simulate
from local.simulate.scenario import parse_scenario

QUIET = {
    "eventfork:backup": {"enabled": False},
    "eventfork:analytics": {"enabled": False},
    "eventfork:replay": {"enabled": False},
}
INTERVAL = 60.0
BUFFER = "eventfork-dev-buffer"


def slow(service: str, operation: str, seconds: float, until: float) -> dict[str, Any]:
    return {
        "kind": "latency",
        "service": service,
        "operation": operation,
        "seconds": seconds,
        "from": 0,
        "until": until,
    }


def play(events: int, groups: int, faults: list[dict[str, Any]], seed: int = 0) -> tuple[Any, dict[str, Any]]:
    docs = [{"at": i * 0.5, "group": f"u-{i % groups}", "id": f"e{i}", "body": {"i": i}} for i in range(events)]
    doc = {"name": "concurrency", "events": docs, "faults": faults, "config": QUIET, "seed": seed, "runFor": 3000}
    scenario = parse_scenario(doc)
    return scenario, simulate(scenario)


def test_slow_publishes_overlap_invocations_up_to_max_concurrency_and_keep_every_promise() -> None:
    scenario, report = play(40, 20, [slow("sns", "PublishBatch", 2.0, 3600)])
    assert 1 < report["maxConcurrentInvocations"][BUFFER] <= 10
    mapping = report["mappingConcurrency"]["eventfork-dev-buffer.fifo"]
    assert mapping["maximumConcurrency"] == 10  # the dev stack's buffer.maxConcurrency, from the plan
    assert mapping["peak"] == report["maxConcurrentInvocations"][BUFFER]
    assert sum(len(ids) for ids in report["delivered"].values()) == 40
    assert check(scenario, report, INTERVAL) == []


def test_invocations_hit_the_limit_when_every_call_is_slow() -> None:
    scenario, report = play(40, 20, [slow("dynamodb", "BatchGetItem", 20.0, 3600)])
    assert report["mappingConcurrency"]["eventfork-dev-buffer.fifo"]["peak"] == 10
    assert check(scenario, report, INTERVAL) == []


def test_the_same_seed_plays_the_same_run() -> None:
    faults = [slow("sns", "PublishBatch", 2.0, 3600), slow("dynamodb", "BatchExecuteStatement", 1.0, 3600)]
    _, first = play(30, 10, faults, seed=5)
    _, again = play(30, 10, faults, seed=5)
    keys = ("delivered", "deliveredAt", "bufferCalls", "maxConcurrentInvocations", "bufferBatchSizes")
    assert {k: first[k] for k in keys} == {k: again[k] for k in keys}


def test_an_invocation_past_its_timeout_is_stopped_and_its_batch_delivered_once_later() -> None:
    # Publishes started in the first 5 s take 40 s: past the function's 30 s timeout. The publish has its
    # effect; the next call raises the kill; the batch comes back after the visibility timeout.
    scenario, report = play(8, 8, [slow("sns", "PublishBatch", 40.0, 5)])
    assert report["timeouts"][BUFFER] >= 1
    times = report["functionErrorTimes"][BUFFER]
    assert len(times) == report["timeouts"][BUFFER] and min(times) == pytest.approx(30.0)
    assert sorted(i for ids in report["delivered"].values() for i in ids) == sorted(f"e{i}" for i in range(8))
    assert check(scenario, report, INTERVAL) == []


def test_visibility_that_expires_during_a_slow_publish_is_received_again_and_delivered_once() -> None:
    # A 400 s publish: the record's visibility (180 s) expires while it is in flight; another invocation
    # receives it and publishes it again, the first publish lands later inside the topic's deduplication.
    scenario, report = play(4, 4, [slow("sns", "PublishBatch", 400.0, 1)])
    assert report["invocations"][BUFFER] >= 6  # 4 batches, 2 of them received again
    assert report["timeouts"][BUFFER] >= 1
    assert report["maxConcurrentInvocations"][BUFFER] >= 2
    assert check(scenario, report, INTERVAL) == []
    assert report["lateRepublish"] == 0


def repeats(scenario: Any, report: dict[str, Any]) -> list[str]:
    """Ids delivered more than once; fails if anything else is wrong (lost, reordered, too close)."""
    twice = sorted(i for ids in report["delivered"].values() for i in set(ids) if ids.count(i) > 1)
    expected_only = {f"{i} was delivered 2 times" for i in twice}
    for group, ids in report["delivered"].items():
        unique = list(dict.fromkeys(ids))
        order = [e.id for e in scenario.events if e.group == group]
        assert unique == list(dict.fromkeys(order)), f"{group}: {ids} is not the producer's order {order}"
    for problem in check(scenario, report, INTERVAL):
        # the repeat itself is reported as a repeat, an order of [x, x] and a gap of 0 between x and x
        assert problem in expected_only or any(f"['{i}', '{i}']" in problem or f"{i} and {i}" in problem for i in twice)
    return twice


def test_a_publish_sns_applies_more_than_5_minutes_after_it_was_sent_is_the_stated_repeat() -> None:
    # The Guarantees table's limit: a publish request the topic applies more than 5 minutes after it was
    # sent (the function's client gave up on it after 5 s) can land after the deduplication window of
    # the record's republish. The repeat is the same event, in its group's order; nothing is lost.
    scenario, report = play(4, 4, [slow("sns", "PublishBatch", 600.0, 1)])
    assert repeats(scenario, report) == ["e0", "e1"]
    assert sorted(i for ids in report["delivered"].values() for i in set(ids)) == ["e0", "e1", "e2", "e3"]


def crash_then_receive_outage() -> dict[str, Any]:
    return {
        "name": "late-republish",
        "config": QUIET,
        "runFor": 2000,
        "events": [{"at": 0, "group": "u", "id": "e1", "body": {}}],
        "faults": [
            {"kind": "crash_after_publish", "id": "e1", "times": 1},
            {"kind": "outage", "service": "sqs", "operation": "ReceiveMessage", "from": 1, "until": 400},
        ],
    }


def test_a_republish_after_the_deduplication_window_is_counted_and_the_poller_resumes_after_an_outage() -> None:
    # The function dies after publishing e1; SQS receives nothing until 400 s; then e1 comes back and is
    # published again 400 s after it was recorded: the buffer's late_republish metric says so.
    report = simulate(parse_scenario(crash_then_receive_outage()))
    assert report["invocations"][BUFFER] == 2  # the poller receives again once the outage is over
    assert report["lateRepublish"] == 1 == report["bufferMetrics"]["late_republish"]


def test_a_late_republish_is_the_stated_repeat_counted_for_its_alarm() -> None:
    # The Guarantees table's limit: a record whose publish was not confirmed and that SQS returns more
    # than 270 s after it was recorded is published again (never dropped: its first publish may not
    # have happened); the repeat is counted as late_republish, which the stack alarms on.
    scenario = parse_scenario(crash_then_receive_outage())
    report = simulate(scenario)
    assert repeats(scenario, report) == ["e1"]
    assert report["lateRepublish"] == 1


def test_concurrent_invocations_run_in_execution_environments_of_their_own() -> None:
    """Lambda runs one invocation at a time per execution environment ("Lambda execution environment
    lifecycle": an environment is reused only after its invocation finished). Two partitions' invocations
    overlapping on a slow read must not share the function's per-invocation state: before, the second
    one's queue replaced the first's and the first's delayed record came back after the 180 s visibility
    timeout instead of at its window's end."""
    pm = partitions_module()
    by_partition: dict[int, str] = {}
    for i in range(100):
        by_partition.setdefault(pm.partition_of(f"user-{i}", 2), f"user-{i}")
    events = []
    for group in by_partition.values():
        events += [{"at": 0, "group": group, "id": f"{group}-1", "body": {}}]
        events += [{"at": 1, "group": group, "id": f"{group}-2", "body": {}}]
    doc = {
        "name": "two-partitions",
        "events": events,
        "runFor": 600,
        "config": {**QUIET, "eventfork:buffer": {"partitions": 2}},
        "faults": [slow("dynamodb", "BatchGetItem", 0.5, 600)],
    }
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    assert report["maxConcurrentInvocations"][BUFFER] == 2
    assert "visibility_not_set" not in report["bufferMetrics"]
    for group in by_partition.values():
        gap = report["deliveredAt"][f"{group}-2"] - report["deliveredAt"][f"{group}-1"]
        assert INTERVAL <= gap <= INTERVAL + 2.5
    assert check(scenario, report, INTERVAL) == []
