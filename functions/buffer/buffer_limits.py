"""AWS's message size and number limits, counted the way AWS counts them.

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
