"""SQS -> Firehose forwarder for the storage-backup and search-analytics pipelines.

Card data is removed from every body before it reaches Firehose (``card_redaction``), so no
Firehose failure path (transform error, timeout, throttle, destination error) can store a raw
record; only ``REDACT_CARD_NUMBERS=false`` (the pipeline's explicit ``redaction: false``) turns it off.

Firehose's PutRecordBatch takes at most 500 records and 4 MiB per call, each record at most
1,000 KiB (1,024,000 bytes): calls are split by count and by bytes. A record over 1,000 KiB can
never be put, so it is reported failed with the reason logged (the queue's redrive policy then
moves it to the pipeline's DLQ) instead of failing its whole call on every attempt. Records
Firehose rejects (``FailedPutCount`` / ``ErrorCode``) are retried, only those, a bounded number of
times; nothing Firehose accepted is sent again within an invocation.

What is reported follows Lambda's partial batch response contract for the source queue:

- standard queue: every record not put is reported, the others are deleted;
- FIFO queue (``eventSourceARN`` ends in ``.fifo``): processing stops at the first record that
  fails; it and every later record of the batch are reported (as Powertools'
  ``SqsFifoPartialProcessor`` does), and no call is made after one that left a record failing.
  Records Firehose accepted after that first failure in the same call come back too and are put
  again on redelivery: Firehose is at-least-once, and AWS recommends handling duplicates at the
  destination (every event carries its ``eventId``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from card_redaction import redact_body

MAX_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_RECORD_BYTES = 1_000 * 1024
RETRIES = 2

logger = Logger()
metrics = Metrics()

Item = tuple[str, bytes]


def _data(body: str, redact: bool) -> bytes:
    """The Firehose record of a body: card data removed (unless redaction is explicitly off), one line."""
    data = body.rstrip("\n").encode("utf-8", "replace")
    if redact:
        data = redact_body(data)
    return data + b"\n"


def is_fifo_batch(records: list[dict[str, Any]]) -> bool:
    """Whether the batch comes from a FIFO queue (Lambda puts the queue's ARN on every record)."""
    return any(str(r.get("eventSourceARN", "")).endswith(".fifo") for r in records)


def fifo_failures(message_ids: list[str], failed: set[str]) -> list[str]:
    """The first failed id and every id after it: Lambda's FIFO partial batch contract."""
    for index, message_id in enumerate(message_ids):
        if message_id in failed:
            return message_ids[index:]
    return []


def chunks(items: list[Item]) -> list[list[Item]]:
    """Consecutive calls of at most ``MAX_RECORDS`` records and ``MAX_BATCH_BYTES`` bytes, in order."""
    out: list[list[Item]] = []
    size = 0
    for item in items:
        if not out or len(out[-1]) >= MAX_RECORDS or size + len(item[1]) > MAX_BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append(item)
        size += len(item[1])
    return out


class Forwarder:
    """Puts SQS record bodies into one delivery stream."""

    def __init__(
        self,
        firehose: Any,
        stream_name: str,
        sleep: Callable[[float], None] = time.sleep,
        metrics: Any = None,
        redact: bool = True,
    ) -> None:
        self.firehose, self.stream_name, self.sleep, self.metrics = firehose, stream_name, sleep, metrics
        self.redact = redact

    def _put(self, chunk: list[Item]) -> list[str]:
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
            rejected = [
                (item, result)
                for item, result in zip(pending, response["RequestResponses"], strict=False)
                if result.get("ErrorCode")
            ]
            pending = [item for item, _ in rejected]
            codes = sorted({str(result["ErrorCode"]) for _, result in rejected})
            logger.warning("Firehose rejected records", extra={"records": len(pending), "errorCodes": codes})
            if attempt < RETRIES:
                self.sleep(0.1 * 2**attempt)
        return [message_id for message_id, _ in pending]

    def _sendable(self, records: list[dict[str, Any]], fifo: bool) -> tuple[list[Item], set[str]]:
        """The records that fit a PutRecordBatch, in order, and the ids of those that never can.

        On a FIFO queue nothing after a record that can never be put is sendable.
        """
        items: list[Item] = []
        unsendable: set[str] = set()
        for record in records:
            data = _data(record.get("body", ""), self.redact)
            if len(data) > MAX_RECORD_BYTES:
                logger.error(
                    "record can never be put: Firehose takes at most 1,024,000 bytes (1,000 KiB) per record; "
                    "reported failed so the queue's redrive policy moves it to the dead-letter queue",
                    extra={"messageId": record["messageId"], "bytes": len(data), "limit": MAX_RECORD_BYTES},
                )
                unsendable.add(record["messageId"])
                if fifo:
                    break
            else:
                items.append((record["messageId"], data))
        return items, unsendable

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        records: list[dict[str, Any]] = event.get("Records", [])
        fifo = is_fifo_batch(records)
        message_ids = [record["messageId"] for record in records]
        items, failed = self._sendable(records, fifo)
        for chunk in chunks(items):
            rejected = self._put(chunk)
            failed.update(rejected)
            if fifo and rejected:
                break
        reported = fifo_failures(message_ids, failed) if fifo else [i for i in message_ids if i in failed]
        if fifo and len(reported) > len(failed):
            logger.warning(
                "FIFO batch stopped at its first failed record; it and every later record come back",
                extra={"firstFailed": reported[0], "reported": len(reported), "failed": len(failed)},
            )
        if self.metrics is not None:
            self.metrics.add_metric(name="forwarded", unit=MetricUnit.Count, value=len(records) - len(reported))
            self.metrics.add_metric(name="forward_failed", unit=MetricUnit.Count, value=len(reported))
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in reported]}


_forwarder: Forwarder | None = None


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _forwarder
    if _forwarder is None:
        import boto3

        redact = os.environ.get("REDACT_CARD_NUMBERS", "true") != "false"
        _forwarder = Forwarder(
            boto3.client("firehose"), os.environ["DELIVERY_STREAM_NAME"], metrics=metrics, redact=redact
        )
    return _forwarder.handle(event)
