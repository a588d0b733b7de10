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
