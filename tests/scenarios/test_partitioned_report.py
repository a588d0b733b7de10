"""The simulation report over a partitioned buffer counts every partition queue, not only partition 0."""

from __future__ import annotations

from typing import Any

from local.simulate.invariants import check
from local.simulate.invokers import partitions_module
from local.simulate.runner import simulate
from local.simulate.scenario import parse_scenario

QUIET = {"eventfork:backup": {"enabled": False}, "eventfork:analytics": {"enabled": False}}


def test_counts_and_queue_deduplication_cover_every_partition() -> None:
    route = partitions_module().partition_of
    groups = [f"user-{i}" for i in range(40)]
    assert len({route(g, 4) for g in groups}) == 4  # every partition gets groups
    retransmitted = next(g for g in groups if route(g, 4) != 0)
    events: list[dict[str, Any]] = [
        {"at": float(i), "group": g, "id": f"e{i}", "body": {"i": i}} for i, g in enumerate(groups)
    ]
    events.append({"at": 60.0, "group": retransmitted, "id": f"e{groups.index(retransmitted)}", "body": {"again": 1}})
    config = {**QUIET, "eventfork:replay": {"enabled": False}, "eventfork:buffer": {"partitions": 4}}
    scenario = parse_scenario({"name": "partitioned-report", "events": events, "runFor": 600.0, "config": config})
    report = simulate(scenario)
    assert sum(len(ids) for ids in report["delivered"].values()) == 40
    # SQS drops the retransmission at the partition queue it was sent to (5-minute deduplication).
    assert f"e{groups.index(retransmitted)}" in report["suppressed"]["duplicate"]
    buffer_function = next(name for name in report["invocations"] if name.endswith("buffer"))
    batch_records = sum(size * count for size, count in report["bufferBatchSizes"].items())
    assert batch_records == 40  # every record each buffer queue handed the function, once each here
    assert report["invocations"][buffer_function] == sum(report["bufferBatchSizes"].values())
    assert check(scenario, report, 60.0) == []
