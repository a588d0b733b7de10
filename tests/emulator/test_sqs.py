"""SQS sends (``local/emulator/sqs.py``) and the message rules they apply (``local/emulator/sqs_messages.py``):
sizes in bytes, batches, message attributes, FIFO ids, the deduplication window."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import EmulatorState, sqs_backend
from local.emulator.sqs_messages import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, message_size
from tests.emulator.conftest import client, error_of, fifo_queue

MODEL = "botocore/data/sqs/2012-11-05/service-2.json"
STRING_X = {"DataType": "String", "StringValue": "x"}
ATTRIBUTES_DOC = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html"


@pytest.fixture
def sqs(aws: EmulatorState) -> Any:
    return client("sqs")


def test_default_and_largest_message_size_is_one_mib(sqs: Any) -> None:
    """botocore SQS model, CreateQueue: MaximumMessageSize "from 1,024 bytes (1 KiB) to 1,048,576 bytes
    (1 MiB). Default: 1,048,576 bytes"; SendMessage MessageBody: "The maximum size is 1 MiB"."""
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])["Attributes"] == {
        "MaximumMessageSize": str(MAX_MESSAGE_BYTES)
    }
    sqs.send_message(QueueUrl=url, MessageBody="a" * MAX_MESSAGE_BYTES)
    code, status, message = error_of(sqs.send_message, QueueUrl=url, MessageBody="a" * (MAX_MESSAGE_BYTES + 1))
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes."


def test_size_counts_utf8_bytes_and_every_attribute_part_against_the_queues_maximum(sqs: Any) -> None:
    """botocore SQS model, MessageAttributeValue: "All parts of the message attribute, including Name, Type,
    and Value, are part of the message size restriction"; the limit is the queue's MaximumMessageSize
    (262,144 here, what pulumi-aws sends when a program sets none)."""
    url = sqs.create_queue(QueueName="q", Attributes={"MaximumMessageSize": "262144"})["QueueUrl"]
    attributes = {"k": {"DataType": "String", "StringValue": "é"}, "b": {"DataType": "Binary", "BinaryValue": b"\0\1"}}
    overhead = len("k") + len("String") + 2 + len("b") + len("Binary") + 2
    assert message_size("é" * 10, attributes) == 20 + overhead
    fits = "é" * ((262_144 - overhead) // 2)
    sqs.send_message(QueueUrl=url, MessageBody=fits, MessageAttributes=attributes)
    code, _, message = error_of(sqs.send_message, QueueUrl=url, MessageBody=fits + "é", MessageAttributes=attributes)
    assert code == "InvalidParameterValue" and "shorter than 262144 bytes" in message
    # 131,073 characters are far below 262,144 characters but above 262,144 bytes.
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="é" * 131_073)[0] == "InvalidParameterValue"


def test_body_characters_outside_the_allowed_set_are_invalid_message_contents(sqs: Any) -> None:
    """botocore SQS model, SendMessage: only #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to
    #x10FFFF; otherwise "Amazon SQS rejects the message and returns an InvalidMessageContents error"."""
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="tab\there\nemoji 😀 \ue000")
    for bad in ("\x00", "\x1f", "\ufffe"):
        assert error_of(sqs.send_message, QueueUrl=url, MessageBody=f"a{bad}b")[:2] == ("InvalidMessageContents", 400)


def test_send_message_batch_limits_fail_the_whole_call(sqs: Any) -> None:
    """botocore SQS model, SendMessageBatch: "up to 10 messages"; entry Id "up to 80 characters ...
    alphanumeric characters, hyphens(-), and underscores (_)", unique; "the maximum total payload size (the
    sum of the individual lengths of all of the batched messages) [is] 1 MiB"; errors TooManyEntriesInBatchRequest,
    InvalidBatchEntryId, BatchEntryIdsNotDistinct, BatchRequestTooLong, EmptyBatchRequest."""
    url = sqs.create_queue(QueueName="q")["QueueUrl"]

    def send(entries: list[dict[str, Any]]) -> str:
        return error_of(sqs.send_message_batch, QueueUrl=url, Entries=entries)[0]

    assert send([{"Id": str(i), "MessageBody": "x"} for i in range(11)]) == (
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    )
    assert send([{"Id": "a.b", "MessageBody": "x"}]) == "AWS.SimpleQueueService.InvalidBatchEntryId"
    assert send([{"Id": "a" * 81, "MessageBody": "x"}]) == "AWS.SimpleQueueService.InvalidBatchEntryId"
    assert send([{"Id": "a", "MessageBody": "x"}] * 2) == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    half = MAX_BATCH_BYTES // 2
    code, status, message = error_of(
        sqs.send_message_batch,
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "x" * half},
            {"Id": "b", "MessageBody": "x" * (half - 8), "MessageAttributes": {"k": STRING_X}},
            {"Id": "c", "MessageBody": "x"},
        ],
    )
    assert (code, status) == ("AWS.SimpleQueueService.BatchRequestTooLong", 400)
    assert message == "Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes."
    assert sqs_backend().get_queue("q")._messages == []


def test_send_message_batch_reports_bad_messages_per_entry(sqs: Any) -> None:
    """botocore SQS model, SendMessageBatch: "The result of sending each message is reported individually in
    the response"; a message over the queue's MaximumMessageSize fails only its entry."""
    url = sqs.create_queue(QueueName="q", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    response = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "MessageBody": "a" * 1024},
            {"Id": "big", "MessageBody": "a" * 1025},
            {"Id": "bad", "MessageBody": "\x00"},
            {"Id": "attrs", "MessageBody": "a", "MessageAttributes": {"AWS.x": STRING_X}},
        ],
    )
    assert [s["Id"] for s in response["Successful"]] == ["ok"]
    failed = {f["Id"]: (f["Code"], f["SenderFault"]) for f in response["Failed"]}
    assert failed == {
        "big": ("InvalidParameterValue", True),
        "bad": ("InvalidMessageContents", True),
        "attrs": ("InvalidParameterValue", True),
    }
    assert "cannot be validated. Reason: Message must be shorter than 1024 bytes" in response["Failed"][0]["Message"]


@pytest.mark.parametrize(
    ("attributes", "why"),
    [
        ({f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}, "more than 10 attributes"),
        ({"AWS.trace": {"DataType": "String", "StringValue": "v"}}, "reserved prefix"),
        ({"amazon.x": {"DataType": "String", "StringValue": "v"}}, "reserved prefix, any casing"),
        ({".a": {"DataType": "String", "StringValue": "v"}}, "leading period"),
        ({"a..b": {"DataType": "String", "StringValue": "v"}}, "periods in a sequence"),
        ({"a b": {"DataType": "String", "StringValue": "v"}}, "space in the name"),
        ({"a" * 257: {"DataType": "String", "StringValue": "v"}}, "name over 256 characters"),
        ({"a": {"DataType": "Number", "StringValue": "twelve"}}, "not a number"),
        ({"a": {"DataType": "Number", "StringValue": "1" * 39}}, "39 digits"),
        ({"a": {"DataType": "Number", "StringValue": "1e127"}}, "above 10^126"),
        ({"a": {"DataType": "Number", "StringValue": "1e-129"}}, "below 10^-128"),
        ({"a": {"DataType": "String", "StringValue": "\x00"}}, "invalid character"),
        ({"a": {"DataType": "Binary", "BinaryValue": b""}}, "empty binary"),
    ],
)
def test_message_attributes_follow_the_documented_rules(sqs: Any, attributes: dict[str, Any], why: str) -> None:
    """SQS Developer Guide, message attributes (ATTRIBUTES_DOC): "Each message can have up to 10 attributes";
    names of A-Z, a-z, 0-9, _, -, . up to 256 characters, not starting with AWS. or Amazon. (any casing), no
    leading/trailing period, no periods in a sequence; "A number can have up to 38 digits of precision, and it
    can be between 10^-128 and 10^+126"; values must not be empty; string values follow the body's characters."""
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    code, status, _ = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    assert (code, status) == ("InvalidParameterValue", 400), why


def test_valid_attributes_with_custom_types_and_binary_bytes_round_trip(sqs: Any) -> None:
    """SQS Developer Guide (ATTRIBUTES_DOC): String, Number and Binary, each with an optional custom type label
    (e.g. Number.float); Binary values are any bytes."""
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    attributes = {
        "n": {"DataType": "Number.float", "StringValue": "-1.2345678901234567890123456789012345678E+125"},
        "tiny": {"DataType": "Number", "StringValue": "1e-128"},
        "s": {"DataType": "String.json", "StringValue": '{"é": 1}'},
        "b": {"DataType": "Binary.gzip", "BinaryValue": bytes(range(256))},
    }
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"] == attributes


def test_fifo_queues_require_valid_group_and_deduplication_ids_and_no_message_delay(sqs: Any) -> None:
    """botocore SQS model, SendMessage: "If you do not provide a MessageGroupId when sending a message to a
    FIFO queue, the action fails"; without content-based deduplication a MessageDeduplicationId is required;
    both "can contain alphanumeric characters ... and punctuation", at most 128 characters; DelaySeconds:
    "When you set FifoQueue, you can't set DelaySeconds per message"."""
    url = fifo_queue(sqs)
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")[0] == (
        "MissingParameter"
    )
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g")[0] == "InvalidParameterValue"
    for group in ("", "a" * 129, "group 1", "é"):
        code, _, message = error_of(
            sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId=group, MessageDeduplicationId="d"
        )
        assert code == "InvalidParameterValue" and "MessageGroupId can only include" in message
    assert error_of(
        sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d" * 129
    )[0] == ("InvalidParameterValue")
    code, _, message = error_of(
        sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=5
    )
    assert code == "InvalidParameterValue" and "DelaySeconds" in message
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="user-1:!#$%", MessageDeduplicationId="a" * 128)
    code, status, _ = error_of(sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])
    assert (code, status) == ("InvalidParameterValue", 400)  # the batch form fails the whole call


def test_a_fifo_deduplication_id_is_dropped_for_five_minutes_even_after_delete(aws: EmulatorState, sqs: Any) -> None:
    """botocore SQS model, MessageDeduplicationId: duplicates "are accepted successfully but aren't delivered
    during the 5-minute deduplication interval ... Amazon SQS continues to keep track of the message
    deduplication ID even after the message is received and deleted"."""
    url = fifo_queue(sqs)
    send = {"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"}
    sqs.send_message(**send)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    aws.clock.advance_to(299.0)
    sqs.send_message(**send)
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    aws.clock.advance_to(300.5)
    sqs.send_message(**send)
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1
