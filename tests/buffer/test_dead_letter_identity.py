"""An event keeps its identity through the buffer's DLQ and back: event id, group, occurredAt, attributes.

SQS replaces a FIFO message's deduplication id with its message id when SQS itself moves it to a
FIFO dead-letter queue, and a redrive gives it a new message id and enqueue time
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html),
so the buffer cannot take the event's identity from the deduplication id alone.
"""

from __future__ import annotations

import json
from typing import Any

from tests.buffer.conftest import BufferWorld, records

parse_record = records.parse_record  # the module the processor parses with
Event = records.Event
NOW = 1_767_225_600.0


def lambda_record(
    body: str, message_id: str, group: str, dedup_id: str, attributes: dict[str, Any], sent_at: float = NOW
) -> dict[str, Any]:
    """A record as Lambda's SQS event carries it (attribute values in lower camel case)."""
    return {
        "messageId": message_id,
        "receiptHandle": f"r-{message_id}",
        "body": body,
        "attributes": {
            "MessageGroupId": group,
            "MessageDeduplicationId": dedup_id,
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(sent_at * 1000)),
        },
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
            for name, value in attributes.items()
        },
    }


def test_an_event_sqs_dead_lettered_and_moved_back_keeps_its_event_id() -> None:
    """SQS replaced the deduplication id by the message id; the producer's eventId attribute still names it."""
    attributes = {"eventId": {"DataType": "String", "StringValue": "evt-1"}}
    moved_back = lambda_record('{"consent": "no"}', "new-id", "user-1", "original-message-id", attributes)
    parsed = parse_record(moved_back, NOW)
    assert isinstance(parsed, Event)
    assert parsed.event_id == "evt-1"
    assert parsed.group == "user-1"


def poison_dead_letter(world: BufferWorld) -> dict[str, Any]:
    """Send one event whose processing fails until it is dead-lettered; return the DLQ message as received."""
    world.sqs.send_message(
        QueueUrl=world.source_url,
        MessageBody=json.dumps({"consent": "no"}),
        MessageGroupId="user-1",
        MessageDeduplicationId="evt-1",
        MessageAttributes={"amount": {"DataType": "Number", "StringValue": "150"}},
    )
    sent_at = world.clock.now()

    def broken(event: Any, fifo: bool) -> dict[str, Any]:
        raise RuntimeError("downstream schema rejected it")

    for _ in range(world.settings.max_attempts):
        event = world.receive_event()
        assert event["Records"], "the poison event comes back until it is dead-lettered"
        world.settle(event, world.function(prepare_delivery=broken).handle(event).response)
        world.clock.advance_to(world.clock.t + 61)
    [message] = world.sqs.receive_message(
        QueueUrl=world.dlq_url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )["Messages"]
    message["sentAt"] = sent_at
    return message


def test_the_dead_letter_carries_group_occurred_at_and_the_producers_attributes(world: BufferWorld) -> None:
    message = poison_dead_letter(world)
    attributes = message["MessageAttributes"]
    assert attributes["eventId"]["StringValue"] == "evt-1"
    assert attributes["groupId"]["StringValue"] == "user-1"
    # occurredAt was the send time (the producer sent none): kept, or a redrive would make it "now"
    assert float(attributes["occurredAt"]["StringValue"]) == int(message["sentAt"] * 1000) / 1000.0
    kept = json.loads(attributes["producerAttributes"]["StringValue"])
    assert kept == {"amount": {"DataType": "Number", "StringValue": "150"}}
    assert message["Body"] == json.dumps({"consent": "no"})


def test_a_dead_letter_moved_back_as_is_is_the_same_event(world: BufferWorld) -> None:
    """StartMessageMoveTask puts the DLQ message back as it is: a new message id, the DLQ's dedup id."""
    message = poison_dead_letter(world)
    later = NOW + 86_400
    moved_back = lambda_record(
        message["Body"],
        "moved-message-id",
        message["Attributes"]["MessageGroupId"],
        message["Attributes"]["MessageDeduplicationId"],
        message["MessageAttributes"],
        sent_at=later,
    )
    parsed = parse_record(moved_back, later)
    assert isinstance(parsed, Event)
    assert parsed.event_id == "evt-1"
    assert parsed.group == "user-1"
    assert parsed.occurred_at == int(message["sentAt"] * 1000) / 1000.0  # not the redrive's send time
    # the downstream sees the producer's attributes, not the dead letter's bookkeeping
    assert parsed.attributes == {"amount": {"DataType": "Number", "StringValue": "150"}}
