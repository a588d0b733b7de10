"""Turn SQS FIFO records into buffer events, or into rejections with a reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# SNS rejects messages over 256 KiB; the downstream envelope must fit.
MAX_MESSAGE_BYTES = 262_144
# SQS raw delivery carries at most 10 message attributes.
MAX_ATTRIBUTES = 10


@dataclass(frozen=True)
class Event:
    """One producer event, as the buffer reasons about it."""

    message_id: str
    receipt_handle: str
    group: str
    event_id: str
    occurred_at: float
    payload: dict[str, Any]
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    receive_count: int = 1

    def envelope(self) -> str:
        """The downstream message: ids and time travel with the producer's payload."""
        return json.dumps(
            {"eventId": self.event_id, "groupId": self.group, "occurredAt": self.occurred_at, "payload": self.payload},
            separators=(",", ":"),
            sort_keys=True,
        )


@dataclass(frozen=True)
class Rejection:
    """A record that can never be delivered: it goes to the DLQ with ``reason``."""

    message_id: str
    receipt_handle: str
    group: str | None
    event_id: str | None
    body: str
    reason: str


def _attribute_value(attr: dict[str, Any]) -> str | None:
    return attr.get("stringValue") if isinstance(attr, dict) else None


def _parse_time(value: Any, where: str) -> float:
    """Epoch seconds from a number or an ISO-8601 string; anything else is a producer error."""
    if isinstance(value, bool):
        raise ValueError(f"occurredAt in {where} must be epoch seconds or an ISO-8601 string, got a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise ValueError(f"occurredAt in {where} is not a number or an ISO-8601 time: {value[:64]!r}") from None
    raise ValueError(f"occurredAt in {where} must be epoch seconds or an ISO-8601 string, got {type(value).__name__}")


def parse_record(record: dict[str, Any]) -> Event | Rejection:
    """Validate one record. Never raises: every problem becomes a ``Rejection`` with a reason."""
    attributes = record.get("attributes") or {}
    message_id = str(record.get("messageId", ""))
    receipt = str(record.get("receiptHandle", ""))
    group = attributes.get("MessageGroupId")
    event_id = attributes.get("MessageDeduplicationId")
    body = record.get("body")
    body_text = body if isinstance(body, str) else ""

    def reject(reason: str) -> Rejection:
        return Rejection(message_id, receipt, group, event_id, body_text, reason)

    if not group:
        return reject("record has no MessageGroupId (the buffer needs a FIFO queue and a group per user)")
    if not event_id:
        return reject("record has no MessageDeduplicationId (the event id)")
    if not isinstance(body, str):
        return reject("record has no body")
    size = len(body.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES - 1024:
        return reject(f"body is {size} bytes; at most {MAX_MESSAGE_BYTES - 1024} fit in a downstream message")
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as error:
        return reject(f"body is not valid JSON ({error.msg} at position {error.pos})")
    if not isinstance(payload, dict):
        return reject(f"body is JSON {type(payload).__name__}, not an object")
    message_attributes = dict(record.get("messageAttributes") or {})
    try:
        if "occurredAt" in payload:
            occurred_at = _parse_time(payload["occurredAt"], "the body")
        elif "occurredAt" in message_attributes:
            occurred_at = _parse_time(_attribute_value(message_attributes["occurredAt"]), "a message attribute")
        else:
            occurred_at = float(attributes.get("SentTimestamp", 0)) / 1000.0
    except ValueError as error:
        return reject(str(error))
    if len(message_attributes) > MAX_ATTRIBUTES:
        return reject(
            f"record has {len(message_attributes)} message attributes; at most {MAX_ATTRIBUTES} are delivered"
        )
    return Event(
        message_id=message_id,
        receipt_handle=receipt,
        group=str(group),
        event_id=str(event_id),
        occurred_at=occurred_at,
        payload=payload,
        attributes=message_attributes,
        receive_count=int(attributes.get("ApproximateReceiveCount", "1") or 1),
    )


def sns_attributes(event: Event) -> dict[str, dict[str, str]]:
    """Producer message attributes in SNS shape, plus the event id when there is room."""
    out: dict[str, dict[str, str]] = {}
    for name, attr in event.attributes.items():
        data_type = attr.get("dataType", "String")
        if "stringValue" in attr and attr["stringValue"] is not None:
            out[name] = {"DataType": data_type, "StringValue": str(attr["stringValue"])}
        elif attr.get("binaryValue") is not None:
            out[name] = {"DataType": data_type, "BinaryValue": attr["binaryValue"]}
    if "eventId" not in out and len(out) < MAX_ATTRIBUTES:
        out["eventId"] = {"DataType": "String", "StringValue": event.event_id}
    return out
