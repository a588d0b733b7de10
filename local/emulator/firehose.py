"""Amazon Data Firehose, emulated: limits, buffering, the Lambda transform, compression, S3, OpenSearch.

``PutRecordBatch`` follows the botocore model ``botocore/data/firehose/2015-08-04/service-2.json``
(PutRecordBatch documentation, ``PutRecordBatchRequestEntryList`` max 500, ``Data`` max 1,024,000
bytes): at most 500 records, each at most 1,000 KiB before base64, at most 4 MiB per call. The model
constraints (500 records, 1,000 KiB) fail the whole call with ``ValidationException`` as AWS
reports constraint violations; the 4 MiB total, which no constraint states, fails it with the
model's ``InvalidArgumentException``. A record the stream accepts gets a ``RecordId``; a record
that fails gets ``ErrorCode``/``ErrorMessage`` in its own entry (``FailedPutCount`` counts them).

Records put with PutRecordBatch wait in the stream's buffer until its buffering interval (or
size) is reached, then go through the data-transformation function with the real Firehose event
shape, are compressed as configured and written to S3 under the configured prefix. An OpenSearch
destination accepts each transformed record as a document (recorded by event id); records the
transform marks ``ProcessingFailed`` go to the error/backup bucket.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.emulator.clock import VirtualClock

MAX_RECORD_BYTES = 1_024_000
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024


@dataclass
class StreamInfo:
    """A delivery stream as declared: where it delivers and how it buffers, transforms, compresses."""

    name: str
    arn: str
    destination: str
    config: dict[str, Any]
    bucket: str | None
    transform_arn: str | None


@dataclass
class _Buffer:
    records: list[tuple[str, bytes]] = field(default_factory=list)
    first_at: float | None = None
    size: int = 0


class FirehoseEmulator:
    """Routes PutRecordBatch to per-stream buffers and delivers them on the virtual clock."""

    def __init__(
        self, streams: dict[str, StreamInfo], clock: VirtualClock, s3: Any, invoke: Callable[[str, dict[str, Any]], Any]
    ) -> None:
        self.streams, self.clock, self.s3, self.invoke = streams, clock, s3, invoke
        self.buffers: dict[str, _Buffer] = {name: _Buffer() for name in streams}
        self.accepted: dict[str, list[dict[str, Any]]] = {name: [] for name in streams}
        self.failed: dict[str, int] = {name: 0 for name in streams}
        self.notes: list[str] = []

    def put(self, name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        if name not in self.streams:
            from moto.firehose.exceptions import ResourceNotFoundException

            raise ResourceNotFoundException(f"Firehose {name} not found.")
        buffer = self.buffers[name]
        responses = []
        failed = 0
        for data in batch_data(records):
            record_id = uuid.uuid4().hex
            buffer.records.append((record_id, data))
            buffer.size += len(data)
            if buffer.first_at is None:
                buffer.first_at = self.clock.t
            responses.append({"RecordId": record_id})
        return {"FailedPutCount": failed, "Encrypted": True, "RequestResponses": responses}

    def _limits(self, info: StreamInfo) -> tuple[float, int]:
        interval = float(info.config.get("bufferingInterval", 300))
        size_mb = int(info.config.get("bufferingSize", 5))
        return interval, size_mb * 1024 * 1024

    def next_due(self) -> float | None:
        times = [
            b.first_at + self._limits(self.streams[n])[0] for n, b in self.buffers.items() if b.first_at is not None
        ]
        return min(times) if times else None

    def flush_due(self) -> None:
        for name, buffer in self.buffers.items():
            if buffer.first_at is None:
                continue
            interval, size = self._limits(self.streams[name])
            if self.clock.t >= buffer.first_at + interval or buffer.size >= size:
                self._deliver(name, buffer.records)
                self.buffers[name] = _Buffer()

    def _transform(self, info: StreamInfo, records: list[tuple[str, bytes]]) -> list[tuple[str, str, bytes]]:
        if not info.transform_arn:
            return [(rid, "Ok", data) for rid, data in records]
        event = {
            "invocationId": uuid.uuid4().hex,
            "deliveryStreamArn": info.arn,
            "region": "us-east-1",
            "records": [
                {
                    "recordId": rid,
                    "approximateArrivalTimestamp": int(self.clock.now() * 1000),
                    "data": base64.b64encode(data).decode(),
                }
                for rid, data in records
            ],
        }
        try:
            response = self.invoke(info.transform_arn, event)
        except KeyError:  # the plan names a transform that is not one of its functions
            raise
        except Exception:  # noqa: BLE001 - a timeout, throttle or crash of the transform
            # Firehose retries, then "skips that batch of records": all of them processing-failed
            # (https://docs.aws.amazon.com/firehose/latest/dev/data-transformation-failure-handling.html).
            return [(rid, "ProcessingFailed", data) for rid, data in records]
        by_id = {r["recordId"]: r for r in response.get("records", [])}
        out = []
        for rid, data in records:
            result = by_id.get(rid)
            if result is None or result.get("result") == "ProcessingFailed":
                # Firehose backs up the record's original data (``rawData``), not what the function returned.
                out.append((rid, "ProcessingFailed", data))
            else:
                out.append((rid, result["result"], base64.b64decode(result.get("data", ""))))
        return out

    def _deliver(self, name: str, records: list[tuple[str, bytes]]) -> None:
        info = self.streams[name]
        transformed = self._transform(info, records)
        ok = [data for _, result, data in transformed if result == "Ok"]
        failed = [data for _, result, data in transformed if result == "ProcessingFailed"]
        self.failed[name] += len(failed)
        when = datetime.fromtimestamp(self.clock.now(), tz=UTC)
        if info.destination == "opensearch":
            for data in ok:
                for line in data.decode("utf-8", "replace").splitlines():
                    if line.strip():
                        self.accepted[name].append(json.loads(line))
            if failed and info.bucket:
                # Firehose appends processing-failed/ to the backup's own prefix, compressed as the backup is.
                backup = info.config.get("s3Configuration") or {}
                prefix = str(backup.get("prefix") or "") + "processing-failed/"
                compression = str(backup.get("compressionFormat") or "UNCOMPRESSED")
                self._write(info, info.bucket, prefix, failed, when, compression)
            return
        if info.bucket:
            if ok:
                self._write(info, info.bucket, str(info.config.get("prefix") or ""), ok, when)
            if failed:
                error_prefix = str(info.config.get("errorOutputPrefix") or "processing-failed/")
                self._write(info, info.bucket, error_prefix, failed, when)
            self.accepted[name].extend(json.loads(d) for d in ok if _is_json(d))

    def _write(
        self,
        info: StreamInfo,
        bucket: str,
        prefix: str,
        chunks: list[bytes],
        when: datetime,
        compression: str | None = None,
    ) -> None:
        payload = b"".join(chunks)
        compression = compression or str(info.config.get("compressionFormat") or "UNCOMPRESSED")
        suffix = ""
        if compression == "GZIP":
            payload, suffix = gzip.compress(payload), ".gz"
        elif compression == "ZIP":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("records", payload)
            payload, suffix = buffer.getvalue(), ".zip"
        elif compression != "UNCOMPRESSED":
            self.notes.append(f"{info.name}: {compression} compression is written uncompressed by the emulator")
        key = _expand(prefix, when) + f"{info.name}-1-{when:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}{suffix}"
        self.s3.put_object(Bucket=bucket, Key=key, Body=payload)


def batch_data(records: list[dict[str, Any]]) -> list[bytes]:
    """The records' bytes, or the error AWS returns for the whole PutRecordBatch call."""
    from local.emulator.errors import AwsError

    if not 1 <= len(records) <= MAX_BATCH_RECORDS:
        raise AwsError(
            "firehose",
            "ValidationException",
            f"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length "
            f"less than or equal to {MAX_BATCH_RECORDS}",
        )
    out = []
    for position, record in enumerate(records, start=1):
        raw = record["Data"]
        data = raw if isinstance(raw, bytes) else base64.b64decode(raw)
        if len(data) > MAX_RECORD_BYTES:
            raise AwsError(
                "firehose",
                "ValidationException",
                f"1 validation error detected: Value at 'records.{position}.member.data' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_RECORD_BYTES}",
            )
        out.append(data)
    total = sum(len(d) for d in out)
    if total > MAX_BATCH_BYTES:
        raise AwsError(
            "firehose",
            "InvalidArgumentException",
            f"Records size exceeds {MAX_BATCH_BYTES} bytes limit per PutRecordBatch request ({total} bytes).",
        )
    return out


def install(stack: Any, state: Any) -> None:
    """Route PutRecordBatch to the stream emulator the run registers (``state.firehose_sink``)."""
    from unittest import mock

    from moto.firehose.models import FirehoseBackend

    def put_record_batch(backend: Any, name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        if state.firehose_sink is None:
            raise RuntimeError("no delivery streams are emulated")
        return state.firehose_sink(name, records)  # type: ignore[no-any-return]

    stack.enter_context(mock.patch.object(FirehoseBackend, "put_record_batch", put_record_batch))


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _expand(prefix: str, when: datetime) -> str:
    """Firehose's default time prefix, or its ``!{timestamp:...}`` namespace."""
    if "!{timestamp:" not in prefix:
        return f"{prefix}{when:%Y/%m/%d/%H}/"
    out = prefix
    for token, fmt in (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H")):
        out = out.replace(f"!{{timestamp:{token}}}", when.strftime(fmt))
    return out


def read_objects(s3: Any, bucket: str, compression: str) -> list[bytes]:
    """Every object under ``bucket``, decompressed."""
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            if obj["Key"].endswith(".gz"):
                body = gzip.decompress(body)
            elif obj["Key"].endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(body)) as archive:
                    body = b"".join(archive.read(n) for n in archive.namelist())
            out.append(body)
    return out
