"""SQS and SNS messages as AWS defines them: their attributes' shapes, their sizes, their batches.

Pure, no AWS calls. Lambda's SQS event carries attributes as ``stringValue``/``binaryValue`` (binary
in base64), ``SendMessage`` and ``PublishBatch`` take ``StringValue``/``BinaryValue``; a dead letter
keeps the producer's attributes as JSON in ``producerAttributes``. Sizes and limits are counted the
way AWS counts them:

- SNS Publish/PublishBatch (botocore ``sns`` model, PublishInput.Message and PublishBatch): a
  message may be at most the topic's ``MaximumMessageSize`` (default 262,144 bytes, at most
  1,048,576), "the combined size of the message body and message attributes"; the entries of one
  PublishBatch together may not exceed it either; at most 10 entries.
- SQS SendMessage/SendMessageBatch (botocore ``sqs`` model): each message at most the queue's
  ``MaximumMessageSize``; the batch's messages together at most 1,048,576 bytes; at most 10.
  A message's size is its body's UTF-8 bytes plus, per attribute, its name, data type and value
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html).
- DynamoDB numbers (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html):
  up to 38 significant digits, magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

TOPIC_MAX_MESSAGE_BYTES = 262_144
SQS_MAX_BATCH_BYTES = 1_048_576
MAX_BATCH_ENTRIES = 10
DYNAMODB_MAX_NUMBER = 9.9999999999999999999999999999999999999e125
DYNAMODB_MIN_MAGNITUDE = 1e-130

T = TypeVar("T")


def attribute_value_bytes(value: dict[str, Any]) -> int:
    """Bytes of one attribute's value: string UTF-8, or binary after base64 decoding."""
    if value.get("StringValue") is not None:
        return len(str(value["StringValue"]).encode("utf-8"))
    binary = value.get("BinaryValue")
    if isinstance(binary, (bytes, bytearray)):
        return len(binary)
    if isinstance(binary, str):
        return len(base64.b64decode(binary))
    return 0


def message_bytes(body: str, attributes: dict[str, dict[str, Any]]) -> int:
    """A message's size as SNS and SQS count it: body plus every attribute's name, type and value."""
    size = len(body.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode("utf-8")) + len(str(value.get("DataType", "")).encode("utf-8"))
        size += attribute_value_bytes(value)
    return size


def batches(items: list[T], size_of: Callable[[T], int], max_bytes: int) -> Iterator[list[T]]:
    """Consecutive chunks of at most 10 items whose sizes together stay within ``max_bytes``.

    Order is kept; an item larger than ``max_bytes`` on its own travels alone (the call will
    report it failed, which callers must have ruled out at validation).
    """
    chunk: list[T] = []
    total = 0
    for item in items:
        size = size_of(item)
        if chunk and (len(chunk) == MAX_BATCH_ENTRIES or total + size > max_bytes):
            yield chunk
            chunk, total = [], 0
        chunk.append(item)
        total += size
    if chunk:
        yield chunk


def fits_dynamodb_number(value: float) -> bool:
    """Whether DynamoDB can store ``value`` as a number (finite, within its magnitude range)."""
    magnitude = abs(value)
    return magnitude == 0 or DYNAMODB_MIN_MAGNITUDE <= magnitude <= DYNAMODB_MAX_NUMBER


# ------------------------------------------------------------------ attributes
# SQS raw delivery carries at most 10 message attributes.
MAX_ATTRIBUTES = 10
# Message attributes the buffer writes on each dead letter, so the event keeps its identity through the
# DLQ and any redrive (SQS's own moves replace the deduplication id and the message id): ``eventId``,
# ``groupId``, ``occurredAt`` (the time the buffer ordered it by), ``producerAttributes`` (the producer's
# message attributes as JSON, binary values in base64), with ``reason`` and ``sourceMessageId``.
EVENT_ID_ATTRIBUTE = "eventId"
SOURCE_MESSAGE_ATTRIBUTE = "sourceMessageId"
GROUP_ID_ATTRIBUTE = "groupId"
OCCURRED_AT_ATTRIBUTE = "occurredAt"
PRODUCER_ATTRIBUTES = "producerAttributes"


def attribute_value(attr: Any) -> str | None:
    """The string value of one attribute in Lambda's shape (None: not a string attribute)."""
    return attr.get("stringValue") if isinstance(attr, dict) else None


def _sqs_shape(message_attributes: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Lambda's attribute shape (``stringValue``/``binaryValue`` as base64) in SendMessage's shape."""
    out: dict[str, dict[str, str]] = {}
    for name, attr in sorted(message_attributes.items()):
        if not isinstance(attr, dict):
            continue
        data_type = str(attr.get("dataType", "String"))
        if attr.get("stringValue") is not None:
            out[name] = {"DataType": data_type, "StringValue": str(attr["stringValue"])}
        elif attr.get("binaryValue") is not None:
            out[name] = {"DataType": data_type, "BinaryValue": str(attr["binaryValue"])}
    return out


def producer_attributes_of(message_attributes: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The producer's attributes (Lambda's shape) and their JSON as a dead letter keeps them.

    A record carrying ``producerAttributes`` is a dead letter put back in the buffer queue (by SQS's
    redrive or ``python -m eventfork ops``): its producer's attributes are those, not the dead letter's
    bookkeeping attributes."""
    kept = message_attributes.get(PRODUCER_ATTRIBUTES)
    text = attribute_value(kept) if isinstance(kept, dict) else None
    if text is not None:
        try:
            decoded = json.loads(text)
        except ValueError:
            raise ValueError(f"message attribute {PRODUCER_ATTRIBUTES} is not JSON") from None
        if not isinstance(decoded, dict) or not all(isinstance(v, dict) for v in decoded.values()):
            raise ValueError(f"message attribute {PRODUCER_ATTRIBUTES} is not a JSON object of attributes")
        lambda_shape = {
            name: {
                "dataType": value.get("DataType", "String"),
                **({"stringValue": value["StringValue"]} if "StringValue" in value else {}),
                **({"binaryValue": value["BinaryValue"]} if "BinaryValue" in value else {}),
            }
            for name, value in decoded.items()
        }
        return lambda_shape, text
    shaped = _sqs_shape(message_attributes)
    return message_attributes, (json.dumps(shaped, separators=(",", ":")) if shaped else None)


def decoded_attributes(message_attributes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Lambda's SQS event carries binary values as base64 text: decode them to the bytes they were."""
    out: dict[str, dict[str, Any]] = {}
    for name, attr in message_attributes.items():
        if not isinstance(attr, dict):
            continue
        data_type = str(attr.get("dataType", "String"))
        if attr.get("stringValue") is not None:
            out[name] = {"DataType": data_type, "StringValue": str(attr["stringValue"])}
        elif attr.get("binaryValue") is not None:
            try:
                raw = base64.b64decode(str(attr["binaryValue"]), validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(f"message attribute {name} has a binaryValue that is not base64") from None
            out[name] = {"DataType": data_type, "BinaryValue": raw}
    return out


def original_message_ids(
    message_attributes: dict[str, Any], attributes: dict[str, Any], event_id: str
) -> tuple[str, ...]:
    """Where a put-back dead letter came from: the buffer's ``sourceMessageId``, or the deduplication id
    SQS's own dead-lettering set to the original message id (when it is not the event id)."""
    found: list[str] = []
    named = message_attributes.get(SOURCE_MESSAGE_ATTRIBUTE)
    source = attribute_value(named) if isinstance(named, dict) else None
    if source:
        found.append(str(source))
    dedup = attributes.get("MessageDeduplicationId")
    if dedup and dedup != event_id and dedup not in found:
        found.append(str(dedup))
    return tuple(found)
