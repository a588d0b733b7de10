"""Replay function: re-send archived events from the replay queue to a destination queue.

The destination is resolved at the first invocation, so a missing queue never breaks
initialisation. Group ids are kept; deduplication ids are fresh (derived from the replay
record's message id) so a replayed event is not swallowed by the 5-minute window of its original
id, while a retried replay batch still is. Per-message failures are reported, never the batch,
and after a failure the later records of the same group are held back (FIFO order).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger()


def _attributes(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, attr in (record.get("messageAttributes") or {}).items():
        value: dict[str, Any] = {"DataType": attr.get("dataType", "String")}
        if attr.get("stringValue") is not None:
            value["StringValue"] = attr["stringValue"]
        elif attr.get("binaryValue") is not None:
            value["BinaryValue"] = attr["binaryValue"]
        else:
            continue
        out[name] = value
    if len(out) < 10:
        out["replayed"] = {"DataType": "String", "StringValue": "true"}
    return out


def _next_chunk(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Up to 10 records, at most one per group, so a failed send can never reorder a group."""
    chunk: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for record in records:
        group = (record.get("attributes") or {}).get("MessageGroupId")
        if len(chunk) < 10 and group not in seen:
            chunk.append(record)
        else:
            rest.append(record)
        seen.add(group)
    return chunk, rest


class Replayer:
    """Sends replay records to the destination in batches of 10."""

    def __init__(self, client_factory: Callable[[], Any], destination_url: str) -> None:
        self.client_factory, self.destination_url = client_factory, destination_url
        self._client: Any = None

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        records = event.get("Records", [])
        failed: set[str] = set()
        failed_groups: set[str | None] = set()
        fifo = self.destination_url.endswith(".fifo")
        try:
            if self._client is None:
                self._client = self.client_factory()
        except Exception as error:  # noqa: BLE001 - cannot reach the destination: every record retries
            logger.error("replay destination unavailable", extra={"error": str(error)})
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
        pending = list(records)
        while pending:
            chunk, pending = _next_chunk(pending)
            entries: list[dict[str, Any]] = []
            sent: list[dict[str, Any]] = []
            for record in chunk:
                group = (record.get("attributes") or {}).get("MessageGroupId")
                if group in failed_groups:
                    failed.add(record["messageId"])
                    continue
                entry: dict[str, Any] = {
                    "Id": str(len(entries)),
                    "MessageBody": record["body"],
                    "MessageAttributes": _attributes(record),
                }
                if fifo:
                    entry["MessageGroupId"] = group or "replay"
                    entry["MessageDeduplicationId"] = f"replay-{record['messageId']}"[:128]
                entries.append(entry)
                sent.append(record)
            if not entries:
                continue
            try:
                response = self._client.send_message_batch(QueueUrl=self.destination_url, Entries=entries)
                bad = {int(f["Id"]) for f in response.get("Failed", [])}
            except Exception as error:  # noqa: BLE001 - reported per record
                logger.error("replay send failed", extra={"error": str(error)})
                bad = set(range(len(entries)))
            for index, record in enumerate(sent):
                if index in bad:
                    failed.add(record["messageId"])
                    failed_groups.add((record.get("attributes") or {}).get("MessageGroupId"))
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["messageId"] in failed]}


def _client() -> Any:
    import boto3

    client = boto3.client("sqs")
    client.get_queue_attributes(QueueUrl=os.environ["DESTINATION_QUEUE_URL"], AttributeNames=["QueueArn"])
    return client


_replayer: Replayer | None = None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _replayer
    if _replayer is None:
        _replayer = Replayer(_client, os.environ.get("DESTINATION_QUEUE_URL", ""))
    return _replayer.handle(event)
