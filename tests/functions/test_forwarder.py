"""The SQS -> Firehose forwarder, against moto's Firehose and a stub for partial failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.functions.helpers import load_function

app = load_function("forwarder")


def sqs_event(n: int, body: str = '{"eventId": "e"}') -> dict[str, Any]:
    return {"Records": [{"messageId": f"m{i}", "body": body, "attributes": {}} for i in range(n)]}


@pytest.fixture
def firehose(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="backup")
        client = boto3.client("firehose")
        client.create_delivery_stream(
            DeliveryStreamName="stream",
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/f",
                "BucketARN": "arn:aws:s3:::backup",
            },
        )
        yield client


def test_ten_records_take_one_put_record_batch(firehose: Any) -> None:
    calls: list[int] = []
    firehose.meta.events.register(
        "before-parameter-build.firehose.PutRecordBatch", lambda params, **_: calls.append(len(params["Records"]))
    )
    result = app.Forwarder(firehose, "stream").handle(sqs_event(10))
    assert result == {"batchItemFailures": []}
    assert calls == [10]
    objects = boto3.client("s3").list_objects_v2(Bucket="backup")["Contents"]
    body = boto3.client("s3").get_object(Bucket="backup", Key=objects[0]["Key"])["Body"].read()
    assert body.count(b"\n") == 10


def test_only_rejected_records_are_retried_and_then_reported() -> None:
    client = boto3.client("firehose", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    sent: list[list[bytes]] = []
    client.meta.events.register(
        "before-parameter-build.firehose.PutRecordBatch",
        lambda params, **_: sent.append([r["Data"] for r in params["Records"]]),
    )
    stub = Stubber(client)
    stub.add_response(
        "put_record_batch",
        {
            "FailedPutCount": 1,
            "RequestResponses": [
                {"RecordId": "1"},
                {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "busy"},
                {"RecordId": "3"},
            ],
        },
    )
    for _ in range(2):
        stub.add_response(
            "put_record_batch",
            {
                "FailedPutCount": 1,
                "RequestResponses": [{"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "busy"}],
            },
        )
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(
            {"Records": [{"messageId": f"m{i}", "body": f'{{"n": {i}}}'} for i in range(3)]}
        )
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert [len(batch) for batch in sent] == [3, 1, 1]
    assert sent[1] == [b'{"n": 1}\n']


def test_a_failed_call_reports_its_records_and_nothing_is_resent() -> None:
    client = boto3.client("firehose", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    stub = Stubber(client)
    stub.add_client_error("put_record_batch", service_error_code="ThrottlingException")
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(sqs_event(2))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_oversize_record_is_reported_not_sent(firehose: Any) -> None:
    event = {"Records": [{"messageId": "big", "body": "x" * (1_000 * 1024 + 1)}, {"messageId": "ok", "body": "{}"}]}
    assert app.Forwarder(firehose, "stream").handle(event) == {"batchItemFailures": [{"itemIdentifier": "big"}]}
