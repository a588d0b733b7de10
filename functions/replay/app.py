"""Replay function: re-send archived events from the replay queue to a destination queue.

The destination is resolved at the first invocation (``GetQueueAttributes``, which also gives its
``MaximumMessageSize``), so a missing queue never breaks initialisation: every record then fails
and is retried.

What is sent: the body exactly as received (never re-serialised); the message attributes, with
``binaryValue`` (base64 text in Lambda's SQS event) decoded back to the original bytes, and list
values (``stringListValues``/``binaryListValues``, which SQS reserves and does not implement)
dropped with a warning naming the attribute; plus ``replayed=true`` when it fits (SQS allows 10
attributes, and the marker counts towards the message size). To a FIFO destination the group id
is kept (``replay`` when the source has none) and the deduplication id is fresh, derived from the
replay record's message id, so a replayed event is not swallowed by the 5-minute window of its
original id while a retried replay batch still is.

Batches: ``SendMessageBatch`` takes at most 10 entries and 1 MiB (1,048,576 bytes) in total, each
message at most the destination's ``MaximumMessageSize``, counted as SQS counts: body UTF-8 bytes
plus every attribute's name, data type and value bytes. A call holds at most one record per
message group, so a failed send can never reorder a group.

Failures are reported per record, never for the whole batch. Entries SQS reports ``Failed`` (or
leaves out of its answer) are retried within the invocation when SQS says they were not the
sender's fault; a record still failing is reported and the later records of its group are held
back (reported too), keeping the group's order.

A message that can never fit the destination (over its ``MaximumMessageSize`` even without the
marker, or an attribute that cannot be decoded) is never sent: it is reported failed with an error
log giving its size and the limit, and after the replay queue's ``maxReceiveCount`` receives its
redrive policy moves it to the replay DLQ. It does not hold back its group: it can never reach the
destination, so holding the group back would keep no order and only dead-letter the group's later
events with it. (Redriven after the destination's limit was raised, it arrives after them.)
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = 1_048_576
DEFAULT_MAX_MESSAGE_BYTES = 1_048_576
MAX_ATTRIBUTES = 10
RETRIES = 2
MARKER = ("replayed", {"DataType": "String", "StringValue": "true"})

logger = Logger()


class UnsendableError(ValueError):
    """A record that no attempt can ever send to the destination (``size``: its bytes, when known)."""

    def __init__(self, reason: str, size: int | None = None) -> None:
        super().__init__(reason)
        self.size = size


def attribute_bytes(name: str, value: dict[str, Any]) -> int:
    """An attribute's share of the message size: name, data type and value bytes."""
    raw = value.get("BinaryValue", b"") + value.get("StringValue", "").encode("utf-8")
    return len(name.encode("utf-8")) + len(value["DataType"].encode("utf-8")) + len(raw)


def message_bytes(body: str, attributes: dict[str, dict[str, Any]]) -> int:
    """A message's size as SQS counts it against ``MaximumMessageSize`` and the batch total."""
    return len(body.encode("utf-8")) + sum(attribute_bytes(n, v) for n, v in attributes.items())


def _attribute(message_id: str, name: str, attr: dict[str, Any]) -> dict[str, Any] | None:
    """The SendMessage form of one event attribute; ``None`` (with a warning) when it has no value SQS takes."""
    data_type = attr.get("dataType", "String")
    value: dict[str, Any] | None = None
    if attr.get("stringValue") is not None:
        value = {"DataType": data_type, "StringValue": attr["stringValue"]}
    elif attr.get("binaryValue") is not None:
        binary = attr["binaryValue"]
        try:
            decoded = binary if isinstance(binary, bytes) else base64.b64decode(binary, validate=True)
        except (binascii.Error, TypeError) as error:
            raise UnsendableError(f"attribute {name!r}: binaryValue is not base64 ({error})") from error
        value = {"DataType": data_type, "BinaryValue": decoded}
    if attr.get("stringListValues") or attr.get("binaryListValues"):
        logger.warning(
            "attribute list values dropped: SQS reserves StringListValues/BinaryListValues and does not implement them",
            extra={"messageId": message_id, "attribute": name, "kept": value is not None},
        )
    elif value is None:
        logger.warning("attribute without a value dropped", extra={"messageId": message_id, "attribute": name})
    return value


@dataclass(frozen=True)
class Outgoing:
    """One replay record as a SendMessageBatch entry (without its ``Id``), with its source group and size."""

    message_id: str
    group: str | None
    entry: dict[str, Any]
    size: int


def outgoing(record: dict[str, Any], fifo: bool, max_bytes: int) -> Outgoing:
    """The entry for ``record``; raises ``UnsendableError`` when it can never fit ``max_bytes``."""
    message_id, body = record["messageId"], record["body"]
    attributes: dict[str, dict[str, Any]] = {}
    for name, attr in (record.get("messageAttributes") or {}).items():
        value = _attribute(message_id, name, attr)
        if value is not None:
            attributes[name] = value
    size = message_bytes(body, attributes)
    if size > max_bytes:
        raise UnsendableError(f"{size} bytes is over the destination's MaximumMessageSize of {max_bytes} bytes", size)
    name, marker = MARKER
    replaced = attribute_bytes(name, attributes[name]) if name in attributes else 0
    marked_size = size - replaced + attribute_bytes(name, marker)
    if (name in attributes or len(attributes) < MAX_ATTRIBUTES) and marked_size <= max_bytes:
        attributes[name] = marker
        size = marked_size
    else:
        logger.warning("replayed without the replayed marker: it does not fit", extra={"messageId": message_id})
    group = (record.get("attributes") or {}).get("MessageGroupId")
    entry: dict[str, Any] = {"MessageBody": body}
    if attributes:
        entry["MessageAttributes"] = attributes
    if fifo:
        entry["MessageGroupId"] = group or "replay"
        entry["MessageDeduplicationId"] = f"replay-{message_id}"[:128]
    return Outgoing(message_id, group, entry, size)


def next_chunk(pending: list[Outgoing]) -> tuple[list[Outgoing], list[Outgoing]]:
    """One call's worth (10 entries, 1 MiB, one per group) and the rest, both in order.

    Once a group's record is left for later, its later records are too, so groups never reorder.
    """
    chunk: list[Outgoing] = []
    rest: list[Outgoing] = []
    seen: set[str] = set()
    total = 0
    for item in pending:
        fits = len(chunk) < MAX_BATCH_ENTRIES and total + item.size <= MAX_BATCH_BYTES
        if fits and (item.group is None or item.group not in seen):
            chunk.append(item)
            total += item.size
        else:
            rest.append(item)
        if item.group is not None:
            seen.add(item.group)
    return chunk, rest


class Replayer:
    """Sends replay records to the destination queue."""

    def __init__(
        self, client_factory: Callable[[], Any], destination_url: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.client_factory, self.destination_url, self.sleep = client_factory, destination_url, sleep
        self.fifo = destination_url.endswith(".fifo")
        self.max_message_bytes = DEFAULT_MAX_MESSAGE_BYTES
        self._client: Any = None

    def _connect(self) -> Any:
        if self._client is None:
            client = self.client_factory()
            attributes = client.get_queue_attributes(
                QueueUrl=self.destination_url, AttributeNames=["MaximumMessageSize"]
            ).get("Attributes", {})
            limit = int(attributes.get("MaximumMessageSize", DEFAULT_MAX_MESSAGE_BYTES))
            self.max_message_bytes = min(limit, MAX_BATCH_BYTES)
            self._client = client
        return self._client

    def _send(self, items: list[Outgoing]) -> list[Outgoing]:
        """Send one call's entries, retrying those SQS failed through no fault of ours; return those still failing."""
        pending: list[Outgoing] = items
        final: list[Outgoing] = []
        for attempt in range(RETRIES + 1):
            entries = [{"Id": str(i), **item.entry} for i, item in enumerate(pending)]
            try:
                response = self._client.send_message_batch(QueueUrl=self.destination_url, Entries=entries)
            except Exception as error:  # noqa: BLE001 - the whole call failed: its records are reported
                logger.error("replay send failed", extra={"error": str(error), "records": len(pending)})
                return final + pending
            sent = {str(s.get("Id")) for s in response.get("Successful", [])}
            failures = {str(f.get("Id")): f for f in response.get("Failed", [])}
            retry: list[Outgoing] = []
            for i, item in enumerate(pending):
                failure = failures.get(str(i))
                if str(i) in sent and failure is None:
                    continue
                extra = {
                    "messageId": item.message_id,
                    "code": (failure or {}).get("Code", "missing from the answer"),
                    "error": (failure or {}).get("Message"),
                    "senderFault": (failure or {}).get("SenderFault"),
                }
                if failure is not None and not failure.get("SenderFault"):
                    logger.warning("SQS failed a replay entry; retrying it", extra=extra)
                    retry.append(item)
                else:
                    logger.error("SQS did not take a replay entry; reported failed", extra=extra)
                    final.append(item)
            if not retry:
                return final
            pending = retry
            if attempt < RETRIES:
                self.sleep(0.1 * 2**attempt)
        return final + pending

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        records: list[dict[str, Any]] = event.get("Records", [])
        try:
            self._connect()
        except Exception as error:  # noqa: BLE001 - cannot reach the destination: every record retries
            logger.error("replay destination unavailable", extra={"error": str(error)})
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
        failed: set[str] = set()
        held: set[str] = set()
        pending: list[Outgoing] = []
        for record in records:
            try:
                pending.append(outgoing(record, self.fifo, self.max_message_bytes))
            except UnsendableError as reason:
                logger.error(
                    "replay record can never be sent to the destination; reported failed so the replay "
                    "queue's redrive policy moves it to its dead-letter queue",
                    extra={
                        "messageId": record["messageId"],
                        "reason": str(reason),
                        "bytes": reason.size,
                        "limit": self.max_message_bytes,
                    },
                )
                failed.add(record["messageId"])
        while pending:
            chunk, pending = next_chunk(pending)
            sendable: list[Outgoing] = []
            for item in chunk:
                if item.group is not None and item.group in held:
                    failed.add(item.message_id)
                else:
                    sendable.append(item)
            for item in self._send(sendable) if sendable else []:
                failed.add(item.message_id)
                if item.group is not None:
                    held.add(item.group)
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records if r["messageId"] in failed]}


def _client() -> Any:
    import boto3

    return boto3.client("sqs")


_replayer: Replayer | None = None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _replayer
    if _replayer is None:
        _replayer = Replayer(_client, os.environ.get("DESTINATION_QUEUE_URL", ""))
    return _replayer.handle(event)
