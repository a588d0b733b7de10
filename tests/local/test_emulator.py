"""The emulator's own models where moto falls short: PartiQL batch writes and Firehose's failed records."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.emulator import VirtualClock, emulator
from local.emulator.firehose import FirehoseEmulator
from local.simulate.provision import StreamInfo

TABLE = "buffer-table"
INSERT = f"INSERT INTO \"{TABLE}\" VALUE {{'messageGroupId': ?, 'version': ?}}"
UPDATE = f'UPDATE "{TABLE}" SET "note" = ? SET "version" = ? WHERE "messageGroupId" = ? AND "version" = ?'


@pytest.fixture
def ddb() -> Iterator[Any]:
    with emulator(VirtualClock()):
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "messageGroupId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "messageGroupId", "AttributeType": "S"}],
        )
        yield client


def _item(ddb: Any, group: str) -> dict[str, Any] | None:
    return ddb.get_item(TableName=TABLE, Key={"messageGroupId": {"S": group}}).get("Item")


def test_insert_creates_and_then_fails_with_duplicate_item(ddb: Any) -> None:
    statement = {"Statement": INSERT, "Parameters": [{"S": "g"}, {"N": "1"}]}
    first = ddb.batch_execute_statement(Statements=[statement])["Responses"]
    second = ddb.batch_execute_statement(Statements=[statement])["Responses"]
    assert "Error" not in first[0]
    assert second[0]["Error"]["Code"] == "DuplicateItem"
    assert _item(ddb, "g") == {"messageGroupId": {"S": "g"}, "version": {"N": "1"}}


def test_update_applies_only_when_every_where_condition_holds(ddb: Any) -> None:
    ddb.batch_execute_statement(Statements=[{"Statement": INSERT, "Parameters": [{"S": "g"}, {"N": "1"}]}])
    stale = {
        "Statement": UPDATE,
        "Parameters": [{"S": "late"}, {"N": "2"}, {"S": "g"}, {"N": "0"}],
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    fresh = {"Statement": UPDATE, "Parameters": [{"S": "ok"}, {"N": "2"}, {"S": "g"}, {"N": "1"}]}
    absent = {"Statement": UPDATE, "Parameters": [{"S": "x"}, {"N": "2"}, {"S": "nobody"}, {"N": "1"}]}
    responses = ddb.batch_execute_statement(Statements=[stale, fresh, absent])["Responses"]
    assert responses[0]["Error"]["Code"] == "ConditionalCheckFailed"
    assert responses[0]["Error"]["Item"]["version"] == {"N": "1"}  # the item as it was, on request
    assert "Error" not in responses[1]
    assert responses[2]["Error"]["Code"] == "ConditionalCheckFailed" and "Item" not in responses[2]["Error"]
    assert _item(ddb, "g") == {"messageGroupId": {"S": "g"}, "version": {"N": "2"}, "note": {"S": "ok"}}
    assert _item(ddb, "nobody") is None


def test_statements_the_emulator_does_not_model_are_refused(ddb: Any) -> None:
    with pytest.raises(ClientError, match="does not model"):
        ddb.batch_execute_statement(
            Statements=[{"Statement": f'DELETE FROM "{TABLE}" WHERE "messageGroupId" = ?', "Parameters": [{"S": "g"}]}]
        )
    with pytest.raises(ClientError, match="unsupported WHERE"):
        ddb.batch_execute_statement(
            Statements=[
                {"Statement": f'UPDATE "{TABLE}" SET "a" = ? WHERE "version" > ?', "Parameters": [{"N": "1"}] * 2}
            ]
        )


def test_more_than_25_statements_are_refused_as_dynamodb_does(ddb: Any) -> None:
    statements = [{"Statement": INSERT, "Parameters": [{"S": f"g{i}"}, {"N": "1"}]} for i in range(26)]
    with pytest.raises(ClientError, match="25"):
        ddb.batch_execute_statement(Statements=statements)
    assert ddb.scan(TableName=TABLE)["Items"] == []


def test_opensearch_records_failing_the_transform_go_under_the_backup_prefix() -> None:
    clock = VirtualClock()
    with emulator(clock):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="failed-docs")
        info = StreamInfo(
            name="analytics",
            arn="arn:aws:firehose:us-east-1:123456789012:deliverystream/analytics",
            destination="opensearch",
            config={"bufferingInterval": 60, "s3Configuration": {"prefix": "dead/", "compressionFormat": "GZIP"}},
            bucket="failed-docs",
            transform_arn="arn:aws:lambda:us-east-1:123456789012:function:t",
        )

        def transform(_arn: str, event: dict[str, Any]) -> dict[str, Any]:
            out = []
            for record in event["records"]:
                doc = json.loads(base64.b64decode(record["data"]))
                result = "ProcessingFailed" if doc["eventId"] == "bad" else "Ok"
                out.append({"recordId": record["recordId"], "result": result, "data": record["data"]})
            return {"records": out}

        firehose = FirehoseEmulator({"analytics": info}, clock, s3, transform)
        firehose.put("analytics", [{"Data": json.dumps({"eventId": e}).encode()} for e in ("good", "bad")])
        clock.advance_to(61.0)
        firehose.flush_due()
        [key] = [o["Key"] for o in s3.list_objects_v2(Bucket="failed-docs")["Contents"]]
        assert key.startswith("dead/processing-failed/") and key.endswith(".gz")
        body = gzip.decompress(s3.get_object(Bucket="failed-docs", Key=key)["Body"].read())
        assert json.loads(body) == {"eventId": "bad"}
        assert [d["eventId"] for d in firehose.accepted["analytics"]] == ["good"]


def test_a_fifo_receive_is_filled_with_one_groups_messages_first() -> None:
    with emulator(VirtualClock()):
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"})[
            "QueueUrl"
        ]
        for group, event in (("a", "a1"), ("b", "b1"), ("a", "a2"), ("c", "c1"), ("a", "a3"), ("b", "b2")):
            sqs.send_message(QueueUrl=url, MessageBody=event, MessageGroupId=group, MessageDeduplicationId=event)

        def receive(n: int) -> list[str]:
            return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n).get("Messages", [])]

        assert receive(4) == ["a1", "a2", "a3", "b1"]
        assert receive(10) == ["c1"]  # b is in flight: b2 waits behind b1
        assert receive(10) == []
