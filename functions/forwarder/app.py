"""SQS -> Firehose forwarder for the storage-backup and search-analytics pipelines.

One PutRecordBatch per up to 500 records / 4 MiB. Records Firehose rejects are retried (only
those) a bounded number of times, then reported in ``batchItemFailures``; a whole-call failure
reports that call's records. Nothing already accepted is ever sent again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

MAX_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1_000 * 1024
RETRIES = 2

logger = Logger()
metrics = Metrics()


def _data(body: str) -> bytes:
    return (body.rstrip("\n") + "\n").encode("utf-8")


class Forwarder:
    """Puts SQS record bodies into one delivery stream."""

    def __init__(
        self, firehose: Any, stream_name: str, sleep: Callable[[float], None] = time.sleep, metrics: Any = None
    ) -> None:
        self.firehose, self.stream_name, self.sleep, self.metrics = firehose, stream_name, sleep, metrics

    def _chunks(self, records: list[tuple[str, bytes]]) -> list[list[tuple[str, bytes]]]:
        chunks: list[list[tuple[str, bytes]]] = [[]]
        size = 0
        for item in records:
            if len(chunks[-1]) >= MAX_RECORDS or size + len(item[1]) > MAX_BATCH_BYTES:
                chunks.append([])
                size = 0
            chunks[-1].append(item)
            size += len(item[1])
        return [c for c in chunks if c]

    def _put(self, chunk: list[tuple[str, bytes]]) -> list[str]:
        """Send a chunk, retrying only rejected records; return the message ids still failing."""
        pending = chunk
        for attempt in range(RETRIES + 1):
            try:
                response = self.firehose.put_record_batch(
                    DeliveryStreamName=self.stream_name, Records=[{"Data": data} for _, data in pending]
                )
            except Exception as error:  # noqa: BLE001 - the whole call failed: report, never re-send accepted ones
                logger.warning("PutRecordBatch failed", extra={"error": str(error), "records": len(pending)})
                return [message_id for message_id, _ in pending]
            if not response.get("FailedPutCount"):
                return []
            pending = [
                item
                for item, result in zip(pending, response["RequestResponses"], strict=False)
                if result.get("ErrorCode")
            ]
            if attempt < RETRIES:
                self.sleep(0.1 * 2**attempt)
        return [message_id for message_id, _ in pending]

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        failures: list[str] = []
        records: list[tuple[str, bytes]] = []
        for record in event.get("Records", []):
            data = _data(record.get("body", ""))
            if len(data) > MAX_RECORD_BYTES:
                logger.error("record over Firehose's 1,000 KiB limit", extra={"messageId": record["messageId"]})
                failures.append(record["messageId"])
            else:
                records.append((record["messageId"], data))
        for chunk in self._chunks(records):
            failures.extend(self._put(chunk))
        if self.metrics is not None:
            self.metrics.add_metric(name="forwarded", unit=MetricUnit.Count, value=len(records) - len(failures))
            self.metrics.add_metric(name="forward_failed", unit=MetricUnit.Count, value=len(failures))
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}


_forwarder: Forwarder | None = None


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _forwarder
    if _forwarder is None:
        import boto3

        _forwarder = Forwarder(boto3.client("firehose"), os.environ["DELIVERY_STREAM_NAME"], metrics=metrics)
    return _forwarder.handle(event)
