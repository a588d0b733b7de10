"""Buffer partitions: the producers' routing rule, and a batch handled on the queue it came from."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from local.emulator import sqs_backend
from local.simulate.invokers import load_module
from tests.buffer.conftest import BUFFER_DIR, BufferWorld

partitions = load_module(BUFFER_DIR, "partitions", "eventfork_test_buffer_partitions")
FIRST_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/dev-buffer.fifo"


def test_partition_is_sha256_of_the_group_modulo_the_count() -> None:
    """The documented rule, computed independently (a producer in another language does exactly this)."""
    for group in ("user-1", "user-hot", "ü-ß-用户", ""):
        expected = int(hashlib.sha256(group.encode()).hexdigest()[:16], 16) % 128
        assert partitions.partition_of(group, 128) == expected
    assert partitions.partition_of("anything", 1) == 0
    with pytest.raises(ValueError, match="at least 1"):
        partitions.partition_of("user-1", 0)


def test_partitions_spread_groups_evenly() -> None:
    counts = Counter(partitions.partition_of(f"user-{i}", 16) for i in range(16_000))
    assert len(counts) == 16 and max(counts.values()) < 1_150 and min(counts.values()) > 850


@given(st.integers(min_value=0, max_value=255))
def test_queue_names_and_indexes_round_trip(index: int) -> None:
    name = partitions.partition_queue_name("dev-buffer.fifo", index)
    assert name.endswith(".fifo") and partitions.partition_index(name, "dev-buffer.fifo") == index


def test_foreign_queues_are_no_partition() -> None:
    for name in ("dev-buffer-dlq.fifo", "dev-buffer-p0.fifo", "dev-buffer-p01.fifo", "other-buffer-p1.fifo"):
        assert partitions.partition_index(name, "dev-buffer.fifo") is None


def test_queue_url_from_arn_keeps_partition_zeros_endpoint() -> None:
    arn = "arn:aws:sqs:us-east-1:123456789012:dev-buffer-p7.fifo"
    assert partitions.queue_url_for_arn(arn, FIRST_URL) == (
        "https://sqs.us-east-1.amazonaws.com/123456789012/dev-buffer-p7.fifo"
    )
    cn = "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/dev-buffer.fifo"
    assert partitions.queue_url_for_arn("arn:aws-cn:sqs:cn-north-1:123456789012:dev-buffer-p1.fifo", cn).endswith(
        ".amazonaws.com.cn/123456789012/dev-buffer-p1.fifo"
    )
    with pytest.raises(ValueError, match="not in the account"):
        partitions.queue_url_for_arn("arn:aws:sqs:us-east-1:999999999999:dev-buffer-p1.fifo", FIRST_URL)
    with pytest.raises(ValueError, match="not an SQS queue ARN"):
        partitions.queue_url_for_arn("arn:aws:sns:us-east-1:123456789012:topic", FIRST_URL)


def _event_from(world: BufferWorld, queue_url: str) -> dict[str, Any]:
    """What the event source mapping of this queue passes: a real receive, with the queue's ARN."""
    from local.emulator.lambda_sqs import lambda_record

    name = queue_url.rsplit("/", 1)[-1]
    arn = f"arn:aws:sqs:us-east-1:123456789012:{name}"
    queue = sqs_backend().get_queue(name)
    response = world.sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )
    handles = {m["ReceiptHandle"] for m in response.get("Messages", [])}
    chosen = [m for m in queue._messages if m.receipt_handle in handles]
    return {"Records": [lambda_record(m, arn) for m in chosen]}


def test_a_waiting_record_is_delayed_on_its_own_partition_queue(world: BufferWorld) -> None:
    """Visibility is changed on the queue the batch came from (before: always partition 0's URL,
    which SQS refuses for another queue's receipt handle, so the record came back only after the
    queue's 180 s visibility timeout instead of at its window's end)."""
    p1_url = world.sqs.create_queue(
        QueueName="buf-p1.fifo",
        Attributes={
            "FifoQueue": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
            "VisibilityTimeout": "180",
        },
    )["QueueUrl"]
    world.settings = type(world.settings)(**{**world.settings.__dict__, "partitions": 2})
    group = next(g for g in (f"user-{i}" for i in range(100)) if partitions.partition_of(g, 2) == 1)
    for n in (1, 2):
        world.sqs.send_message(
            QueueUrl=p1_url, MessageBody=json.dumps({"n": n}), MessageGroupId=group, MessageDeduplicationId=f"e{n}"
        )
    function = world.function()
    event = _event_from(world, p1_url)
    assert [r["eventSourceARN"].rsplit(":", 1)[-1] for r in event["Records"]] == ["buf-p1.fifo", "buf-p1.fifo"]
    result = function.handle(event)
    assert result.count("delivered") == 1 and len(result.response["batchItemFailures"]) == 1
    failed = {f["itemIdentifier"] for f in result.response["batchItemFailures"]}
    for record in event["Records"]:  # the event source mapping deletes what did not fail
        if record["messageId"] not in failed:
            world.sqs.delete_message(QueueUrl=p1_url, ReceiptHandle=record["receiptHandle"])
    world.clock.advance_to(world.clock.t + 30)
    again = world.sqs.receive_message(QueueUrl=p1_url, MaxNumberOfMessages=10)
    assert again.get("Messages", []) == [], "the waiting record must stay invisible until its window ends"
    world.clock.advance_to(world.clock.t + 32)  # the window (60 s and the publish margin), in whole seconds
    later = world.sqs.receive_message(QueueUrl=p1_url, MaxNumberOfMessages=10)
    assert [json.loads(m["Body"])["n"] for m in later["Messages"]] == [2]


def test_records_of_another_partitions_group_are_counted(world: BufferWorld) -> None:
    class Metrics:
        def __init__(self) -> None:
            self.added: list[tuple[str, float]] = []

        def add_metric(self, name: str, unit: str, value: float) -> None:
            self.added.append((name, value))

    world.settings = type(world.settings)(**{**world.settings.__dict__, "partitions": 2})
    group = next(g for g in (f"user-{i}" for i in range(100)) if partitions.partition_of(g, 2) == 1)
    world.send(group, "e1", {"n": 1})  # into partition 0 (buf.fifo), though the group belongs to 1
    metrics = Metrics()
    event = _event_from(world, world.source_url)
    world.function(metrics=metrics).handle(event)
    assert ("records_outside_partition", 1) in metrics.added


def test_the_producer_example_routes_as_the_buffer_expects() -> None:
    """examples/producer's copy of the rule (what a producing team runs) agrees with the reference."""
    from examples.producer.service.send_event import buffer_queue_url

    urls = [f"https://sqs.us-east-1.amazonaws.com/123456789012/dev-buffer-p{i}.fifo" for i in range(7)]
    for i in range(500):
        assert buffer_queue_url(f"user-{i}", urls) == urls[partitions.partition_of(f"user-{i}", 7)]


def test_a_group_split_over_two_partitions_still_ends_with_its_latest_event(world: BufferWorld) -> None:
    """Changing ``buffer.partitions`` re-routes groups: a group's "yes" can still wait in its old queue
    while its later "no" arrives in the new one and is delivered first. The older "yes" is then
    suppressed as stale, never delivered after the "no" (README, Partitions)."""
    p1_url = world.sqs.create_queue(
        QueueName="buf-p1.fifo",
        Attributes={"FifoQueue": "true", "DeduplicationScope": "messageGroup", "VisibilityTimeout": "180"},
    )["QueueUrl"]
    world.settings = type(world.settings)(**{**world.settings.__dict__, "partitions": 2})
    now = world.clock.now()
    world.send("user-7", "yes", {"consent": "yes"}, occurred_at=now - 2)  # old routing: partition 0
    world.sqs.send_message(  # new routing: partition 1, sent later, decided first
        QueueUrl=p1_url,
        MessageBody=json.dumps({"consent": "no"}),
        MessageGroupId="user-7",
        MessageDeduplicationId="no",
        MessageAttributes={"occurredAt": {"DataType": "Number", "StringValue": repr(now - 1)}},
    )
    function = world.function()
    first = function.handle(_event_from(world, p1_url))
    assert first.count("delivered") == 1
    world.clock.advance_to(world.clock.t + 120)  # past the interval: only staleness can hold the "yes" back
    second = function.handle(_event_from(world, world.source_url))
    assert second.count("stale") == 1 and second.count("delivered") == 0
    assert [
        json.loads(e["payload"])["consent"] if isinstance(e["payload"], str) else e["payload"]["consent"]
        for e in world.downstream()
    ] == ["no"]
