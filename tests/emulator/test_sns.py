"""SNS publishing and delivery to SQS (``local/emulator/sns.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.emulator import EmulatorState
from local.emulator.sns import DEFAULT_MAX_MESSAGE_BYTES
from tests.emulator.conftest import client, error_of, fifo_queue

MODEL = "botocore/data/sns/2010-03-31/service-2.json"
ATTRIBUTES_DOC = "https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:"


@pytest.fixture
def sns(aws: EmulatorState) -> Any:
    return client("sns")


def _entries(n: int, size: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"Id": f"e{i}", "Message": "x" * size, **extra} for i in range(n)]


def test_a_topic_takes_256_kib_by_default_counting_bytes_and_attributes(sns: Any) -> None:
    """botocore SNS model, Publish Message: "By default, a message can be at most 256 KiB in size (262,144
    bytes, not 262,144 characters) ... Amazon SNS validates the combined size of the message body and message
    attributes against this value and returns an InvalidParameter error if the limit is exceeded"."""
    topic = sns.create_topic(Name="t")["TopicArn"]
    attributes = {"k": {"DataType": "Binary", "BinaryValue": b"\0" * 10}}
    overhead = len("k") + len("Binary") + 10
    sns.publish(
        TopicArn=topic, Message="é" * ((DEFAULT_MAX_MESSAGE_BYTES - overhead) // 2), MessageAttributes=attributes
    )
    code, status, message = error_of(
        sns.publish,
        TopicArn=topic,
        Message="é" * ((DEFAULT_MAX_MESSAGE_BYTES - overhead) // 2 + 1),
        MessageAttributes=attributes,
    )
    assert (code, status, message) == ("InvalidParameter", 400, "Invalid parameter: Message too long")


def test_a_topics_maximum_message_size_is_settable_up_to_one_mib(sns: Any) -> None:
    """botocore SNS model, CreateTopic Attributes: "MaximumMessageSize – The maximum size, in bytes, of a
    message that can be published to the topic. Valid values are 1024 to 1048576 (1 MiB)"."""
    topic = sns.create_topic(Name="t", Attributes={"MaximumMessageSize": "1048576"})["TopicArn"]
    sns.publish(TopicArn=topic, Message="x" * 1_048_576)
    assert error_of(sns.publish, TopicArn=topic, Message="x" * 1_048_577)[0] == "InvalidParameter"


def test_publish_batch_limits_the_total_of_all_entries_to_the_topics_maximum(sns: Any) -> None:
    """botocore SNS model, PublishBatch: "The combined size of all messages in the batch, including each
    message's body and attributes, must not exceed the topic's MaximumMessageSize"; "up to 10 messages";
    errors BatchRequestTooLong, TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct, InvalidBatchEntryId,
    EmptyBatchRequest fail the whole call."""
    topic = sns.create_topic(Name="t")["TopicArn"]
    ten_of_30k = _entries(10, 30_000)
    assert error_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=ten_of_30k)[:2] == (
        "BatchRequestTooLong",
        400,
    )
    assert len(sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=_entries(8, 30_000))["Successful"]) == 8
    big = sns.create_topic(Name="big", Attributes={"MaximumMessageSize": "1048576"})["TopicArn"]
    assert len(sns.publish_batch(TopicArn=big, PublishBatchRequestEntries=ten_of_30k)["Successful"]) == 10
    for entries, code in (
        (_entries(11, 1), "TooManyEntriesInBatchRequest"),
        ([{"Id": "a", "Message": "x"}] * 2, "BatchEntryIdsNotDistinct"),
        ([{"Id": "a:b", "Message": "x"}], "InvalidBatchEntryId"),
    ):
        assert error_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=entries)[0] == code


def test_fifo_topics_require_a_group_and_a_deduplication_id(sns: Any) -> None:
    """botocore SNS model, PublishBatchRequestEntry MessageGroupId (FIFO topics): "You must associate a
    non-empty MessageGroupId with a message. If you do not provide a MessageGroupId, the action fails";
    MessageDeduplicationId: "If you don't provide a MessageDeduplicationId and the topic doesn't have
    ContentBasedDeduplication set, the action fails with an error"."""
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    code, _, message = error_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=_entries(1, 1))
    assert code == "InvalidParameter" and "MessageGroupId" in message
    code, _, message = error_of(
        sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=_entries(1, 1, MessageGroupId="g")
    )
    assert code == "InvalidParameter" and "MessageDeduplicationId" in message
    assert error_of(sns.publish, TopicArn=topic, Message="x", MessageGroupId="a b", MessageDeduplicationId="d")[0] == (
        "InvalidParameter"
    )


def test_raw_delivery_to_sqs_keeps_binary_attributes_as_bytes(sns: Any) -> None:
    """SNS raw message delivery (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-
    delivery.html): the message is sent to SQS as is, with its message attributes; botocore SNS model,
    MessageAttributeValue BinaryValue: "any binary data"; SQS receives the same bytes."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "q", Attributes={"RawMessageDelivery": "true"})
    payload = bytes(range(256))
    sns.publish(
        TopicArn=topic,
        Message="body",
        MessageAttributes={
            "b": {"DataType": "Binary", "BinaryValue": payload},
            "n": {"DataType": "Number", "StringValue": "7"},
        },
    )
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert message["Body"] == "body"
    assert message["MessageAttributes"]["b"] == {"DataType": "Binary", "BinaryValue": payload}
    assert message["MessageAttributes"]["n"] == {"DataType": "Number", "StringValue": "7"}


def test_more_than_ten_attributes_are_discarded_for_raw_sqs_delivery(aws: EmulatorState, sns: Any) -> None:
    """SNS message attributes (ATTRIBUTES_DOC): "For SQS subscriptions, a maximum of 10 message attributes can
    be sent when Raw Message Delivery is enabled ... Messages with more than 10 message attributes directed
    towards Raw Message Delivery enabled Amazon SQS subscriptions will be discarded as client side errors"."""
    sqs = client("sqs")
    raw = sqs.create_queue(QueueName="raw")["QueueUrl"]
    wrapped = sqs.create_queue(QueueName="wrapped")["QueueUrl"]
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "raw", Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "wrapped")
    attributes = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}
    sns.publish(TopicArn=topic, Message="m", MessageAttributes=attributes)
    assert sqs.receive_message(QueueUrl=raw).get("Messages") is None
    [envelope] = sqs.receive_message(QueueUrl=wrapped)["Messages"]
    assert len(json.loads(envelope["Body"])["MessageAttributes"]) == 11
    assert len(aws.sns_delivery_failures) == 1 and "10" in aws.sns_delivery_failures[0][2]


def test_a_delivery_the_queue_rejects_does_not_fail_the_publish(aws: EmulatorState, sns: Any) -> None:
    """SNS publishes, then delivers: a subscriber's rejection (here the queue's 1 KiB MaximumMessageSize,
    botocore SQS model) is a failed delivery, while Publish succeeds (botocore SNS model, Publish: "When a
    messageId is returned, the message is saved and Amazon SNS immediately delivers it to subscribers")."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "small", Attributes={"RawMessageDelivery": "true"}
    )
    assert sns.publish(TopicArn=topic, Message="x" * 2000)["MessageId"]
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    assert "shorter than 1024 bytes" in aws.sns_delivery_failures[0][2]


def test_fifo_topic_deduplicates_for_five_minutes(aws: EmulatorState, sns: Any) -> None:
    """botocore SNS model, PublishBatch: "messages are deduplicated within the batch and across batches for
    five minutes"; a duplicate is "accepted successfully but [isn't] delivered"."""
    sqs = client("sqs")
    url = fifo_queue(sqs)
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "q.fifo", Attributes={"RawMessageDelivery": "true"}
    )
    entry = {"Id": "a", "Message": "m", "MessageGroupId": "g", "MessageDeduplicationId": "d"}
    for t in (0.0, 299.0, 300.5):
        aws.clock.advance_to(t)
        assert sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[entry])["Successful"]
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 2


def test_a_fifo_topic_delivers_to_a_standard_queue(aws: EmulatorState, sns: Any) -> None:
    """SNS FIFO topics can fan out to SQS standard queues (https://docs.aws.amazon.com/sns/latest/dg/
    fifo-message-delivery.html); SQS refuses a deduplication id on a standard queue (botocore SQS model,
    MessageDeduplicationId "applies only to FIFO queues"), so SNS delivers without one."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="standard")["QueueUrl"]
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "standard", Attributes={"RawMessageDelivery": "true"}
    )
    sns.publish(TopicArn=topic, Message="m", MessageGroupId="g", MessageDeduplicationId="d")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["m"]
    assert aws.sns_delivery_failures == []
