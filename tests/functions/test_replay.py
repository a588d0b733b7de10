"""The replay function against moto's SQS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.functions.helpers import load_function

app = load_function("replay")


def record(message_id: str, group: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "body": json.dumps(body),
        "attributes": {"MessageGroupId": group, "MessageDeduplicationId": body.get("eventId", message_id)},
        "messageAttributes": {"amount": {"stringValue": "150", "dataType": "Number"}},
    }


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("sqs")


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    out = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", [])
    return out


def test_order_groups_and_attributes_are_kept_with_fresh_dedup_ids(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="checkout.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    events = {
        "Records": [
            record("m1", "c1", {"eventId": "o1"}),
            record("m2", "c1", {"eventId": "o2"}),
            record("m3", "c2", {"eventId": "o3"}),
        ]
    }
    assert app.Replayer(lambda: sqs, url).handle(events) == {"batchItemFailures": []}
    messages = []
    while batch := received(sqs, url):
        messages.extend(batch)
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    by_group: dict[str, list[str]] = {}
    for m in messages:
        by_group.setdefault(m["Attributes"]["MessageGroupId"], []).append(json.loads(m["Body"])["eventId"])
        assert m["Attributes"]["MessageDeduplicationId"].startswith("replay-m")
        assert m["MessageAttributes"]["replayed"]["StringValue"] == "true"
        assert m["MessageAttributes"]["amount"] == {"StringValue": "150", "DataType": "Number"}
    assert by_group == {"c1": ["o1", "o2"], "c2": ["o3"]}


def test_a_missing_destination_fails_records_instead_of_crashing(sqs: Any) -> None:
    def missing() -> Any:
        sqs.get_queue_attributes(
            QueueUrl="https://sqs.us-east-1.amazonaws.com/123456789012/gone.fifo", AttributeNames=["QueueArn"]
        )
        return sqs

    replayer = app.Replayer(missing, "https://sqs.us-east-1.amazonaws.com/123456789012/gone.fifo")
    result = replayer.handle({"Records": [record("m1", "c1", {}), record("m2", "c2", {})]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}


def test_a_failed_send_holds_back_its_group_while_others_go_on(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="dest.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]

    class FirstEntryRejected:
        """SQS accepting every entry of the first batch but the first one (a per-entry failure)."""

        calls = 0

        def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
            self.calls += 1
            if self.calls > 1:
                return sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)
            rest = sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries[1:]) if Entries[1:] else {}
            return {
                "Successful": rest.get("Successful", []),
                "Failed": [{"Id": Entries[0]["Id"], "Code": "KMS.ThrottlingException", "SenderFault": False}],
            }

    events = {
        "Records": [
            record("m1", "c1", {"eventId": "a"}),
            record("m2", "c2", {"eventId": "b"}),
            record("m3", "c1", {"eventId": "c"}),
        ]
    }
    result = app.Replayer(FirstEntryRejected, url).handle(events)
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert failed == ["m1", "m3"]
    assert [json.loads(m["Body"])["eventId"] for m in received(sqs, url)] == ["b"]
