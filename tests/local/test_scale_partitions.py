"""The bench's scale section with the buffer partitioned over several queues, on small limits.

The receive scan is played at 50 and 500 messages (the real 120,000 is checked in
tests/emulator/test_sqs_inflight.py) so the effects fit in a fast test; no timing is asserted.
A visibility change or delete sent to the wrong partition's queue is refused there (receipt
handles are valid only for the queue that issued them), so a misrouted delay would bring a
record back only after the 180 s visibility timeout: the 1 s bounds below would catch it.
"""

from __future__ import annotations

import pytest

from local.bench import scale
from local.bench.scale_world import ACCOUNT_URL, FIRST_QUEUE, World, partitions_module
from local.emulator import sqs_inflight

RUN_FOR = 10_000.0


def test_a_hot_users_backlog_delays_only_the_users_of_its_own_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqs_inflight, "FIFO_RECEIVE_SCAN", 50)
    limit = scale.DEFAULT_BACKLOG_LIMIT
    partitioned = scale.hot_user(120, 20, holding=False, backlog_limit=limit, run_for=RUN_FOR, partitions=4)
    one_queue = scale.hot_user(120, 20, holding=False, backlog_limit=limit, run_for=RUN_FOR, partitions=1)
    route = partitions_module().partition_of
    sharing = sum(1 for i in range(20) if route(f"user-{i}", 4) == route("user-hot", 4))
    assert 0 < sharing < 20 and partitioned["othersInHotPartition"] == sharing
    # Outside the hot partition: every event within 1 s of its window.
    assert partitioned["othersOutsideHotPartitionDelayMaxSeconds"] <= 1.0
    assert partitioned["othersOutsideHotPartitionEventsOver1s"] == 0
    # Inside: behind 120 hot events with the scan at 50, about 70 windows of 60 s (each user's
    # first event; its second then follows one window later, on time).
    assert partitioned["othersInHotPartitionEventsOver1s"] >= sharing
    assert partitioned["othersInHotPartitionDelayMaxSeconds"] > 3_000
    assert partitioned["othersDelivered"] == partitioned["othersEvents"] == 40
    # One queue: everybody waits behind the hot user.
    assert one_queue["othersDelayP99Seconds"] > 3_000


def test_waiting_users_spread_over_partitions_wait_past_one_queues_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqs_inflight, "FIFO_RECEIVE_SCAN", 500)
    one_queue = scale.waiting_users(200, 10, holding=False, partitions=1)
    two = scale.waiting_users(200, 10, holding=False, partitions=2)
    eight = scale.waiting_users(200, 10, holding=False, partitions=8)
    # One queue: 10 queued events per waiting user, the scan of 500 stops at 50 users.
    assert one_queue["stalledByReceiveScan"] and one_queue["waitingUsersBeforeStall"] == 50
    # Two partitions of about 100 users each: the first to reach its scan stops the count, with
    # the other partition's users counted at that same moment.
    assert two["stalledPartitions"] >= 1
    assert 50 < two["waitingUsersBeforeStall"] < 200
    # Eight partitions of about 25 users (250 messages each): no receive ever stalls, all wait.
    assert eight["stalledPartitions"] == 0 and eight["waitingUsersBeforeStall"] == 200
    assert eight["inFlightAtEnd"] == 200  # one in-flight message per waiting user


def test_the_function_works_on_the_queue_each_batch_came_from() -> None:
    world = World(interval=60.0, backlog_limit=scale.DEFAULT_BACKLOG_LIMIT, holding=False, partitions=4)
    groups = [f"user-{i}" for i in range(12)]
    sends = [(0.0, g) for g in groups] + [(1.0, g) for g in groups]
    scale.run(world, sends, until=200.0, stop=lambda: False)
    assert len(world.delivered_at) == 24  # every second event after its window, none lost
    assert max(world.delivered_at[f"e{12 + i}"] for i in range(12)) < 62.0  # window, margin, whole seconds
    assert world.calls["sqs:ChangeMessageVisibilityBatch"] > 0
    assert {world.partition(g) for g in groups} == {0, 1, 2, 3}  # every queue carried traffic
    with pytest.raises(LookupError):
        world.delete_message_batch(
            QueueUrl=ACCOUNT_URL + "other.fifo", Entries=[{"Id": "0", "ReceiptHandle": "p0/0:1"}]
        )
    wrong = world.change_message_visibility_batch(
        QueueUrl=ACCOUNT_URL + FIRST_QUEUE, Entries=[{"Id": "0", "ReceiptHandle": "p1/0:1", "VisibilityTimeout": 5}]
    )
    assert [f["Code"] for f in wrong["Failed"]] == ["ReceiptHandleIsInvalid"]


def test_the_bench_plays_our_design_partitioned_and_the_reference_on_one_queue() -> None:
    """``python -m local bench --partitions P``: our design's workloads carry ``buffer.partitions``; the
    default keeps the one-queue configuration whose calls per event the README's table reports."""
    import argparse

    from local.bench.runner import add_arguments, measure, workload

    assert "eventfork:buffer" not in workload("uniform", events=10).config
    assert workload("uniform", events=10, partitions=4).config["eventfork:buffer"] == {"partitions": 4}
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).partitions == 1 and parser.parse_args(["--partitions", "4"]).partitions == 4
    ours = measure(workload("uniform", events=40, partitions=4), baseline=False)
    assert ours["delivered"] == 40 and ours["invariantViolations"] == 0
    assert ours["batches"] * ours["recordsPerBatch"] == pytest.approx(40, abs=1)  # every queue's batches counted


def test_one_record_per_batch_costs_at_least_the_floor_the_readme_states() -> None:
    """The floor comes from the bench's own cost model: each part a real one-record run pays too."""
    from local.bench.cost import one_record_batch_floor
    from local.bench.runner import measure, workload

    floor = one_record_batch_floor()
    ours = measure(workload("uniform", events=40, partitions=4), baseline=False)
    assert ours["singleRecordBatches"] == ours["batches"] == 40
    for part in ("sqs", "sns", "dynamodb", "lambda", "total"):
        assert ours["cost"][part] >= floor[part], part
    assert floor["total"] > 1.6  # above the one-queue uniform (1.128) and hot-user (1.557) figures
