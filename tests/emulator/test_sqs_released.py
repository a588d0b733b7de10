"""A FIFO message released with visibility 0 behind an in-flight message of its group
(``local/emulator/sqs_inflight.py``): the buffer relies on it to hold one in-flight slot per waiting user."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator import EmulatorState, sqs_inflight
from tests.emulator.conftest import client, fifo_queue
from tests.emulator.test_sqs_inflight import FIFO_DOC, _bodies, _send

GET_QUEUE_ATTRIBUTES = "botocore model sqs/2012-11-05 GetQueueAttributes, ApproximateNumberOfMessagesNotVisible"


@pytest.fixture
def sqs(aws: EmulatorState) -> Any:
    return client("sqs")


def test_a_released_message_waits_behind_its_group_and_is_not_in_flight(
    aws: EmulatorState, sqs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FIFO_DOC: "no more messages for the same message group ID are returned unless you delete the message
    or it becomes visible". GET_QUEUE_ATTRIBUTES: messages are in flight "if they have been sent to a client
    but have not yet been deleted or have not yet reached the end of their visibility window": a message
    whose visibility was set to 0 is not in flight, so it does not count toward the 120,000 cap."""
    assert FIFO_DOC and GET_QUEUE_ATTRIBUTES
    monkeypatch.setattr(sqs_inflight, "MAX_IN_FLIGHT", 2)
    url = fifo_queue(sqs, VisibilityTimeout="300")
    _send(sqs, url, ("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("c1", "c"))
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert [m["Body"] for m in received] == ["a1", "a2"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"], VisibilityTimeout=60)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=received[1]["ReceiptHandle"], VisibilityTimeout=0)
    aws.clock.advance_to(1.0)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    [b1] = sqs.receive_message(QueueUrl=url)["Messages"]  # a2 and a3 wait behind a1
    assert b1["Body"] == "b1"
    assert _bodies(sqs, url) == []  # at the cap of 2 (a1 and b1): nothing, not even c1
    sqs.delete_message(QueueUrl=url, ReceiptHandle=b1["ReceiptHandle"])
    aws.clock.advance_to(61.0)
    assert _bodies(sqs, url, 2) == ["a1", "a2"]  # the group resumes in order (the cap of 2 fills)
