"""SQS receives, visibility and receipt handles (``local/emulator/sqs_inflight.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.emulator import EmulatorState, sqs_backend, sqs_inflight
from tests.emulator.conftest import client, error_of, fifo_queue

VISIBILITY_DOC = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html"
)
FIFO_DOC = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html"
)
BACKLOG_DOC = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
    "avoid-backlog-with-the-same-message-group-id.html"
)


@pytest.fixture
def sqs(aws: EmulatorState) -> Any:
    return client("sqs")


def _send(sqs: Any, url: str, *bodies_and_groups: tuple[str, str]) -> None:
    for body, group in bodies_and_groups:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body)


def _bodies(sqs: Any, url: str, n: int = 10, **kwargs: Any) -> list[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, **kwargs).get("Messages", [])
    return [m["Body"] for m in messages]


def test_a_fifo_receive_is_filled_with_one_groups_messages_first(sqs: Any) -> None:
    """SQS FIFO delivery logic (FIFO_DOC): "Amazon SQS first attempts to return as many messages with the same
    message group ID as possible"; "When you receive a message with a message group ID, no more messages for
    the same message group ID are returned unless you delete the message or it becomes visible"."""
    url = fifo_queue(sqs, VisibilityTimeout="30")
    _send(sqs, url, ("a1", "a"), ("b1", "b"), ("a2", "a"), ("c1", "c"), ("a3", "a"), ("b2", "b"))
    assert _bodies(sqs, url, 4) == ["a1", "a2", "a3", "b1"]
    assert _bodies(sqs, url) == ["c1"]  # b is in flight: b2 waits behind b1
    assert _bodies(sqs, url) == []


def test_a_fifo_group_resumes_in_order_when_its_first_message_becomes_visible(aws: EmulatorState, sqs: Any) -> None:
    """SQS FIFO delivery logic (FIFO_DOC): messages of a group are received in strict order; a group is
    returned again once its in-flight message "becomes visible", and messages after one still in flight wait."""
    url = fifo_queue(sqs, VisibilityTimeout="30")
    _send(sqs, url, ("m1", "g"), ("m2", "g"), ("m3", "g"))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=received[1]["ReceiptHandle"], VisibilityTimeout=600)
    aws.clock.advance_to(31.0)
    assert _bodies(sqs, url) == ["m1"]  # m2 is still in flight: m3 must not overtake it
    aws.clock.advance_to(700.0)
    assert _bodies(sqs, url) == ["m1", "m2", "m3"]


def test_the_visibility_cap_is_twelve_hours_from_the_receive_not_the_send(aws: EmulatorState, sqs: Any) -> None:
    """SQS visibility timeout (VISIBILITY_DOC) and botocore model, ChangeMessageVisibility: "The maximum is 12
    hours"; "If you attempt to set the VisibilityTimeout to a value greater than the maximum time left, Amazon
    SQS returns an error". The 12 hours run from the receive: a message sent 11 hours before it is received
    can still be hidden for 12 hours."""
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    aws.clock.advance_to(11 * 3600.0)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    handle = message["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43_200)
    aws.clock.advance_to(11 * 3600.0 + 600)
    change = sqs.change_message_visibility
    code, status, text = error_of(change, QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43_000)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]" in text
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=42_600)


def test_change_message_visibility_batch_fails_entries_not_the_call(aws: EmulatorState, sqs: Any) -> None:
    """botocore model, ChangeMessageVisibilityBatch: "The result of the action on each message is reported
    individually in the response"; VisibilityTimeout 0 to 43,200 (12 hours); at most 10 entries."""
    url = fifo_queue(sqs, VisibilityTimeout="7200")
    _send(sqs, url, ("a", "a"), ("b", "b"), ("c", "c"))
    handles = [m["ReceiptHandle"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]]
    aws.clock.advance_to(3600.0)
    response = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "past-cap", "ReceiptHandle": handles[0], "VisibilityTimeout": 43_000},
            {"Id": "fine", "ReceiptHandle": handles[1], "VisibilityTimeout": 600},
            {"Id": "too-big", "ReceiptHandle": handles[2], "VisibilityTimeout": 43_201},
        ],
    )
    assert [s["Id"] for s in response["Successful"]] == ["fine"]
    assert {f["Id"]: f["Code"] for f in response["Failed"]} == {
        "past-cap": "InvalidParameterValue",
        "too-big": "InvalidParameterValue",
    }
    too_many = [{"Id": str(i), "ReceiptHandle": handles[0], "VisibilityTimeout": 1} for i in range(11)]
    assert error_of(sqs.change_message_visibility_batch, QueueUrl=url, Entries=too_many)[0] == (
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    )


def test_an_expired_fifo_receipt_handle_cannot_delete_or_extend(aws: EmulatorState, sqs: Any) -> None:
    """botocore model, ReceiveRequestAttemptId: "if a consumer whose message processing time is longer than the
    visibility timeout tries to delete the processed messages, the action fails with an error" (FIFO). SQS
    answers "Value ... for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."."""
    url = fifo_queue(sqs, VisibilityTimeout="30")
    _send(sqs, url, ("a", "g"), ("b", "g"))
    first, second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    aws.clock.advance_to(31.0)
    code, status, text = error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert (code, status) == ("InvalidParameterValue", 400) and text.endswith("The receipt handle has expired.")
    response = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "late", "ReceiptHandle": second["ReceiptHandle"]}]
    )
    assert response["Failed"][0]["Id"] == "late" and "expired" in response["Failed"][0]["Message"]
    assert _bodies(sqs, url) == ["a", "b"]  # both come back, in order


def test_a_standard_queue_deletes_with_the_latest_handle_only(aws: EmulatorState, sqs: Any) -> None:
    """SQS API reference, DeleteMessage: "You must provide the most recently received receipt handle when you
    request to delete the message (otherwise, the request succeeds, but the message will not be deleted)"."""
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    old = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    aws.clock.advance_to(11.0)
    new = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=old)
    assert len(sqs_backend().get_queue("q")._messages) == 1
    sqs.delete_message(QueueUrl=url, ReceiptHandle=new)
    assert sqs_backend().get_queue("q")._messages == []


def test_fifo_in_flight_cap_returns_nothing_without_an_error(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQS Developer Guide (BACKLOG_DOC): "FIFO queues support a maximum of 120,000 in-flight messages ... If
    this limit is reached, Amazon SQS does not return an error". Played at a cap of 3 to stay fast; the
    constant is checked against the documented figure."""
    assert sqs_inflight.MAX_IN_FLIGHT == 120_000
    monkeypatch.setattr(sqs_inflight, "MAX_IN_FLIGHT", 3)
    url = fifo_queue(sqs)
    _send(sqs, url, ("a", "a"), ("b", "b"), ("c", "c"), ("d", "d"))
    assert len(_bodies(sqs, url)) == 3
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None
    standard = sqs.create_queue(QueueName="s")["QueueUrl"]
    for body in "abcd":
        sqs.send_message(QueueUrl=standard, MessageBody=body)
    assert len(_bodies(sqs, standard)) == 3
    assert error_of(sqs.receive_message, QueueUrl=standard)[:2] == ("OverLimit", 403)


def test_fifo_receive_looks_only_at_the_first_messages_of_the_queue(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQS Developer Guide (BACKLOG_DOC): "FIFO queues scan the first 120,000 messages to determine available
    message groups. If a large backlog builds up in a single message group, messages from other groups sent
    later will remain blocked". Played with a scan of 3 messages; the constant is the documented figure."""
    assert sqs_inflight.FIFO_RECEIVE_SCAN == 120_000
    monkeypatch.setattr(sqs_inflight, "FIFO_RECEIVE_SCAN", 3)
    url = fifo_queue(sqs, VisibilityTimeout="30")
    _send(sqs, url, ("hot1", "hot"), ("hot2", "hot"), ("hot3", "hot"), ("other1", "other"))
    assert _bodies(sqs, url, 1) == ["hot1"]
    assert _bodies(sqs, url) == []  # other1 is the 4th message: blocked behind the hot group's backlog


def test_messages_past_retention_are_deleted_and_over_received_ones_dead_lettered(aws: EmulatorState, sqs: Any) -> None:
    """botocore model, CreateQueue: MessageRetentionPeriod "for which Amazon SQS retains a message";
    RedrivePolicy maxReceiveCount: "When the ReceiveCount for a message exceeds the maxReceiveCount for a
    queue, Amazon SQS moves the message to the dead-letter-queue"."""
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    policy = '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq", "maxReceiveCount": "2"}'
    url = sqs.create_queue(
        QueueName="q", Attributes={"VisibilityTimeout": "1", "MessageRetentionPeriod": "60", "RedrivePolicy": policy}
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    for t in (0.0, 2.0):
        aws.clock.advance_to(t)
        assert _bodies(sqs, url) == ["poison"]
    aws.clock.advance_to(4.0)
    assert _bodies(sqs, url) == []
    assert _bodies(sqs, dlq) == ["poison"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    aws.clock.advance_to(65.0)
    assert _bodies(sqs, url) == []
    assert sqs_backend().get_queue("q")._messages == []


def test_a_receipt_handle_is_valid_only_on_its_own_queue(sqs: Any) -> None:
    """botocore sqs model, ChangeMessageVisibility/DeleteMessage: ``QueueUrl`` is "the URL of the Amazon SQS
    queue whose message's visibility is changed" and ``ReceiptHandle`` "the receipt handle associated with
    the message"; a handle that names no message of that queue is ``ReceiptHandleIsInvalid`` ("The specified
    receipt handle isn't valid."), per entry in the batch calls. The buffer's partitions rely on it: a
    batch's visibility changes must go to the queue it came from."""
    first = fifo_queue(sqs, VisibilityTimeout="30")
    other = sqs.create_queue(QueueName="other.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    _send(sqs, first, ("a", "g"))
    handle = sqs.receive_message(QueueUrl=first)["Messages"][0]["ReceiptHandle"]
    response = sqs.change_message_visibility_batch(
        QueueUrl=other, Entries=[{"Id": "x", "ReceiptHandle": handle, "VisibilityTimeout": 0}]
    )
    assert [f["Code"] for f in response["Failed"]] == ["ReceiptHandleIsInvalid"]
    response = sqs.delete_message_batch(QueueUrl=other, Entries=[{"Id": "x", "ReceiptHandle": handle}])
    assert [f["Code"] for f in response["Failed"]] == ["ReceiptHandleIsInvalid"]
    assert error_of(sqs.change_message_visibility, QueueUrl=other, ReceiptHandle=handle, VisibilityTimeout=0)[0] == (
        "ReceiptHandleIsInvalid"
    )
    assert sqs.receive_message(QueueUrl=first).get("Messages") is None  # still in flight on its own queue


def test_redrive_allow_policy_names_at_most_ten_source_queues(sqs: Any) -> None:
    """botocore sqs model, SetQueueAttributes RedriveAllowPolicy: sourceQueueArns only with byQueue, "up to
    10 source queue ARNs. To allow more than 10 source queues ..., set the redrivePermission parameter to
    allowAll"; an attribute value SQS cannot take is ``InvalidAttributeValue``."""
    url = fifo_queue(sqs)
    arns = [f"arn:aws:sqs:us-east-1:123456789012:q{i}.fifo" for i in range(11)]

    def set_policy(policy: dict[str, Any]) -> Any:
        return sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": json.dumps(policy)})

    set_policy({"redrivePermission": "byQueue", "sourceQueueArns": arns[:10]})
    set_policy({"redrivePermission": "allowAll"})
    for refused in (
        {"redrivePermission": "byQueue", "sourceQueueArns": arns},
        {"redrivePermission": "allowAll", "sourceQueueArns": arns[:1]},
        {"redrivePermission": "byQueue"},
        {"redrivePermission": "someQueues"},
    ):
        assert error_of(set_policy, refused)[0] == "InvalidAttributeValue", refused
