"""The buffer DLQ's messages as events: who dead-lettered each, why, and the event it still is.

A dead letter the buffer wrote carries ``reason``, ``eventId``, ``groupId``, ``occurredAt`` and the
producer's attributes (``producerAttributes``). One SQS itself dead-lettered (``maxReceiveCount``)
carries only what the producer sent: SQS replaced its deduplication id with its message id, so its event
id is known only from an ``eventId`` attribute the producer sent, and its time only from an ``occurredAt``.

Reading is read-only: messages are received with a visibility timeout and made visible again at once
when done. SQS FIFO returns nothing more of a group while one of its messages is in flight, so one
read sees at most the first receive's worth (up to 10) of each group; ``Reading.behind`` says how many
the queue holds beyond what was seen.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEDUP_PREFIX = "redrive-"
UNKNOWN_GROUP = "unknown-group"  # the group the buffer gives a record that had none
READ_VISIBILITY_SECONDS = 120


@dataclass
class DeadLetter:
    """One DLQ message, as an operator reasons about it."""

    message_id: str
    receipt_handle: str
    body: str
    group: str | None
    event_id: str | None  # None: SQS dead-lettered it and the producer sent no eventId attribute
    reason: str
    dead_lettered_by: str  # "buffer" or "sqs"
    occurred_at: float | None
    dead_lettered_at: float | None
    producer_attributes: dict[str, dict[str, str]] = field(default_factory=dict)  # SendMessage shape
    source_message_id: str | None = None  # the message id the event had in the buffer queue

    @property
    def identity_known(self) -> bool:
        return self.event_id is not None and self.group is not None

    def matches(self, ids: set[str]) -> bool:
        return self.message_id in ids or (self.event_id is not None and self.event_id in ids)

    def export(self) -> dict[str, Any]:
        """One JSON line of ``dlq export``: the payload as the producer sent it, byte for byte."""
        return {
            "eventId": self.event_id,
            "groupId": self.group,
            "occurredAt": self.occurred_at,
            "reason": self.reason,
            "deadLetteredBy": self.dead_lettered_by,
            "deadLetteredAt": self.dead_lettered_at,
            "messageId": self.message_id,
            "attributes": self.producer_attributes,
            "body": self.body,
        }

    def redrive_dedup_id(self) -> str:
        """The same for every run over this DLQ message: a repeat after an interruption is deduplicated."""
        import hashlib

        return DEDUP_PREFIX + hashlib.sha256(self.message_id.encode()).hexdigest()[:48]

    def redrive_attributes(self) -> dict[str, dict[str, str]]:
        """What the buffer reads the event's identity from, as it reads a dead letter put back by SQS."""
        out: dict[str, dict[str, str]] = {}
        if self.event_id is not None:
            out["eventId"] = {"DataType": "String", "StringValue": self.event_id}
        if self.group is not None:
            out["groupId"] = {"DataType": "String", "StringValue": self.group}
        if self.occurred_at is not None:
            out["occurredAt"] = {"DataType": "Number", "StringValue": repr(float(self.occurred_at))}
        if self.source_message_id:
            out["sourceMessageId"] = {"DataType": "String", "StringValue": self.source_message_id}
        if self.producer_attributes:
            text = json.dumps(self.producer_attributes, separators=(",", ":"), sort_keys=True)
            out["producerAttributes"] = {"DataType": "String", "StringValue": text}
        return out


def _string(attributes: dict[str, Any], name: str) -> str | None:
    value = attributes.get(name)
    return str(value["StringValue"]) if isinstance(value, dict) and value.get("StringValue") is not None else None


def _sqs_shape(attributes: dict[str, Any]) -> dict[str, dict[str, str]]:
    """ReceiveMessage's attributes (binary as bytes) in a JSON-safe SendMessage shape (binary as base64)."""
    out: dict[str, dict[str, str]] = {}
    for name, value in sorted(attributes.items()):
        if value.get("StringValue") is not None:
            out[name] = {"DataType": value["DataType"], "StringValue": str(value["StringValue"])}
        elif value.get("BinaryValue") is not None:
            raw = value["BinaryValue"]
            out[name] = {"DataType": value["DataType"], "BinaryValue": base64.b64encode(raw).decode()}
    return out


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def dead_letter_of(message: dict[str, Any]) -> DeadLetter:
    """A received DLQ message as a ``DeadLetter``."""
    attributes = message.get("MessageAttributes") or {}
    system = message.get("Attributes") or {}
    sent = _number(system.get("SentTimestamp"))
    group = _string(attributes, "groupId") or system.get("MessageGroupId")
    if group == UNKNOWN_GROUP and "groupId" not in attributes:
        group = None
    reason = _string(attributes, "reason")
    if reason is not None:  # written by the buffer
        kept = _string(attributes, "producerAttributes")
        try:
            producer = json.loads(kept) if kept else {}
        except ValueError:
            producer = {}
        return DeadLetter(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message["Body"],
            group=group,
            event_id=_string(attributes, "eventId"),
            reason=reason,
            dead_lettered_by="buffer",
            occurred_at=_number(_string(attributes, "occurredAt")),
            dead_lettered_at=sent / 1000.0 if sent is not None else None,
            producer_attributes=producer if isinstance(producer, dict) else {},
            source_message_id=_string(attributes, "sourceMessageId"),
        )
    body_time = None
    try:
        payload = json.loads(message["Body"])
        body_time = payload.get("occurredAt") if isinstance(payload, dict) else None
    except ValueError:
        pass
    return DeadLetter(
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        body=message["Body"],
        group=group,
        event_id=_string(attributes, "eventId"),
        reason=f"dead-lettered by SQS after {system.get('ApproximateReceiveCount', '?')} receives (maxReceiveCount)",
        dead_lettered_by="sqs",
        occurred_at=None if body_time is not None else _number(_string(attributes, "occurredAt")),
        dead_lettered_at=sent / 1000.0 if sent is not None else None,
        producer_attributes=_sqs_shape(attributes),
        source_message_id=system.get("MessageDeduplicationId"),  # SQS set it to the original message id
    )


def reason_kind(reason: str) -> str:
    """A reason without its particulars (ids, numbers, positions), so dead letters can be counted by kind."""
    kind = re.split(r": | \(", reason, maxsplit=1)[0]
    return re.sub(r"\d+(\.\d+)?", "N", kind).strip()


@dataclass
class Reading:
    """What one pass over the DLQ saw; the messages stay in flight until ``release``."""

    letters: list[DeadLetter]
    behind: int  # messages the queue holds that this pass did not see (behind their group's first ones)


def read(sqs: Any, dlq_url: str, limit: int, visibility: int = READ_VISIBILITY_SECONDS) -> Reading:
    """Receive up to ``limit`` messages, holding them in flight (visibility ``visibility`` seconds)."""
    letters: list[DeadLetter] = []
    seen: set[str] = set()
    while len(letters) < limit:
        response = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=min(10, limit - len(letters)),
            VisibilityTimeout=visibility,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        messages = [m for m in response.get("Messages", []) if m["MessageId"] not in seen]
        if not messages:
            break
        for message in messages:
            seen.add(message["MessageId"])
            letters.append(dead_letter_of(message))
    counts = sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    total = int(counts.get("ApproximateNumberOfMessages", 0)) + int(
        counts.get("ApproximateNumberOfMessagesNotVisible", 0)
    )
    return Reading(letters, max(0, total - len(letters)))


def release(sqs: Any, dlq_url: str, letters: list[DeadLetter], on_error: Callable[[str], None]) -> None:
    """Make messages visible again (the read changed nothing else)."""
    for start in range(0, len(letters), 10):
        chunk = letters[start : start + 10]
        entries = [
            {"Id": str(i), "ReceiptHandle": d.receipt_handle, "VisibilityTimeout": 0} for i, d in enumerate(chunk)
        ]
        response = sqs.change_message_visibility_batch(QueueUrl=dlq_url, Entries=entries)
        for failure in response.get("Failed", []):
            on_error(f"could not make {chunk[int(failure['Id'])].message_id} visible again: {failure.get('Code')}")
