"""Firehose PutRecordBatch limits and the emulated delivery (``local/emulator/firehose.py``)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from local.emulator import EmulatorState, VirtualClock, emulator
from local.emulator.firehose import MAX_RECORD_BYTES, FirehoseEmulator, StreamInfo
from tests.emulator.conftest import client, error_of

MODEL = "botocore/data/firehose/2015-08-04/service-2.json"


def _stream(name: str = "s", **config: Any) -> StreamInfo:
    return StreamInfo(
        name=name,
        arn=f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{name}",
        destination="extended_s3",
        config={"bufferingInterval": 60, **config},
        bucket="backup",
        transform_arn=None,
    )


@pytest.fixture
def firehose(aws: EmulatorState) -> Any:
    s3 = client("s3")
    s3.create_bucket(Bucket="backup")
    emulated = FirehoseEmulator({"s": _stream()}, aws.clock, s3, lambda _arn, _event: {})
    aws.firehose_sink = emulated.put
    return client("firehose")


def test_put_record_batch_limits(firehose: Any) -> None:
    """botocore Firehose model, PutRecordBatch: "Each PutRecordBatch request supports up to 500 records. Each
    record in the request can be as large as 1,000 KB (before base64 encoding), up to a limit of 4 MB for the
    entire request"; PutRecordBatchRequestEntryList max 500 and Data max 1,024,000 are model constraints
    (ValidationException); the 4 MiB total fails with the model's InvalidArgumentException."""
    ok = firehose.put_record_batch(DeliveryStreamName="s", Records=[{"Data": b"x" * MAX_RECORD_BYTES}])
    assert ok["FailedPutCount"] == 0 and ok["RequestResponses"][0]["RecordId"]
    assert error_of(firehose.put_record_batch, DeliveryStreamName="s", Records=[{"Data": b"x"}] * 501)[:2] == (
        "ValidationException",
        400,
    )
    too_big = [{"Data": b"x" * (MAX_RECORD_BYTES + 1)}]
    assert error_of(firehose.put_record_batch, DeliveryStreamName="s", Records=too_big)[0] == "ValidationException"
    five_mib = [{"Data": b"x" * 1_000_000}] * 5
    assert error_of(firehose.put_record_batch, DeliveryStreamName="s", Records=five_mib)[:2] == (
        "InvalidArgumentException",
        400,
    )
    four = firehose.put_record_batch(DeliveryStreamName="s", Records=[{"Data": b"x" * 1_000_000}] * 4)
    assert len(four["RequestResponses"]) == 4 and four["FailedPutCount"] == 0


def test_opensearch_records_failing_the_transform_go_under_the_backup_prefix() -> None:
    """Firehose OpenSearch destination: records the transform marks ProcessingFailed are written to the S3
    backup under "processing-failed/" after the backup prefix, compressed as the backup is
    (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html#data-transformation-failure-handling)."""
    clock = VirtualClock()
    with emulator(clock):
        s3 = client("s3")
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


def _opensearch_with_transform(clock: VirtualClock, s3: Any, transform: Any) -> FirehoseEmulator:
    info = StreamInfo(
        name="analytics",
        arn="arn:aws:firehose:us-east-1:123456789012:deliverystream/analytics",
        destination="opensearch",
        config={"bufferingInterval": 60, "s3Configuration": {"prefix": "dead/"}},
        bucket="failed-docs",
        transform_arn="arn:aws:lambda:us-east-1:123456789012:function:t",
    )
    return FirehoseEmulator({"analytics": info}, clock, s3, transform)


def _backed_up(s3: Any) -> bytes:
    """Every backup object's bytes, concatenated (Firehose concatenates records as sent)."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="failed-docs").get("Contents", [])]
    assert keys and all(k.startswith("dead/processing-failed/") for k in keys)
    return b"".join(s3.get_object(Bucket="failed-docs", Key=k)["Body"].read() for k in sorted(keys))


def test_a_record_marked_processing_failed_is_backed_up_with_its_original_data() -> None:
    """Firehose writes a ProcessingFailed record's original data to the backup, never what the function
    returned for it (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html)."""
    clock = VirtualClock()
    with emulator(clock):
        s3 = client("s3")
        s3.create_bucket(Bucket="failed-docs")

        def transform(_arn: str, event: dict[str, Any]) -> dict[str, Any]:
            replaced = base64.b64encode(b'{"eventId": "replaced"}').decode()
            return {"records": [{**r, "result": "ProcessingFailed", "data": replaced} for r in event["records"]]}

        firehose = _opensearch_with_transform(clock, s3, transform)
        firehose.put("analytics", [{"Data": b'{"eventId": "original"}'}])
        clock.advance_to(61.0)
        firehose.flush_due()
        assert _backed_up(s3) == b'{"eventId": "original"}'
        assert firehose.accepted["analytics"] == []


def test_a_transform_that_fails_sends_its_whole_batch_to_the_backup_as_sent() -> None:
    """A transform invocation that errors, times out or is throttled: Firehose retries, then skips the
    batch, every record processing-failed with its original data
    (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html)."""
    clock = VirtualClock()
    with emulator(clock):
        s3 = client("s3")
        s3.create_bucket(Bucket="failed-docs")

        def transform(_arn: str, _event: dict[str, Any]) -> dict[str, Any]:
            raise TimeoutError("Task timed out after 60.00 seconds")

        firehose = _opensearch_with_transform(clock, s3, transform)
        firehose.put("analytics", [{"Data": json.dumps({"eventId": e}).encode()} for e in ("a", "b")])
        clock.advance_to(61.0)
        firehose.flush_due()
        assert _backed_up(s3) == b'{"eventId": "a"}{"eventId": "b"}'
        assert firehose.accepted["analytics"] == []
