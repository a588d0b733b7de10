"""Amazon SNS publishing and delivery to SQS, as AWS documents them, on top of moto's topics.

Sources: the botocore model ``botocore/data/sns/2010-03-31/service-2.json`` (Publish, PublishBatch,
PublishBatchRequestEntry, MessageAttributeValue, CreateTopic/SetTopicAttributes documentation and
error shapes); https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html;
https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html;
https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html.

Contract enforced (moto is laxer on each point):
- a message's size is its body in UTF-8 bytes plus every attribute's name, type and value bytes
  (a ``Binary`` value counts its bytes, not their base64 text); it must not exceed the topic's
  ``MaximumMessageSize`` (default 262,144 bytes, settable 1,024 to 1,048,576):
  ``InvalidParameter`` "Message too long";
- ``PublishBatch``: 1-10 entries with distinct ids of at most 80 of A-Z a-z 0-9 _ -, and all
  entries together (bodies and attributes) at most the topic's ``MaximumMessageSize``
  (``BatchRequestTooLong``); a FIFO topic needs ``MessageGroupId`` on every entry and a
  deduplication id unless content-based deduplication is on; these fail the whole call;
- FIFO topics drop a repeat of a deduplication id within 5 minutes (per topic, or per group with
  ``FifoThroughputScope=MessageGroup``) and report it published;
- raw delivery to SQS keeps the attributes, a ``Binary`` one as its bytes; a message with more than
  10 attributes to a raw-delivery SQS subscription is discarded as a client-side error; a delivery
  the queue rejects (its size limit, its KMS key) is a failed delivery, not a failed publish;
  both are recorded in ``state.sns_delivery_failures``;
- a topic encrypted with a KMS key fails publishes with the key's error (``kms.py``);
- FIFO topic archives and subscription replay policies: ``sns_archive.py``.
Not enforced: SNS describes ``Number`` attributes as -10^9 to 10^9 with 5 decimals of accuracy
(the range filter policies compare), but documents no publish error for other values.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from unittest import mock

from local.emulator import kms, sns_archive
from local.emulator.errors import AwsError

DEFAULT_MAX_MESSAGE_BYTES = 262_144
MAX_BATCH_ENTRIES = 10
MAX_RAW_SQS_ATTRIBUTES = 10
DEDUP_WINDOW_SECONDS = 300.0
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_ID = re.compile(r"^[!-~]{1,128}$")


def _error(code: str, message: str) -> AwsError:
    return AwsError("sns", code, message)


def attribute_value_bytes(attribute: dict[str, Any]) -> int:
    """Bytes of one attribute's value as SNS counts it (moto keeps a Binary value as base64 text)."""
    value = attribute.get("Value", "")
    if str(attribute.get("Type", "")).startswith("Binary"):
        return len(base64.b64decode(value)) if isinstance(value, str) else len(value)
    return len(str(value).encode("utf-8", "surrogatepass"))


def message_size(message: str, attributes: dict[str, Any] | None) -> int:
    size = len((message or "").encode("utf-8", "surrogatepass"))
    for name, attribute in (attributes or {}).items():
        size += len(name.encode()) + len(str(attribute.get("Type", "")).encode()) + attribute_value_bytes(attribute)
    return size


def max_message_size(topic: Any) -> int:
    return int(getattr(topic, "maximum_message_size", None) or DEFAULT_MAX_MESSAGE_BYTES)


def _fifo_problem(topic: Any, group_id: str | None, deduplication_id: str | None) -> AwsError | None:
    if not topic.fifo_topic:
        return None
    if not group_id:
        return _error(
            "InvalidParameterException", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
        )
    if not deduplication_id and not topic.content_based_deduplication:
        return _error(
            "InvalidParameterException",
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly",
        )
    for name, value in (("MessageGroupId", group_id), ("MessageDeduplicationId", deduplication_id)):
        if value is not None and not _FIFO_ID.match(value):
            return _error(
                "InvalidParameterException",
                f"Invalid parameter: {name} Reason: {name} can only include alphanumeric and punctuation characters. "
                "1 to 128 in length.",
            )
    return None


def install(stack: ExitStack, state: Any) -> None:
    """Wrap moto's SNS publishing and SQS delivery with the contract above."""
    import moto.sns.models as sns_models

    backend_class = sns_models.SNSBackend
    original_publish: Callable[..., Any] = backend_class.publish
    original_topic_publish: Callable[..., Any] = sns_models.Topic.publish
    original_deliver: Callable[..., Any] = sns_models.Subscription.publish
    seen: dict[tuple[str, str, str], float] = {}

    def topic_of(backend: Any, arn: str | None) -> Any:
        return backend.topics.get(arn) if arn else None

    def publish(
        backend: Any,
        message: str,
        arn: str | None,
        phone_number: str | None = None,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> str:
        topic = topic_of(backend, arn)
        if topic is not None:
            kms.check_topic(state, topic, "Publish")
            if problem := _fifo_problem(topic, group_id, deduplication_id):
                raise problem
            if message_size(message, message_attributes) > max_message_size(topic):
                raise _error("InvalidParameterException", "Invalid parameter: Message too long")
        return original_publish(  # type: ignore[no-any-return]
            backend,
            message,
            arn,
            phone_number=phone_number,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )

    def publish_batch(backend: Any, topic_arn: str, publish_batch_request_entries: list[dict[str, Any]]) -> Any:
        topic = backend.get_topic(topic_arn)
        entries = publish_batch_request_entries
        if not entries:
            raise _error("EmptyBatchRequestException", "The batch request doesn't contain any entries.")
        if len(entries) > MAX_BATCH_ENTRIES:
            raise _error(
                "TooManyEntriesInBatchRequestException", "The batch request contains more entries than permissible."
            )
        ids = [str(e.get("Id", "")) for e in entries]
        if len(set(ids)) != len(ids):
            raise _error(
                "BatchEntryIdsNotDistinctException", "Two or more batch entries in the request have the same Id."
            )
        for entry_id in ids:
            if not _BATCH_ID.match(entry_id):
                raise _error(
                    "InvalidBatchEntryIdException",
                    f"The Id of a batch entry in the batch request is invalid: {entry_id}",
                )
        for entry in entries:
            if problem := _fifo_problem(topic, entry.get("MessageGroupId"), entry.get("MessageDeduplicationId")):
                raise problem
        total = sum(message_size(e.get("Message", ""), e.get("MessageAttributes")) for e in entries)
        if total > max_message_size(topic):
            raise _error(
                "BatchRequestTooLongException", "The length of all the messages put together is more than the limit."
            )
        kms.check_topic(state, topic, "PublishBatch")
        successful, failed = [], []
        for entry in entries:
            try:
                message_id = publish(
                    backend,
                    entry["Message"],
                    topic_arn,
                    subject=entry.get("Subject"),
                    message_attributes=entry.get("MessageAttributes", {}),
                    group_id=entry.get("MessageGroupId"),
                    deduplication_id=entry.get("MessageDeduplicationId"),
                    message_structure=entry.get("MessageStructure"),
                )
            except AwsError as error:
                failed.append(error.batch_entry(entry["Id"]))
                continue
            successful.append({"Id": entry["Id"], "MessageId": message_id})
        return successful, failed

    def topic_publish(
        topic: Any,
        message: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> str:
        if topic.fifo_topic:
            dedup = deduplication_id or hashlib.sha256(message.encode()).hexdigest()
            per_group = topic.arn in state.per_group_topics or (
                getattr(topic, "fifo_throughput_scope", None) == "MessageGroup"
            )
            key = (topic.arn, (group_id or "") if per_group else "", dedup)
            first = seen.get(key)
            if first is not None and state.clock.now() - first < DEDUP_WINDOW_SECONDS:
                state.topic_dedup_drops.append((topic.arn, dedup))
                return hashlib.sha256(f"{topic.arn}{dedup}".encode()).hexdigest()[:36]
            seen[key] = state.clock.now()
        message_id: str = original_topic_publish(
            topic,
            message,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )
        sns_archive.record(
            state,
            topic,
            message_id,
            message,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
        )
        return message_id

    def deliver(subscription: Any, message: str, message_id: str, **kwargs: Any) -> None:
        raw = str(subscription.attributes.get("RawMessageDelivery", "")).lower() == "true"
        attributes = kwargs.get("message_attributes") or {}
        if subscription.protocol == "sqs" and raw:
            if len(attributes) > MAX_RAW_SQS_ATTRIBUTES:
                state.sns_delivery_failures.append(
                    (subscription.arn, message_id, f"{len(attributes)} message attributes exceed raw delivery's 10")
                )
                return
            kwargs["message_attributes"] = {name: _as_bytes(value) for name, value in attributes.items()}
        if subscription.protocol == "sqs" and not str(subscription.endpoint).endswith(".fifo"):
            kwargs["deduplication_id"] = None  # a standard queue takes no deduplication id
        try:
            original_deliver(subscription, message, message_id, **kwargs)
        except AwsError as error:
            state.sns_delivery_failures.append((subscription.arn, message_id, str(error)))

    # moto's own check is a fixed 256 KiB of characters; the topic's limit in bytes is enforced above.
    stack.enter_context(mock.patch.object(sns_models, "MAXIMUM_MESSAGE_LENGTH", 1_048_576))
    stack.enter_context(mock.patch.object(backend_class, "publish", publish))
    stack.enter_context(mock.patch.object(backend_class, "publish_batch", publish_batch))
    stack.enter_context(mock.patch.object(sns_models.Topic, "publish", topic_publish))
    stack.enter_context(mock.patch.object(sns_models.Subscription, "publish", deliver))
    for name in ("unix_time", "unix_time_millis"):
        if hasattr(sns_models, name):
            stack.enter_context(mock.patch.object(sns_models, name, getattr(state.clock, name)))


def _as_bytes(attribute: dict[str, Any]) -> dict[str, Any]:
    """moto keeps a Binary attribute as base64 text; SQS must receive the bytes themselves."""
    if str(attribute.get("Type", "")).startswith("Binary") and isinstance(attribute.get("Value"), str):
        return {**attribute, "Value": base64.b64decode(attribute["Value"])}
    return attribute
