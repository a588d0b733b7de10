"""Turn SQS FIFO records into buffer events, or into rejections with a reason.

What the buffer accepts is exactly what it can always deliver: a JSON object (RFC 8259: no NaN
or Infinity), an ``occurredAt`` that DynamoDB can store and that is plausible against the
buffer's clock (epoch seconds, not milliseconds, not far in the future), and a downstream
message that fits the topic's maximum size. Anything else is dead-lettered at once with a reason
that says what was expected, so it can never cycle or be suppressed silently.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from messages import (
    EVENT_ID_ATTRIBUTE,
    GROUP_ID_ATTRIBUTE,
    MAX_ATTRIBUTES,
    OCCURRED_AT_ATTRIBUTE,
    PRODUCER_ATTRIBUTES,
    TOPIC_MAX_MESSAGE_BYTES,
    attribute_value,
    decoded_attributes,
    fits_dynamodb_number,
    message_bytes,
    original_message_ids,
    producer_attributes_of,
)

# How far ahead of the buffer's clock a producer's occurredAt may be (clock skew), in seconds, by
# default (eventfork:buffer.maxFutureSkewSeconds). An event stamped ahead orders by its stamp: a later
# event of its group stamped earlier is suppressed as stale, so the allowance is kept small.
MAX_FUTURE_SKEW_SECONDS = 300.0
# A value this close to the clock once divided by 1000 is epoch milliseconds, not a far-future time.
MILLISECONDS_WINDOW_SECONDS = 10 * 365 * 86_400.0
# Deepest nesting of arrays and objects a body may have. Parsers recurse per level (Python's json
# raises RecursionError near 1,000 levels, so do the redaction transform and most consumers), so the
# buffer refuses deeper bodies with a reason instead of passing on an event nobody can read.
MAX_NESTING_DEPTH = 100


@dataclass(frozen=True)
class Event:
    """One producer event, as the buffer reasons about it. ``body`` is the producer's text, unchanged."""

    message_id: str
    receipt_handle: str
    group: str
    event_id: str
    occurred_at: float
    body: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    receive_count: int = 1
    sent_at: float | None = None  # when the producer sent it to the buffer queue (SentTimestamp)
    producer_attributes: str | None = None  # the producer's attributes as a dead letter keeps them (JSON)
    # SQS message ids this event had before it was dead-lettered and put back: a delivery recorded under
    # one of them (pending its publish) is this message's, so it is published again, not suppressed
    original_message_ids: tuple[str, ...] = ()

    @property
    def message_ids(self) -> tuple[str, ...]:
        """Every SQS message id this event was received under: this one first."""
        return (self.message_id, *self.original_message_ids)

    @property
    def payload(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded

    def envelope(self) -> str:
        """The downstream message: ids and time, then the producer's body byte for byte as ``payload``."""
        return (
            f'{{"eventId":{json.dumps(self.event_id)},"groupId":{json.dumps(self.group)},'
            f'"occurredAt":{json.dumps(self.occurred_at)},"payload":{self.body}}}'
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
    receive_count: int = 1
    occurred_at: float | None = None  # the time it would have been ordered by, when one could be read
    producer_attributes: str | None = None  # the producer's attributes as a dead letter keeps them (JSON)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _iso_seconds(value: str, where: str) -> float:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"occurredAt in {where} is not a number or an ISO-8601 time: {value[:64]!r}") from None
    if parsed.tzinfo is None:  # a time without offset is UTC, never the machine's zone
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def nesting_depth(text: str, limit: int) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings, scanned without recursion; stops past ``limit``."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_time(value: Any, where: str, now: float, max_future_skew: float = MAX_FUTURE_SKEW_SECONDS) -> float:
    """Epoch seconds from a number or an ISO-8601 string, checked for what DynamoDB and the clock allow."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        kind = "a boolean" if isinstance(value, bool) else type(value).__name__
        raise ValueError(f"occurredAt in {where} must be epoch seconds or an ISO-8601 string, got {kind}")
    seconds: float
    if isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            seconds = _iso_seconds(value, where)
    else:
        try:
            seconds = float(value)
        except OverflowError:
            seconds = math.inf if value > 0 else -math.inf
    if not math.isfinite(seconds) or not fits_dynamodb_number(seconds):
        raise ValueError(f"occurredAt in {where} is {value!r}, outside DynamoDB's number range; expected epoch seconds")
    if seconds > now + max_future_skew:
        if abs(seconds / 1000.0 - now) <= MILLISECONDS_WINDOW_SECONDS:
            raise ValueError(
                f"occurredAt in {where} is {value!r}, which looks like epoch milliseconds; expected epoch seconds"
            )
        raise ValueError(
            f"occurredAt in {where} is {value!r}, {seconds - now:.0f} s in the future of the buffer's clock "
            f"({now:.0f}); at most {max_future_skew:.0f} s ahead is accepted "
            "(eventfork:buffer.maxFutureSkewSeconds): fix the producer's clock"
        )
    return seconds


def _best_effort_time(
    message_attributes: dict[str, Any], attributes: dict[str, Any], now: float, max_future_skew: float
) -> float | None:
    """The time a rejected record would have been ordered by, if its attributes tell it (for its dead letter)."""
    if OCCURRED_AT_ATTRIBUTE in message_attributes:
        try:
            return parse_time(attribute_value(message_attributes[OCCURRED_AT_ATTRIBUTE]), "", now, max_future_skew)
        except (TypeError, ValueError):
            return None
    return _sent_at(attributes)


def parse_record(
    record: dict[str, Any],
    now: float,
    topic_max_bytes: int = TOPIC_MAX_MESSAGE_BYTES,
    max_future_skew: float = MAX_FUTURE_SKEW_SECONDS,
) -> Event | Rejection:
    """Validate one record: every problem of its content becomes a ``Rejection`` with a reason.

    An unexpected error (a defect, not the record's content) propagates; the processor counts it
    for the record's (group, event) and dead-letters the record after ``maxAttempts``."""
    attributes = record.get("attributes") or {}
    message_id = str(record.get("messageId", ""))
    receipt = str(record.get("receiptHandle", ""))
    group = attributes.get("MessageGroupId")
    raw_attributes = dict(record.get("messageAttributes") or {})
    # The event id: the producer's eventId attribute when it sent one (it survives SQS's dead-lettering,
    # which replaces the deduplication id), else the deduplication id.
    named = raw_attributes.get(EVENT_ID_ATTRIBUTE)
    event_id = (attribute_value(named) if isinstance(named, dict) else None) or attributes.get("MessageDeduplicationId")
    body = record.get("body")
    body_text = body if isinstance(body, str) else ""
    receive_count = int(attributes.get("ApproximateReceiveCount", "1") or 1)
    try:
        message_attributes, kept_attributes = producer_attributes_of(raw_attributes)
        producer_problem = None
    except ValueError as error:
        message_attributes, kept_attributes, producer_problem = raw_attributes, None, str(error)

    def reject(reason: str, with_time: bool = True) -> Rejection:
        when = _best_effort_time(raw_attributes, attributes, now, max_future_skew) if with_time else None
        return Rejection(message_id, receipt, group, event_id, body_text, reason, receive_count, when, kept_attributes)

    if producer_problem:
        return reject(producer_problem)

    if not group:
        return reject("record has no MessageGroupId (the buffer needs a FIFO queue and a group per user)")
    if not event_id:
        return reject("record has no MessageDeduplicationId (the event id)")
    if not isinstance(body, str):
        return reject("record has no body")
    depth = nesting_depth(body, MAX_NESTING_DEPTH)
    if depth > MAX_NESTING_DEPTH:
        return reject(f"body is nested deeper than {MAX_NESTING_DEPTH} levels of arrays and objects")
    try:
        payload = json.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        return reject(f"body is not valid JSON ({error.msg} at position {error.pos})")
    except ValueError as error:
        return reject(f"body is not valid JSON ({error})")
    if not isinstance(payload, dict):
        return reject(f"body is JSON {type(payload).__name__}, not an object")
    try:
        if "occurredAt" in payload:
            occurred_at = parse_time(payload["occurredAt"], "the body", now, max_future_skew)
        elif OCCURRED_AT_ATTRIBUTE in raw_attributes:  # a dead letter put back carries the time it was ordered by
            value = attribute_value(raw_attributes[OCCURRED_AT_ATTRIBUTE])
            occurred_at = parse_time(value, "a message attribute", now, max_future_skew)
        else:
            occurred_at = float(attributes.get("SentTimestamp", 0)) / 1000.0
    except ValueError as error:
        return reject(str(error), with_time=False)
    try:
        decoded = decoded_attributes(message_attributes)
    except ValueError as error:
        return reject(str(error))
    if len(decoded) > MAX_ATTRIBUTES:
        return reject(f"record has {len(decoded)} message attributes; at most {MAX_ATTRIBUTES} are delivered")
    event = Event(
        message_id=message_id,
        receipt_handle=receipt,
        group=str(group),
        event_id=str(event_id),
        occurred_at=occurred_at,
        body=body,
        attributes=decoded,
        receive_count=receive_count,
        sent_at=_sent_at(attributes),
        producer_attributes=kept_attributes,
        original_message_ids=original_message_ids(raw_attributes, attributes, str(event_id)),
    )
    size = message_bytes(event.envelope(), sns_attributes(event))
    if size > topic_max_bytes:
        return reject(
            f"the downstream message would be {size} bytes (body and attributes); the topic accepts at most "
            f"{topic_max_bytes} bytes"
        )
    return event


def _sent_at(attributes: dict[str, Any]) -> float | None:
    try:
        return float(attributes["SentTimestamp"]) / 1000.0
    except (KeyError, TypeError, ValueError):
        return None


def sns_attributes(event: Event) -> dict[str, dict[str, Any]]:
    """Producer message attributes in SNS shape (binary as bytes), plus the event id when there is room."""
    out = dict(event.attributes)
    if "eventId" not in out and len(out) < MAX_ATTRIBUTES:
        out["eventId"] = {"DataType": "String", "StringValue": event.event_id}
    return out


def prepare_delivery(event: Event, topic_fifo: bool) -> dict[str, Any]:
    """The event's ``PublishBatch`` entry: its envelope and attributes, with group and id on a FIFO topic."""
    entry: dict[str, Any] = {"Message": event.envelope(), "MessageAttributes": sns_attributes(event)}
    if topic_fifo:
        entry["MessageGroupId"] = event.group
        entry["MessageDeduplicationId"] = event.event_id
    return entry


def unparsed_record(record: dict[str, Any], reason: str) -> Rejection:
    """A record whose parsing raised, with what is known of it from SQS's own attributes."""
    raw_attributes = record.get("attributes")
    attributes: dict[str, Any] = raw_attributes if isinstance(raw_attributes, dict) else {}
    body = record.get("body")
    try:
        receive_count = int(attributes.get("ApproximateReceiveCount", "1") or 1)
    except (TypeError, ValueError):
        receive_count = 1
    try:
        raw = record.get("messageAttributes")
        kept = producer_attributes_of(raw if isinstance(raw, dict) else {})[1]
    except Exception:  # noqa: BLE001 - what cannot be read is not kept; the body always is
        kept = None
    return Rejection(
        str(record.get("messageId", "")),
        str(record.get("receiptHandle", "")),
        attributes.get("MessageGroupId"),
        attributes.get("MessageDeduplicationId"),
        body if isinstance(body, str) else "",
        reason,
        receive_count,
        producer_attributes=kept,
    )


def identity_attributes(item: Event | Rejection) -> dict[str, dict[str, str]]:
    """What a dead letter carries so the event is the same event when put back: id, group, time, attributes."""
    out: dict[str, dict[str, str]] = {}
    if item.event_id:
        out[EVENT_ID_ATTRIBUTE] = {"DataType": "String", "StringValue": item.event_id}
    if item.group:
        out[GROUP_ID_ATTRIBUTE] = {"DataType": "String", "StringValue": item.group}
    if item.occurred_at is not None:
        out[OCCURRED_AT_ATTRIBUTE] = {"DataType": "Number", "StringValue": repr(float(item.occurred_at))}
    if item.producer_attributes:
        out[PRODUCER_ATTRIBUTES] = {"DataType": "String", "StringValue": item.producer_attributes}
    return out


def dead_letter_entry(item: Event | Rejection, reason: str) -> dict[str, Any]:
    """The record's ``SendMessageBatch`` entry for the DLQ: its body, its identity and the reason."""
    attributes = {
        "reason": {"DataType": "String", "StringValue": reason[:1000]},
        "sourceMessageId": {"DataType": "String", "StringValue": item.message_id},
    }
    attributes.update(identity_attributes(item))
    return {
        "MessageBody": item.body or "(empty)",
        "MessageAttributes": attributes,
        "MessageGroupId": item.group or "unknown-group",
        "MessageDeduplicationId": item.message_id,
    }
