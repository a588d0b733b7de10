"""What SQS accepts in a message and in a batch of messages, as AWS documents it.

Sources: the botocore model ``botocore/data/sqs/2012-11-05/service-2.json`` (SendMessage,
SendMessageBatch, MessageAttributeValue, CreateQueue documentation strings and error shapes) and
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
(message attributes), .../quotas-messages.html (message quotas).

Rules (moto is laxer on each point):
- a message's size is its body in UTF-8 bytes plus, per message attribute, the bytes of its name,
  data type and value; it must not exceed the queue's ``MaximumMessageSize`` (AWS's default and
  maximum: 1 MiB = 1,048,576 bytes; pulumi-aws sends 262,144 when a program sets none);
- the body is not empty and holds only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
  #x10000-#x10FFFF, else ``InvalidMessageContents``;
- at most 10 message attributes; names of A-Z a-z 0-9 _ - . (at most 256, no leading, trailing or
  double period, not starting with ``AWS.``/``Amazon.``); data type ``String``, ``Number`` or
  ``Binary``, optionally with a custom label (``Number.float``), at most 256 characters; a
  non-empty value in the field the type needs; a ``Number`` of at most 38 significant digits
  between 10^-128 and 10^+126;
- FIFO: ``MessageGroupId`` required, a deduplication id unless content-based deduplication is on,
  both 1-128 characters of alphanumerics and punctuation, no per-message ``DelaySeconds``;
- batch actions: 1-10 entries with distinct ids of at most 80 of A-Z a-z 0-9 _ -, and for
  ``SendMessageBatch`` all messages together at most 1 MiB (``BatchRequestTooLong``): these fail the
  whole call; a message over the queue's maximum, bad characters or bad attributes fail only their
  entry, as SQS reports them individually.
Each rule is a pure function returning the error SQS would return (None: accepted); ``sqs.py``
raises them from moto's sends.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from local.emulator.errors import AwsError

MAX_MESSAGE_BYTES = 1_048_576
MAX_BATCH_BYTES = 1_048_576
MAX_BATCH_ENTRIES = 10
MAX_ATTRIBUTES = 10
MAX_ATTRIBUTE_NAME = 256
MAX_DELAY_SECONDS = 900

_INVALID_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_DATA_TYPE = re.compile(r"^(String|Number|Binary)(\..+)?$", re.DOTALL)
_FIFO_ID = re.compile(r"^[!-~]{1,128}$")  # alphanumerics and punctuation
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_NUMBER_MAX = Decimal("1e126")
_NUMBER_MIN = Decimal("1e-128")
INVALID_CHARACTERS = (
    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
    "#xE000 to #xFFFD | #x10000 to #x10FFFF"
)


def _error(code: str, message: str) -> AwsError:
    return AwsError("sqs", code, message)


def value_bytes(value: Any) -> int:
    """Bytes SQS counts for one value: raw bytes as they are, text in UTF-8."""
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(str(value).encode("utf-8", "surrogatepass"))


def message_size(body: str, attributes: dict[str, Any] | None) -> int:
    """Bytes SQS counts against the size limit: body plus each attribute's name, type and value."""
    size = value_bytes(body)
    for name, attribute in (attributes or {}).items():
        size += value_bytes(name) + value_bytes(attribute.get("DataType", ""))
        for field in ("StringValue", "BinaryValue"):
            if attribute.get(field) is not None:
                size += value_bytes(attribute[field])
    return size


def has_invalid_characters(text: str) -> bool:
    """Whether the text holds a character outside the set SQS accepts in a body or attribute."""
    return _INVALID_CHARS.search(text) is not None


def significant_digits(number: Decimal) -> int:
    """Digits between the first and last non-zero one (exact: no context rounding)."""
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")
    return len(digits)


def _number_problem(text: str) -> str | None:
    """Why SQS refuses this ``Number`` attribute value (None: it takes it)."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return "cannot be cast to a number"
    if not number.is_finite():
        return "cannot be cast to a number"
    if significant_digits(number) > 38:
        return "has more than 38 digits of precision"
    if number != 0 and not _NUMBER_MIN <= number.copy_abs() <= _NUMBER_MAX:
        return "is outside the range 10^-128 to 10^+126"
    return None


def attributes_problem(attributes: dict[str, Any] | None) -> AwsError | None:
    """The InvalidParameterValue SQS returns for these message attributes, if any."""
    if not attributes:
        return None
    if len(attributes) > MAX_ATTRIBUTES:
        return _error(
            "InvalidParameterValue",
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [{MAX_ATTRIBUTES}].",
        )
    for name, attribute in attributes.items():
        lowered = name.lower()
        if (
            not _ATTRIBUTE_NAME.match(name)
            or len(name) > MAX_ATTRIBUTE_NAME
            or name.startswith(".")
            or name.endswith(".")
            or ".." in name
            or lowered.startswith(("aws.", "amazon."))
        ):
            return _error("InvalidParameterValue", f"Message (user) attribute name '{name}' is invalid.")
        data_type = str(attribute.get("DataType") or "")
        if not _DATA_TYPE.match(data_type) or len(data_type) > MAX_ATTRIBUTE_NAME or has_invalid_characters(data_type):
            return _error(
                "InvalidParameterValue",
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported "
                "type prefixes is Binary, Number, and String.",
            )
        kind = data_type.split(".", 1)[0]
        field = "BinaryValue" if kind == "Binary" else "StringValue"
        value = attribute.get(field)
        if value is None or value_bytes(value) == 0:
            return _error(
                "InvalidParameterValue",
                f"Message (user) attribute '{name}' must contain a non-empty value of type '{kind}'.",
            )
        if kind != "Binary" and has_invalid_characters(str(value)):
            return _error("InvalidParameterValue", f"Message (user) attribute '{name}': {INVALID_CHARACTERS}")
        if kind == "Number" and (problem := _number_problem(str(value))):
            return _error("InvalidParameterValue", f"Value of message (user) attribute '{name}' {problem}.")
    return None


def fifo_id_problem(value: str | None, parameter: str) -> AwsError | None:
    """The InvalidParameterValue for a malformed ``MessageGroupId`` or ``MessageDeduplicationId``, if any."""
    if value is None or _FIFO_ID.match(value):
        return None
    return _error(
        "InvalidParameterValue",
        f"Value {value} for parameter {parameter} is invalid. Reason: {parameter} can only include alphanumeric "
        "and punctuation characters. 1 to 128 in length.",
    )


def message_problem(
    queue: Any,
    body: str,
    attributes: dict[str, Any] | None,
    delay_seconds: Any,
    deduplication_id: str | None,
    group_id: str | None,
    *,
    in_batch: bool = False,
) -> AwsError | None:
    """What SQS rejects in one message (for a batch: the failure of its entry)."""
    if body is None or body == "":
        return _error("MissingParameter", "The request must contain the parameter MessageBody.")
    limit = int(getattr(queue, "maximum_message_size", None) or MAX_MESSAGE_BYTES)
    if message_size(body, attributes) > limit:
        verb = "cannot be validated" if in_batch else "are invalid"
        return _error(
            "InvalidParameterValue",
            f"One or more parameters {verb}. Reason: Message must be shorter than {limit} bytes.",
        )
    if has_invalid_characters(body):
        return _error("InvalidMessageContents", INVALID_CHARACTERS)
    if problem := attributes_problem(attributes):
        return problem
    if problem := fifo_id_problem(group_id, "MessageGroupId"):
        return problem
    if problem := fifo_id_problem(deduplication_id, "MessageDeduplicationId"):
        return problem
    delay = int(delay_seconds) if delay_seconds not in (None, "") else None
    if queue.fifo_queue:
        if delay:
            return _error(
                "InvalidParameterValue",
                f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request include parameter that "
                "is not valid for this queue type.",
            )
    elif deduplication_id is not None:
        return _error(
            "InvalidParameterValue",
            "The request include parameter MessageDeduplicationId that is not valid for this queue type",
        )
    if delay is not None and not 0 <= delay <= MAX_DELAY_SECONDS:
        return _error(
            "InvalidParameterValue",
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.",
        )
    return None


def fifo_requirements_problem(
    queue: Any, group_id: str | None, deduplication_id: str | None, *, in_batch: bool
) -> AwsError | None:
    """What a FIFO queue requires of every send: a group id, and a deduplication id unless content-based."""
    if not queue.fifo_queue:
        return None
    if group_id is None:
        return _error(
            "InvalidParameterValue" if in_batch else "MissingParameter",
            "The request must contain the parameter MessageGroupId.",
        )
    if deduplication_id is None and str(queue.attributes.get("ContentBasedDeduplication")) != "true":
        return _error(
            "InvalidParameterValue",
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
            "explicitly",
        )
    return None


def batch_problem(entries: list[dict[str, Any]], action: str) -> AwsError | None:
    """Whole-call failures shared by SQS batch actions (count, entry ids)."""
    if not entries:
        return _error("EmptyBatchRequest", f"There should be at least one {action}BatchRequestEntry in the request.")
    if len(entries) > MAX_BATCH_ENTRIES:
        return _error(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. You have sent {len(entries)}.",
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = str(entry.get("Id", ""))
        if not _BATCH_ID.match(entry_id):
            return _error(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long.",
            )
        if entry_id in seen:
            return _error("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)
    return None


def batch_size_problem(entries: list[dict[str, Any]]) -> AwsError | None:
    """``BatchRequestTooLong`` when a SendMessageBatch's messages together exceed 1 MiB."""
    total = sum(message_size(e.get("MessageBody") or "", e.get("MessageAttributes")) for e in entries)
    if total <= MAX_BATCH_BYTES:
        return None
    return _error(
        "BatchRequestTooLong",
        f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. You have sent {total} bytes.",
    )
