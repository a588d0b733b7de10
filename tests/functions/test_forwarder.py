"""The SQS -> Firehose forwarder, against moto's Firehose (with AWS's request limits) and a stub for
partial failures.

Lambda's partial batch response contract ("Handling errors for an SQS event source in Lambda",
"Implementing partial batch responses"): on a standard queue report each failed message; on a FIFO
queue stop at the first failure and report it and every later (unprocessed) message of the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.functions.aws_limits import FIREHOSE_MAX_CALL_BYTES, FIREHOSE_MAX_RECORD_BYTES, firehose_limits
from tests.functions.helpers import load_function

app = load_function("forwarder")
STANDARD_ARN = "arn:aws:sqs:us-east-1:123456789012:dev-backup"
FIFO_ARN = "arn:aws:sqs:us-east-1:123456789012:dev-backup.fifo"
BUSY = {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "busy"}


def sqs_record(message_id: str, body: str, fifo: bool) -> dict[str, Any]:
    attributes = {"MessageGroupId": f"g-{message_id}", "MessageDeduplicationId": message_id} if fifo else {}
    return {
        "messageId": message_id,
        "body": body,
        "attributes": attributes,
        "eventSource": "aws:sqs",
        "eventSourceARN": FIFO_ARN if fifo else STANDARD_ARN,
    }


def sqs_event(n: int, body: str = '{"eventId": "e"}', fifo: bool = False) -> dict[str, Any]:
    return {"Records": [sqs_record(f"m{i}", body, fifo) for i in range(n)]}


def failed_ids(result: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in result["batchItemFailures"]]


def stubbed_client() -> tuple[Any, Stubber, list[list[bytes]]]:
    """A Firehose client whose responses the test scripts, recording every call's records."""
    client = boto3.client("firehose", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    sent: list[list[bytes]] = []
    firehose_limits(client, sent)
    return client, Stubber(client), sent


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
    calls: list[list[bytes]] = []
    firehose_limits(firehose, calls)
    result = app.Forwarder(firehose, "stream").handle(sqs_event(10))
    assert result == {"batchItemFailures": []}
    assert [len(c) for c in calls] == [10]
    objects = boto3.client("s3").list_objects_v2(Bucket="backup")["Contents"]
    body = boto3.client("s3").get_object(Bucket="backup", Key=objects[0]["Key"])["Body"].read()
    assert body.count(b"\n") == 10


@pytest.mark.parametrize("fifo", [False, True])
def test_calls_are_split_by_record_count_and_by_bytes(firehose: Any, fifo: bool) -> None:
    """At most 500 records and 4 MiB per PutRecordBatch (botocore firehose model, see aws_limits)."""
    calls: list[list[bytes]] = []
    firehose_limits(firehose, calls)
    forwarder = app.Forwarder(firehose, "stream")
    assert forwarder.handle(sqs_event(1001, fifo=fifo)) == {"batchItemFailures": []}
    assert [len(c) for c in calls] == [500, 500, 1]
    calls.clear()
    big = "x" * (FIREHOSE_MAX_RECORD_BYTES - 1)  # with its newline exactly the 1,000 KiB maximum
    assert forwarder.handle(sqs_event(9, body=big, fifo=fifo)) == {"batchItemFailures": []}
    assert [len(c) for c in calls] == [4, 4, 1]
    assert all(sum(len(r) for r in c) <= FIREHOSE_MAX_CALL_BYTES for c in calls)
    assert all(len(r) == FIREHOSE_MAX_RECORD_BYTES for c in calls for r in c)


def test_standard_queue_retries_only_rejected_records_then_reports_just_them() -> None:
    client, stub, sent = stubbed_client()
    stub.add_response(
        "put_record_batch",
        {"FailedPutCount": 1, "RequestResponses": [{"RecordId": "1"}, BUSY, {"RecordId": "3"}]},
    )
    for _ in range(2):
        stub.add_response("put_record_batch", {"FailedPutCount": 1, "RequestResponses": [BUSY]})
    with stub:
        event = {"Records": [sqs_record(f"m{i}", f'{{"n": {i}}}', fifo=False) for i in range(3)]}
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(event)
    assert failed_ids(result) == ["m1"]
    assert [len(batch) for batch in sent] == [3, 1, 1]
    assert sent[1] == [b'{"n": 1}\n']


def test_a_rejected_record_that_succeeds_on_retry_is_not_reported() -> None:
    client, stub, sent = stubbed_client()
    stub.add_response("put_record_batch", {"FailedPutCount": 1, "RequestResponses": [BUSY, {"RecordId": "2"}]})
    stub.add_response("put_record_batch", {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "1"}]})
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(sqs_event(2, fifo=True))
    assert result == {"batchItemFailures": []}
    assert [len(batch) for batch in sent] == [2, 1]


def test_fifo_queue_reports_the_first_failed_record_and_every_later_one() -> None:
    """m1 stays rejected: m1 and m2 (accepted, but after m1) are reported; m0 is done."""
    client, stub, sent = stubbed_client()
    stub.add_response(
        "put_record_batch",
        {"FailedPutCount": 1, "RequestResponses": [{"RecordId": "0"}, BUSY, {"RecordId": "2"}]},
    )
    for _ in range(2):
        stub.add_response("put_record_batch", {"FailedPutCount": 1, "RequestResponses": [BUSY]})
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(sqs_event(3, fifo=True))
    assert failed_ids(result) == ["m1", "m2"]
    assert [len(batch) for batch in sent] == [3, 1, 1]


def test_fifo_queue_makes_no_call_after_a_failed_one() -> None:
    """1,200 records take three calls; the first fails as a whole: nothing else is sent, all reported."""
    client, stub, sent = stubbed_client()
    stub.add_client_error("put_record_batch", service_error_code="ServiceUnavailableException")
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(sqs_event(1200, fifo=True))
    assert len(sent) == 1
    assert failed_ids(result) == [f"m{i}" for i in range(1200)]


def test_standard_queue_goes_on_after_a_failed_call() -> None:
    client, stub, sent = stubbed_client()
    stub.add_client_error("put_record_batch", service_error_code="ServiceUnavailableException")
    stub.add_response("put_record_batch", {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "x"}] * 100})
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(sqs_event(600))
    assert [len(batch) for batch in sent] == [500, 100]
    assert failed_ids(result) == [f"m{i}" for i in range(500)]


def test_a_failed_call_reports_its_records_and_nothing_is_resent() -> None:
    client, stub, sent = stubbed_client()
    stub.add_client_error("put_record_batch", service_error_code="ThrottlingException")
    with stub:
        result = app.Forwarder(client, "stream", sleep=lambda _: None).handle(sqs_event(2))
    assert failed_ids(result) == ["m0", "m1"]
    assert len(sent) == 1


def test_standard_queue_reports_an_oversize_record_alone_with_its_reason(
    firehose: Any, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[list[bytes]] = []
    firehose_limits(firehose, calls)
    event = {
        "Records": [
            sqs_record("ok0", "{}", fifo=False),
            sqs_record("big", "x" * FIREHOSE_MAX_RECORD_BYTES, fifo=False),
            sqs_record("ok2", "{}", fifo=False),
        ]
    }
    assert failed_ids(app.Forwarder(firehose, "stream").handle(event)) == ["big"]
    assert calls == [[b"{}\n", b"{}\n"]]
    [error] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert error.messageId == "big" and error.bytes == FIREHOSE_MAX_RECORD_BYTES + 1
    assert "can never be put" in error.getMessage() and "1,024,000" in error.getMessage()


def test_fifo_queue_stops_at_an_oversize_record(firehose: Any) -> None:
    """The record before it is put; it and the records after it are reported, never sent."""
    calls: list[list[bytes]] = []
    firehose_limits(firehose, calls)
    event = {
        "Records": [
            sqs_record("ok0", "{}", fifo=True),
            sqs_record("big", "x" * FIREHOSE_MAX_RECORD_BYTES, fifo=True),
            sqs_record("ok2", "{}", fifo=True),
        ]
    }
    assert failed_ids(app.Forwarder(firehose, "stream").handle(event)) == ["big", "ok2"]
    assert calls == [[b"{}\n"]]


def _powertools_fifo_response(ids: list[str], failing: set[str]) -> list[str]:
    """What Powertools' SqsFifoPartialProcessor reports for a batch whose ``failing`` records raise."""
    processor = SqsFifoPartialProcessor()

    def handler(record: Any) -> None:
        if record.message_id in failing:
            raise RuntimeError("put failed")

    records = [sqs_record(i, "{}", fifo=True) for i in ids]
    try:
        with processor(records, handler) as batch:
            batch.process()
    except BatchProcessingError:  # Powertools raises when every record failed: all of them come back
        return ids
    return failed_ids(processor.response())


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=10))
def test_fifo_reporting_mirrors_powertools_sqs_fifo_partial_processor(failing: list[bool]) -> None:
    ids = [f"m{i}" for i in range(len(failing))]
    bad = {i for i, f in zip(ids, failing, strict=True) if f}
    assert app.fifo_failures(ids, bad) == _powertools_fifo_response(ids, bad)
