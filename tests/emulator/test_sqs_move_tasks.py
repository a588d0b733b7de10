"""Conformance: FIFO dead-lettering and the DLQ redrive API (StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask), against the botocore sqs 2012-11-05 model and the SQS Developer Guide page
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html
("Learn how to configure a dead-letter queue redrive in Amazon SQS")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.emulator import EmulatorState
from tests.emulator.conftest import client, error_of

ARN = "arn:aws:sqs:us-east-1:123456789012:"


@pytest.fixture
def sqs(aws: EmulatorState) -> Any:
    return client("sqs")


def fifo_pair(sqs: Any, max_receive: int = 1) -> tuple[str, str]:
    """A FIFO source queue redriving to a FIFO DLQ after ``max_receive`` receives."""
    fifo = {"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
    dlq = sqs.create_queue(QueueName="dlq.fifo", Attributes=fifo)["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": ARN + "dlq.fifo", "maxReceiveCount": max_receive})
    source = sqs.create_queue(
        QueueName="src.fifo", Attributes={**fifo, "VisibilityTimeout": "1", "RedrivePolicy": policy}
    )["QueueUrl"]
    return source, dlq


def dead_letter_one(aws: EmulatorState, sqs: Any, source: str, dlq: str, dedup: str = "evt-1") -> dict[str, Any]:
    """Send a message, receive it past maxReceiveCount; return it as the DLQ returns it (left in place)."""
    sqs.send_message(
        QueueUrl=source,
        MessageBody="poison",
        MessageGroupId="user-1",
        MessageDeduplicationId=dedup,
        MessageAttributes={"eventId": {"DataType": "String", "StringValue": dedup}},
    )
    [first] = sqs.receive_message(QueueUrl=source)["Messages"]
    aws.clock.advance_to(aws.clock.t + 2)
    assert sqs.receive_message(QueueUrl=source).get("Messages") is None  # moved at this receive
    [moved] = sqs.receive_message(
        QueueUrl=dlq, MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"], VisibilityTimeout=0
    )["Messages"]
    moved["sourceMessageId"] = first["MessageId"]
    return moved


def test_sqs_dead_lettering_a_fifo_message_replaces_its_deduplication_id_with_its_message_id(
    aws: EmulatorState, sqs: Any
) -> None:
    """Guide: "When a message is moved from a FIFO queue to a FIFO DLQ, the original message's deduplication ID
    will be replaced with the original message's ID"; group and attributes stay. The SQS Developer Guide's
    "Setting-up dead-letter queue retention": "For FIFO queues, the enqueue timestamp resets when the message
    is moved to a dead-letter queue"."""
    source, dlq = fifo_pair(sqs)
    aws.clock.advance_to(10)
    moved = dead_letter_one(aws, sqs, source, dlq)
    assert moved["MessageId"] == moved["sourceMessageId"]
    assert moved["Attributes"]["MessageDeduplicationId"] == moved["sourceMessageId"]
    assert moved["Attributes"]["MessageGroupId"] == "user-1"
    assert moved["MessageAttributes"]["eventId"]["StringValue"] == "evt-1"
    assert int(moved["Attributes"]["SentTimestamp"]) == int(aws.clock.now() * 1000)  # reset at the move


def test_start_message_move_task_moves_fifo_dead_letters_back_to_their_source_as_new_messages(
    aws: EmulatorState, sqs: Any
) -> None:
    """botocore StartMessageMoveTask: "If this field [DestinationArn] is left blank, the messages will be redriven
    back to their respective original source queues". Guide: "All redriven messages are considered new messages
    with a new messageID and enqueueTime"; the group is kept (a FIFO message has one)."""
    source, dlq = fifo_pair(sqs)
    moved = dead_letter_one(aws, sqs, source, dlq)
    aws.clock.advance_to(100)
    handle = sqs.start_message_move_task(SourceArn=ARN + "dlq.fifo")["TaskHandle"]
    assert handle
    [back] = sqs.receive_message(QueueUrl=source, MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"])[
        "Messages"
    ]
    assert back["MessageId"] != moved["MessageId"]
    assert back["Body"] == "poison"
    assert back["Attributes"]["MessageGroupId"] == "user-1"
    assert back["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(back["Attributes"]["SentTimestamp"]) == int(aws.clock.now() * 1000)
    assert back["MessageAttributes"]["eventId"]["StringValue"] == "evt-1"
    assert sqs.receive_message(QueueUrl=dlq).get("Messages") is None
    [task] = sqs.list_message_move_tasks(SourceArn=ARN + "dlq.fifo")["Results"]
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    assert task["ApproximateNumberOfMessagesToMove"] == 1
    assert "TaskHandle" not in task  # "only populated for tasks that are in RUNNING status"
    assert "DestinationArn" not in task and "MaxNumberOfMessagesPerSecond" not in task  # not specified


def test_a_rate_limited_move_task_moves_at_its_rate_and_cancelling_stops_what_is_not_moved(
    aws: EmulatorState, sqs: Any
) -> None:
    """botocore: MaxNumberOfMessagesPerSecond "the number of messages to be moved per second"; CancelMessageMoveTask
    "does not revert the messages that have already been moved. It can only stop the messages that have not been
    moved yet", returns ApproximateNumberOfMessagesMoved; ListMessageMoveTasks "Gets the most recent message
    movement tasks (up to 10)", default MaxResults 1."""
    source, dlq = fifo_pair(sqs)
    for index in range(4):
        dead_letter_one(aws, sqs, source, dlq, dedup=f"evt-{index}")
    start = aws.clock.t
    handle = sqs.start_message_move_task(
        SourceArn=ARN + "dlq.fifo", DestinationArn=ARN + "src.fifo", MaxNumberOfMessagesPerSecond=1
    )["TaskHandle"]
    code, _, _ = error_of(sqs.start_message_move_task, SourceArn=ARN + "dlq.fifo")
    assert code == "AWS.SimpleQueueService.UnsupportedOperation"  # "Only one active message movement task"
    aws.clock.advance_to(start + 2)
    [running] = sqs.list_message_move_tasks(SourceArn=ARN + "dlq.fifo", MaxResults=10)["Results"]
    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["ApproximateNumberOfMessagesMoved"] == 2
    assert running["DestinationArn"] == ARN + "src.fifo" and running["MaxNumberOfMessagesPerSecond"] == 1
    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 2
    aws.clock.advance_to(start + 10)
    [cancelled] = sqs.list_message_move_tasks(SourceArn=ARN + "dlq.fifo")["Results"]
    assert cancelled["Status"] == "CANCELLED" and cancelled["ApproximateNumberOfMessagesMoved"] == 2
    left = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert len(left) == 2
    code, _, _ = error_of(sqs.cancel_message_move_task, TaskHandle=handle)
    assert code == "ResourceNotFoundException"  # only a RUNNING task can be cancelled


def test_move_task_requests_sqs_refuses(aws: EmulatorState, sqs: Any) -> None:
    """botocore: SourceArn "Currently, only ARNs of dead-letter queues (DLQs) whose sources are other Amazon SQS
    queues are accepted"; "The maximum value for messages per second is 500"; the guide: "if the dead-letter queue
    is a FIFO queue, the redrive destination queue must be a FIFO queue as well"; a queue that does not exist is
    ResourceNotFoundException (an error shape of all three operations)."""
    source, _ = fifo_pair(sqs)
    sqs.create_queue(QueueName="standard")
    assert error_of(sqs.start_message_move_task, SourceArn=ARN + "nothing.fifo")[0] == "ResourceNotFoundException"
    assert error_of(sqs.start_message_move_task, SourceArn=ARN + "src.fifo")[0] == "InvalidParameterValue"
    too_fast = {"SourceArn": ARN + "dlq.fifo", "MaxNumberOfMessagesPerSecond": 501}
    assert error_of(sqs.start_message_move_task, **too_fast)[0] == "InvalidParameterValue"
    other_kind = {"SourceArn": ARN + "dlq.fifo", "DestinationArn": ARN + "standard"}
    assert error_of(sqs.start_message_move_task, **other_kind)[0] == "InvalidParameterValue"
    assert error_of(sqs.list_message_move_tasks, SourceArn=ARN + "nothing")[0] == "ResourceNotFoundException"
    assert error_of(sqs.cancel_message_move_task, TaskHandle="no-such-task")[0] == "ResourceNotFoundException"


def test_a_message_sent_to_the_dlq_directly_has_no_source_to_be_redriven_to(aws: EmulatorState, sqs: Any) -> None:
    """Without DestinationArn a message goes back to the queue SQS dead-lettered it from; a message a consumer
    sent to the DLQ itself has none (AWS does not say what happens: the task fails with a reason, the message
    stays in the DLQ, the stricter reading). With DestinationArn it is moved."""
    source, dlq = fifo_pair(sqs)
    sqs.send_message(QueueUrl=dlq, MessageBody="rejected", MessageGroupId="user-1", MessageDeduplicationId="m-1")
    sqs.start_message_move_task(SourceArn=ARN + "dlq.fifo")
    [task] = sqs.list_message_move_tasks(SourceArn=ARN + "dlq.fifo")["Results"]
    assert task["Status"] == "FAILED" and task["FailureReason"]
    assert sqs.receive_message(QueueUrl=source).get("Messages") is None
    sqs.start_message_move_task(SourceArn=ARN + "dlq.fifo", DestinationArn=ARN + "src.fifo")
    [back] = sqs.receive_message(QueueUrl=source)["Messages"]
    assert back["Body"] == "rejected"


def test_a_dead_letter_queue_admits_only_the_sources_its_redrive_allow_policy_names(sqs: Any) -> None:
    """botocore CreateQueue ``RedriveAllowPolicy``: ``denyAll`` "No source queues can specify this queue as the
    dead-letter queue"; ``byQueue`` "Only queues specified by the sourceQueueArns parameter can specify this queue
    as the dead-letter queue"; ``allowAll`` (the default) any queue of the account and Region. AWS does not document
    the error code; the emulator answers InvalidParameterValue."""
    closed = sqs.create_queue(QueueName="closed-dlq")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=closed, Attributes={"RedriveAllowPolicy": '{"redrivePermission": "denyAll"}'})
    chosen = sqs.create_queue(QueueName="chosen-dlq")["QueueUrl"]
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [ARN + "allowed"]})
    sqs.set_queue_attributes(QueueUrl=chosen, Attributes={"RedriveAllowPolicy": allow})
    sqs.create_queue(QueueName="open-dlq")

    def policy(dlq: str) -> str:
        return json.dumps({"deadLetterTargetArn": ARN + dlq, "maxReceiveCount": 5})

    refused = {"QueueName": "other", "Attributes": {"RedrivePolicy": policy("closed-dlq")}}
    assert error_of(sqs.create_queue, **refused)[0] == "InvalidParameterValue"
    refused = {"QueueName": "other", "Attributes": {"RedrivePolicy": policy("chosen-dlq")}}
    assert error_of(sqs.create_queue, **refused)[0] == "InvalidParameterValue"
    sqs.create_queue(QueueName="allowed", Attributes={"RedrivePolicy": policy("chosen-dlq")})
    other = sqs.create_queue(QueueName="other", Attributes={"RedrivePolicy": policy("open-dlq")})["QueueUrl"]
    assert (
        error_of(sqs.set_queue_attributes, QueueUrl=other, Attributes={"RedrivePolicy": policy("closed-dlq")})[0]
        == "InvalidParameterValue"
    )
