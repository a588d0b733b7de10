"""The buffer function against emulated SQS, SNS and DynamoDB: every point of the buffer semantics."""

from __future__ import annotations

import json
import math

import pytest
from botocore.exceptions import ClientError

from tests.buffer.conftest import BufferWorld, decisions, processor, recording, records


def run_once(world: BufferWorld, function: object | None = None) -> tuple[dict, object]:
    fn = function or world.function()
    event = world.receive_event()
    result = fn.handle(event)  # type: ignore[attr-defined]
    world.settle(event, result.response)
    return event, result


def kinds(result: object) -> list[str]:
    return [o.kind for o in result.outcomes]  # type: ignore[attr-defined]


def test_first_event_is_delivered_with_its_ids_and_payload(world: BufferWorld) -> None:
    world.send("user-1", "e1", {"consent": "yes"}, occurred_at=5.0)
    _, result = run_once(world)
    assert kinds(result) == ["delivered"]
    assert result.response == {"batchItemFailures": []}
    [envelope] = world.downstream()
    assert envelope == {"eventId": "e1", "groupId": "user-1", "occurredAt": 5.0, "payload": {"consent": "yes"}}


def test_second_event_waits_exactly_until_the_window_ends(world: BufferWorld) -> None:
    world.send("user-1", "e1", {"consent": "yes"})
    run_once(world)
    world.clock.advance_to(2.0)
    world.send("user-1", "e2", {"consent": "no"})
    event, result = run_once(world)
    assert kinds(result) == ["delayed"]
    # The window runs from the recorded delivery, the publish margin after the decision (never before
    # the message reached the topic).
    window_end = 60.0 + decisions.PUBLISH_MARGIN_SECONDS
    assert result.outcomes[0].visible_at == pytest.approx(world.clock.start + window_end)
    assert result.response["batchItemFailures"] == [{"itemIdentifier": event["Records"][0]["messageId"]}]
    world.clock.advance_to(59.0)
    assert world.receive_event()["Records"] == []  # still invisible: not a fixed visibility timeout of 180 s
    world.clock.advance_to(2.0 + math.ceil(window_end - 2.0) + 0.01)  # SQS visibility is whole seconds
    _, result = run_once(world)
    assert kinds(result) == ["delivered"]
    assert [e["eventId"] for e in world.downstream()] == ["e1", "e2"]


def test_later_records_of_a_waiting_group_fail_while_other_groups_go_on(world: BufferWorld) -> None:
    world.send("user-1", "a1", {"n": 1})
    run_once(world)
    world.clock.advance_to(1.0)
    world.send("user-1", "a2", {"n": 2})
    world.send("user-1", "a3", {"n": 3})
    world.send("user-2", "b1", {"n": 1})
    event, result = run_once(world)
    by_id = {o.event_id: o.kind for o in result.outcomes}
    assert by_id == {"a2": "delayed", "a3": "waiting", "b1": "delivered"}
    failed = {f["itemIdentifier"] for f in result.response["batchItemFailures"]}
    assert failed == {r["messageId"] for r in event["Records"] if r["attributes"]["MessageGroupId"] == "user-1"}


def test_retransmission_of_a_delivered_id_is_suppressed_as_duplicate(world: BufferWorld) -> None:
    world.send("user-1", "e1", {"consent": "yes"})
    run_once(world)
    world.clock.advance_to(400.0)  # past the queue's 5-minute dedup window: SQS accepts it again
    world.send("user-1", "e1", {"consent": "yes"})
    _, result = run_once(world)
    assert kinds(result) == ["duplicate"]
    assert [e["eventId"] for e in world.downstream()] == ["e1"]


def test_older_event_after_a_newer_delivery_is_suppressed_as_stale(world: BufferWorld) -> None:
    world.send("user-1", "e2", {"consent": "no"}, occurred_at=10.0)
    run_once(world)
    world.clock.advance_to(100.0)
    world.send("user-1", "e1", {"consent": "yes"}, occurred_at=3.0)
    _, result = run_once(world)
    assert kinds(result) == ["stale"]
    assert "older than the last delivered" in result.outcomes[0].reason
    assert [e["payload"]["consent"] for e in world.downstream()] == ["no"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not an object"),
        (json.dumps({"occurredAt": True}), "occurredAt"),
        (json.dumps({"occurredAt": "yesterday"}), "ISO-8601"),
        (json.dumps({"x": "y" * 262_144}), "bytes"),
    ],
)
def test_malformed_bodies_go_to_the_dlq_with_a_reason_and_the_group_goes_on(
    world: BufferWorld, raw: str, reason: str
) -> None:
    world.send("user-1", "bad", None, raw=raw)
    world.send("user-1", "good", {"ok": True})
    _, result = run_once(world)
    assert kinds(result) == ["dead_lettered", "delivered"]
    [dead] = world.dead_letters()
    assert dead["eventId"] == "bad" and reason in dead["reason"]
    assert [e["eventId"] for e in world.downstream()] == ["good"]


def test_poison_event_is_retried_then_dead_lettered_and_its_group_goes_on(world: BufferWorld) -> None:
    prepare = records.prepare_delivery

    def poison(event: object, topic_fifo: bool) -> object:
        if event.event_id == "p1":  # type: ignore[attr-defined]
            raise ValueError("downstream schema rejects it")
        return prepare(event, topic_fifo)

    fn = world.function(prepare_delivery=poison)
    world.send("user-1", "p1", {"n": 1})
    world.send("user-1", "p2", {"n": 2})
    seen = []
    for _ in range(1, 10):
        _, result = run_once(world, fn)
        seen.append(kinds(result))
        if "delivered" in kinds(result):
            break
        world.clock.advance_to(world.clock.t + 61)
    assert seen[0] == ["failed", "waiting"]
    assert seen[-1] == ["dead_lettered", "delivered"]
    assert len(seen) == world.settings.max_attempts
    [dead] = world.dead_letters()
    assert dead["eventId"] == "p1" and "processing failed 3 times" in dead["reason"]
    assert "schema rejects" in dead["reason"]


def test_crash_after_publish_is_not_delivered_twice(world: BufferWorld) -> None:
    class Crash(BaseException):
        pass

    def crash_after(**_: object) -> None:
        raise Crash()

    world.sns.meta.events.register("after-call.sns.PublishBatch", crash_after)
    world.send("user-1", "e1", {"consent": "yes"})
    event = world.receive_event()
    with pytest.raises(Crash):
        world.function().handle(event)
    world.sns.meta.events.unregister("after-call.sns.PublishBatch", crash_after)
    world.clock.advance_to(181.0)  # the batch comes back after the queue's visibility timeout
    _, result = run_once(world)
    assert kinds(result) == ["delivered"]
    assert [e["eventId"] for e in world.downstream()] == ["e1"]  # the repeat publish was deduplicated


def test_failed_table_write_is_retried_and_delivered_once(world: BufferWorld) -> None:
    calls = {"n": 0}

    def throttle(**_: object) -> None:  # throttled on every attempt of the first invocation
        calls["n"] += 1
        if calls["n"] <= recording.RECORD_ATTEMPTS:
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}
            raise ClientError(error, "BatchExecuteStatement")

    world.ddb.meta.events.register("before-parameter-build.dynamodb.BatchExecuteStatement", throttle)
    world.send("user-1", "e1", {"consent": "yes"})
    _, result = run_once(world)
    assert kinds(result) == ["failed"] and "state write failed" in result.outcomes[0].reason
    assert result.dependency_errors  # the invocation fails: the errors alarm sees the outage
    world.clock.advance_to(world.clock.t + 6.0)
    _, result = run_once(world)
    assert kinds(result) == ["delivered"]
    assert [e["eventId"] for e in world.downstream()] == ["e1"]


def test_publish_failure_fails_the_record_and_blocks_its_group(world: BufferWorld) -> None:
    def reject(**_: object) -> None:
        raise ClientError({"Error": {"Code": "KMSThrottlingException", "Message": "slow"}}, "PublishBatch")

    world.sns.meta.events.register("before-parameter-build.sns.PublishBatch", reject)
    world.send("user-1", "e1", {"n": 1})
    _, result = run_once(world)
    assert kinds(result) == ["failed"]
    assert world.downstream() == []


def test_concurrent_change_of_a_group_fails_only_that_record(world: BufferWorld) -> None:
    world.send("user-1", "a1", {"n": 1})
    world.send("user-2", "b1", {"n": 1})
    fn = world.function()
    original = fn.edge.table.read

    def read_then_race(*args: object, **kwargs: object) -> object:
        snapshot = original(*args, **kwargs)
        world.ddb.put_item(
            TableName="groups",
            Item={
                "messageGroupId": {"S": "user-1"},
                "version": {"N": "7"},
                "lastDeliveredAt": {"N": "0"},
                "lastOccurredAt": {"N": "0"},
                "lastEventId": {"S": "other"},
            },
        )
        return snapshot

    fn.edge.table.read = read_then_race
    _, result = run_once(world, fn)
    assert {o.event_id: o.kind for o in result.outcomes} == {"a1": "failed", "b1": "delivered"}
    assert "changed concurrently" in result.outcomes[0].reason


def test_expired_state_is_ignored_like_dynamodb_ttl_would(world: BufferWorld) -> None:
    world.ddb.put_item(
        TableName="groups",
        Item={
            "messageGroupId": {"S": "user-1"},
            "version": {"N": "3"},
            "lastDeliveredAt": {"N": repr(world.clock.now())},
            "lastOccurredAt": {"N": "9e12"},
            "lastEventId": {"S": "old"},
            "expiresAt": {"N": "1"},
        },
    )
    world.send("user-1", "e1", {"n": 1}, occurred_at=1.0)
    _, result = run_once(world)
    assert kinds(result) == ["delivered"]
    # The expired item is replaced under the version read (UPDATE), not inserted over.
    item = world.ddb.get_item(TableName="groups", Key={"messageGroupId": {"S": "user-1"}})["Item"]
    assert item["version"] == {"N": "4"} and item["lastEventId"] == {"S": "e1"}


def test_interval_zero_delivers_a_whole_group_in_order_in_one_batch(world: BufferWorld) -> None:
    settings = processor.BufferSettings(**{**world.settings.__dict__, "interval_seconds": 0})
    fn = world.function(settings=settings, sleep=lambda seconds: None)
    for i in range(5):
        world.send("user-1", f"e{i}", {"n": i})
    _, result = run_once(world, fn)
    assert kinds(result) == ["delivered"] * 5
    assert [e["eventId"] for e in world.downstream()] == [f"e{i}" for i in range(5)]


def test_a_full_batch_costs_three_calls(world: BufferWorld) -> None:
    calls: list[str] = []
    for client in (world.sqs, world.sns, world.ddb):
        client.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    for i in range(10):
        world.send(f"user-{i}", f"e{i}", {"n": i})
    event = world.receive_event()
    calls.clear()
    result = world.function().handle(event)
    assert kinds(result) == ["delivered"] * 10
    assert sorted(calls) == ["BatchExecuteStatement", "BatchGetItem", "PublishBatch"]


def test_settings_from_env_name_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match="BUFFER_TABLE, TOPIC_ARN"):
        processor.BufferSettings.from_env({"SOURCE_QUEUE_URL": "y", "DLQ_URL": "z"})


def test_a_record_without_group_or_id_is_rejected_with_a_reason() -> None:
    base = {"messageId": "m1", "receiptHandle": "r", "body": "{}", "attributes": {}}
    no_group = records.parse_record(base, 1.7e9)
    assert isinstance(no_group, records.Rejection) and "MessageGroupId" in no_group.reason
    no_id = records.parse_record({**base, "attributes": {"MessageGroupId": "g"}}, 1.7e9)
    assert isinstance(no_id, records.Rejection) and "MessageDeduplicationId" in no_id.reason
    ok = records.parse_record(
        {**base, "attributes": {"MessageGroupId": "g", "MessageDeduplicationId": "e", "SentTimestamp": "5000"}}, 1.7e9
    )
    assert isinstance(ok, records.Event) and ok.occurred_at == 5.0
