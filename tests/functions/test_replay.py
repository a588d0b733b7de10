"""The replay function against moto's SQS, with AWS's SendMessageBatch limits added (aws_limits).

Limits cited from the botocore model ``sqs/2012-11-05/service-2.json.gz``: SendMessageBatch sends
"up to 10 messages"; "The maximum allowed individual message size and the maximum total payload
size (the sum of the individual lengths of all of the batched messages) are both 1 MiB 1,048,576
bytes"; a message attribute's "Name, Type, and Value, are part of the message size restriction";
``MaximumMessageSize`` is "how many bytes a message can contain before Amazon SQS rejects it";
"Because the batch request can result in a combination of successful and unsuccessful actions, you
should check for batch errors even when the call returns an HTTP status code of 200".
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.emulator import VirtualClock, emulator
from local.emulator.sqs_messages import MAX_BATCH_BYTES as SQS_MAX_BATCH_BYTES
from local.emulator.sqs_messages import message_size
from tests.functions.helpers import load_function

app = load_function("replay")
FIFO = {"FifoQueue": "true"}


def record(message_id: str, group: str | None, body: Any, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Lambda SQS event record from the replay queue (FIFO when ``group`` is given)."""
    system = {"MessageGroupId": group, "MessageDeduplicationId": f"orig-{message_id}"} if group else {}
    return {
        "messageId": message_id,
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": system,
        "messageAttributes": attributes
        if attributes is not None
        else {"amount": {"stringValue": "150", "dataType": "Number", "stringListValues": [], "binaryListValues": []}},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:dev-replay" + (".fifo" if group else ""),
    }


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with emulator(VirtualClock()):  # the strict emulator: SQS's size and batch limits as AWS counts them
        yield boto3.client("sqs")


def destination(sqs: Any, name: str, calls: list[list[dict[str, Any]]], max_size: int = 1_048_576) -> str:
    """A destination queue of ``max_size`` bytes; every SendMessageBatch's entries are recorded in ``calls``."""
    attributes = {**(FIFO if name.endswith(".fifo") else {}), "MaximumMessageSize": str(max_size)}
    url: str = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    sqs.meta.events.register(
        "provide-client-params.sqs.SendMessageBatch", lambda params, **_: calls.append(params["Entries"])
    )
    return url


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", []):
        messages.extend(batch)
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return messages


def failed(result: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


class Scripted:
    """The moto client, but SendMessageBatch answers come from ``script`` while it lasts."""

    def __init__(self, sqs: Any, script: list[Any]) -> None:
        self.sqs, self.script, self.calls = sqs, script, 0

    def get_queue_attributes(self, **kwargs: Any) -> Any:
        return self.sqs.get_queue_attributes(**kwargs)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls += 1
        if not self.script:
            return dict(self.sqs.send_message_batch(QueueUrl=QueueUrl, Entries=Entries))
        return dict(self.script.pop(0)(self.sqs, QueueUrl, Entries))


def reject_first(code: str, sender_fault: bool) -> Any:
    """A SendMessageBatch answer that sends every entry but the first, which it reports ``Failed``."""

    def answer(sqs: Any, url: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        rest = sqs.send_message_batch(QueueUrl=url, Entries=entries[1:]) if entries[1:] else {}
        return {
            "Successful": rest.get("Successful", []),
            "Failed": [{"Id": entries[0]["Id"], "Code": code, "SenderFault": sender_fault}],
        }

    return answer


def test_order_groups_and_attributes_are_kept_with_fresh_dedup_ids(sqs: Any) -> None:
    url = destination(sqs, "checkout.fifo", [])
    events = {
        "Records": [
            record("m1", "c1", {"eventId": "o1"}),
            record("m2", "c1", {"eventId": "o2"}),
            record("m3", "c2", {"eventId": "o3"}),
        ]
    }
    assert app.Replayer(lambda: sqs, url).handle(events) == {"batchItemFailures": []}
    by_group: dict[str, list[str]] = {}
    for m in drain(sqs, url):
        by_group.setdefault(m["Attributes"]["MessageGroupId"], []).append(json.loads(m["Body"])["eventId"])
        assert m["Attributes"]["MessageDeduplicationId"].startswith("replay-m")
        assert m["MessageAttributes"]["replayed"]["StringValue"] == "true"
        assert m["MessageAttributes"]["amount"] == {"StringValue": "150", "DataType": "Number"}
    assert by_group == {"c1": ["o1", "o2"], "c2": ["o3"]}


def test_body_is_replayed_byte_for_byte_with_its_group_and_a_fresh_dedup_id(sqs: Any) -> None:
    """No JSON re-serialisation: spacing, key order, long decimals, 1e400 and non-ASCII stay as sent."""
    url = destination(sqs, "dest.fifo", [])
    body = '{ "eventId":"b1",  "n": 0.12345678901234567890123, "big": 1e400,\n "s": "é😀\\u00e9", "a": 1 }'
    result = app.Replayer(lambda: sqs, url).handle({"Records": [record("m1", "user-7", body)]})
    assert result == {"batchItemFailures": []}
    [message] = drain(sqs, url)
    assert message["Body"] == body and message["Body"].encode("utf-8") == body.encode("utf-8")
    assert message["Attributes"]["MessageGroupId"] == "user-7"
    assert message["Attributes"]["MessageDeduplicationId"] == "replay-m1"


def test_group_and_dedup_id_rules_for_standard_sources_and_destinations(sqs: Any) -> None:
    """A source without groups replays into a FIFO destination under group ``replay``; a standard
    destination gets neither a group nor a deduplication id."""
    fifo_url = destination(sqs, "dest.fifo", [])
    standard_url = sqs.create_queue(QueueName="dest")["QueueUrl"]
    events = {"Records": [record("m1", None, {"eventId": "s1"})]}
    assert app.Replayer(lambda: sqs, fifo_url).handle(events) == {"batchItemFailures": []}
    assert app.Replayer(lambda: sqs, standard_url).handle(events) == {"batchItemFailures": []}
    [to_fifo] = drain(sqs, fifo_url)
    assert to_fifo["Attributes"]["MessageGroupId"] == "replay"
    assert to_fifo["Attributes"]["MessageDeduplicationId"] == "replay-m1"
    [to_standard] = drain(sqs, standard_url)
    assert "MessageGroupId" not in to_standard["Attributes"]
    assert "MessageDeduplicationId" not in to_standard["Attributes"]


def test_binary_attributes_arrive_as_the_original_bytes(sqs: Any) -> None:
    """Lambda's SQS event carries ``binaryValue`` as base64 text; the destination must get the bytes."""
    url = destination(sqs, "dest.fifo", [])
    original = b"\x00\xff\x10binary\x80"
    attributes = {
        "blob": {
            "binaryValue": base64.b64encode(original).decode(),
            "dataType": "Binary.gz",
            "stringListValues": [],
            "binaryListValues": [],
        },
        "kind": {"stringValue": "order", "dataType": "String", "stringListValues": [], "binaryListValues": []},
    }
    result = app.Replayer(lambda: sqs, url).handle({"Records": [record("m1", "c1", {"eventId": "x"}, attributes)]})
    assert result == {"batchItemFailures": []}
    [message] = drain(sqs, url)
    assert message["MessageAttributes"]["blob"] == {"BinaryValue": original, "DataType": "Binary.gz"}
    assert message["MessageAttributes"]["kind"] == {"StringValue": "order", "DataType": "String"}


def test_list_values_are_dropped_with_a_warning_naming_the_attribute(
    sqs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """StringListValues/BinaryListValues: "Not implemented. Reserved for future use." (botocore sqs model)."""
    url = destination(sqs, "dest.fifo", [])
    attributes = {
        "tags": {"stringListValues": ["a", "b"], "binaryListValues": [], "dataType": "String"},
        "kind": {"stringValue": "order", "dataType": "String", "stringListValues": [], "binaryListValues": []},
    }
    result = app.Replayer(lambda: sqs, url).handle({"Records": [record("m1", "c1", {"eventId": "x"}, attributes)]})
    assert result == {"batchItemFailures": []}
    [message] = drain(sqs, url)
    assert set(message["MessageAttributes"]) == {"kind", "replayed"}
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning.attribute == "tags" and warning.messageId == "m1"


def test_batches_are_split_by_bytes_as_sqs_counts_them(sqs: Any) -> None:
    """Ten 200,000-byte messages (2 MB) and four of 600,000 UTF-8 bytes (300,000 characters) each
    need several calls of at most 1 MiB; every message arrives."""
    calls: list[list[dict[str, Any]]] = []
    url = destination(sqs, "dest.fifo", calls)
    ascii_records = [record(f"a{i}", f"g{i}", "a" * 200_000) for i in range(10)]
    multibyte_records = [record(f"u{i}", f"h{i}", "é" * 300_000) for i in range(4)]
    replayer = app.Replayer(lambda: sqs, url)
    assert replayer.handle({"Records": ascii_records}) == {"batchItemFailures": []}
    assert replayer.handle({"Records": multibyte_records}) == {"batchItemFailures": []}
    assert all(
        sum(message_size(e["MessageBody"], e.get("MessageAttributes")) for e in call) <= SQS_MAX_BATCH_BYTES
        for call in calls
    )
    assert [len(call) for call in calls] == [5, 5, 1, 1, 1, 1]
    assert len(drain(sqs, url)) == 14


def test_records_without_a_group_share_a_call(sqs: Any) -> None:
    calls: list[list[dict[str, Any]]] = []
    url = destination(sqs, "dest", calls)
    events = {"Records": [record(f"m{i}", None, {"eventId": f"e{i}"}) for i in range(10)]}
    assert app.Replayer(lambda: sqs, url).handle(events) == {"batchItemFailures": []}
    assert [len(call) for call in calls] == [10]
    assert sorted(json.loads(m["Body"])["eventId"] for m in drain(sqs, url)) == sorted(f"e{i}" for i in range(10))


def test_a_message_that_can_never_fit_fails_alone_with_its_reason(sqs: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The destination takes 1,024 bytes: the 2,000-byte message is reported (the replay queue's
    redrive policy moves it to its DLQ) and never sent; the rest of the batch, its own group's later
    message included, goes on; a message that fits only without the ``replayed`` marker goes without."""
    calls: list[list[dict[str, Any]]] = []
    url = destination(sqs, "dest.fifo", calls, max_size=1024)
    no_attributes: dict[str, Any] = {}
    events = {
        "Records": [
            record("big", "c1", "x" * 2000, no_attributes),
            record("next", "c1", {"eventId": "after-big"}, no_attributes),
            record("other", "c2", {"eventId": "other"}, no_attributes),
            record("edge", "c3", "y" * 1020, no_attributes),
        ]
    }
    result = app.Replayer(lambda: sqs, url).handle(events)
    assert failed(result) == ["big"]
    assert all(message_size(e["MessageBody"], e.get("MessageAttributes")) <= 1024 for call in calls for e in call)
    bodies = {m["Body"]: m for m in drain(sqs, url)}
    assert set(bodies) == {json.dumps({"eventId": "after-big"}), json.dumps({"eventId": "other"}), "y" * 1020}
    assert "MessageAttributes" not in bodies["y" * 1020]
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.messageId == "big" and error.bytes == 2000
    assert error.limit == 1024 and "can never be sent" in error.getMessage()


def test_an_entry_failed_by_sqs_is_retried_in_the_invocation(sqs: Any) -> None:
    """A per-entry failure that is not the sender's fault is retried; the message arrives once."""
    url = destination(sqs, "dest.fifo", [])
    client = Scripted(sqs, [reject_first("InternalError", sender_fault=False)])
    events = {"Records": [record("m1", "c1", {"eventId": "a"}), record("m2", "c2", {"eventId": "b"})]}
    result = app.Replayer(lambda: client, url, sleep=lambda _: None).handle(events)
    assert result == {"batchItemFailures": []}
    assert client.calls == 2
    assert sorted(json.loads(m["Body"])["eventId"] for m in drain(sqs, url)) == ["a", "b"]


def test_a_failed_send_holds_back_its_group_while_others_go_on(sqs: Any) -> None:
    """A sender-fault entry failure is not retried: reported, and its group's later record held back."""
    url = destination(sqs, "dest.fifo", [])
    client = Scripted(sqs, [reject_first("InvalidParameterValue", sender_fault=True)])
    events = {
        "Records": [
            record("m1", "c1", {"eventId": "a"}),
            record("m2", "c2", {"eventId": "b"}),
            record("m3", "c1", {"eventId": "c"}),
        ]
    }
    result = app.Replayer(lambda: client, url, sleep=lambda _: None).handle(events)
    assert failed(result) == ["m1", "m3"]
    assert [json.loads(m["Body"])["eventId"] for m in drain(sqs, url)] == ["b"]


def test_an_entry_in_neither_successful_nor_failed_is_reported(sqs: Any) -> None:
    url = destination(sqs, "dest.fifo", [])

    def lose_first(sqs: Any, url: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(sqs.send_message_batch(QueueUrl=url, Entries=entries[1:])) if entries[1:] else {}

    client = Scripted(sqs, [lose_first, lose_first, lose_first])
    events = {"Records": [record("m1", "c1", {"eventId": "a"}), record("m2", "c2", {"eventId": "b"})]}
    result = app.Replayer(lambda: client, url, sleep=lambda _: None).handle(events)
    assert failed(result) == ["m1"]


def test_a_missing_destination_fails_records_instead_of_crashing(sqs: Any) -> None:
    gone = "https://sqs.us-east-1.amazonaws.com/123456789012/gone.fifo"
    result = app.Replayer(lambda: sqs, gone).handle({"Records": [record("m1", "c1", {}), record("m2", "c2", {})]})
    assert failed(result) == ["m1", "m2"]


def test_an_undecodable_binary_attribute_fails_its_record_alone(sqs: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = destination(sqs, "dest.fifo", [])
    bad = {"blob": {"binaryValue": "not base64!", "dataType": "Binary", "stringListValues": [], "binaryListValues": []}}
    events = {"Records": [record("m1", "c1", {"eventId": "a"}, bad), record("m2", "c1", {"eventId": "b"})]}
    assert failed(app.Replayer(lambda: sqs, url).handle(events)) == ["m1"]
    assert [json.loads(m["Body"])["eventId"] for m in drain(sqs, url)] == ["b"]
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.messageId == "m1" and "binaryValue is not base64" in error.reason


def test_a_replayed_message_replayed_again_keeps_one_marker(sqs: Any) -> None:
    url = destination(sqs, "dest.fifo", [])
    marked = {"replayed": {"stringValue": "true", "dataType": "String", "stringListValues": [], "binaryListValues": []}}
    result = app.Replayer(lambda: sqs, url).handle({"Records": [record("m1", "c1", {"eventId": "a"}, marked)]})
    assert result == {"batchItemFailures": []}
    [message] = drain(sqs, url)
    assert message["MessageAttributes"] == {"replayed": {"StringValue": "true", "DataType": "String"}}
