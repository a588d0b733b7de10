"""Amazon SNS message archiving and replay for FIFO topics, as AWS documents them.

Sources: https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-topic-owner.html,
https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-subscriber.html, and the
botocore model ``botocore/data/sns/2010-03-31/service-2.json`` (``ArchivePolicy`` on CreateTopic and
SetTopicAttributes, ``ReplayPolicy`` on Subscribe and SetSubscriptionAttributes: FIFO topics only).

Contract enforced (moto has no archive at all):
- ``ArchivePolicy`` is ``{"MessageRetentionPeriod": N}``, N whole days from 1 to 365, on a FIFO
  topic only (``InvalidParameter`` otherwise); the topic keeps every message it accepts (not one its
  deduplication dropped) for N days;
- ``ReplayPolicy`` is ``{"PointType": "Timestamp", "StartingPoint": <ISO-8601>, "EndingPoint":
  <ISO-8601, optional>}``, on a subscription of a FIFO topic with an archive (``InvalidParameter``
  otherwise); setting it redelivers, in publish order, the archived messages published from the
  starting point up to the ending point (or now) that the subscription's filter policy matches,
  with their original content and message group; a replayed message is delivered again on purpose;
- with an ``EndingPoint`` the subscription is paused once the replay is done: messages published
  later are not delivered to it until a replay policy without ``EndingPoint`` is set ("Understanding
  the EndingPoint"); without one, the subscription catches up and then receives new messages.
Assumed where AWS does not say: a replayed message keeps its deduplication id too, so a FIFO queue
still inside its 5-minute deduplication window for that id drops it (the stricter reading).
Not modelled: the replay's asynchrony (it completes at once, ``ReplayStatus`` is not kept), archive
storage and retrieval charges, and replay to subscriptions created before the archive policy was
set beyond what the archive holds.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from unittest import mock

from local.emulator.errors import AwsError

MAX_RETENTION_DAYS = 365
DAY_SECONDS = 86_400


@dataclass
class ArchivedMessage:
    """What the topic archive keeps of one accepted publish."""

    published_at: float  # epoch seconds
    message_id: str
    message: str
    subject: str | None
    attributes: dict[str, Any] | None
    group_id: str | None
    deduplication_id: str | None


def _invalid(message: str) -> AwsError:
    return AwsError("sns", "InvalidParameterException", f"Invalid parameter: {message}")


def retention_days(policy: str, fifo: bool) -> int | None:
    """Days an ``ArchivePolicy`` keeps messages (None: empty policy, no archive) or the SNS error."""
    if policy in ("", "{}"):
        return None
    if not fifo:
        raise _invalid("ArchivePolicy: archiving is available for FIFO topics only")
    try:
        doc = json.loads(policy)
    except ValueError:
        raise _invalid("ArchivePolicy: not valid JSON") from None
    days = doc.get("MessageRetentionPeriod") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or set(doc) != {"MessageRetentionPeriod"}:
        raise _invalid('ArchivePolicy: allowed: {"MessageRetentionPeriod": <days>}')
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_RETENTION_DAYS:
        raise _invalid(
            f"ArchivePolicy: MessageRetentionPeriod must be a whole number of days from 1 to {MAX_RETENTION_DAYS}"
        )
    return days


def _instant(value: Any, name: str) -> float:
    if not isinstance(value, str):
        raise _invalid(f"ReplayPolicy: {name} must be an ISO-8601 timestamp")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _invalid(f"ReplayPolicy: {name} must be an ISO-8601 timestamp") from None


def replay_window(policy: str) -> tuple[float, float | None]:
    """(start, end or None) epoch seconds of a ``ReplayPolicy`` document, or the SNS error."""
    try:
        doc = json.loads(policy)
    except ValueError:
        raise _invalid("ReplayPolicy: not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("PointType") != "Timestamp":
        raise _invalid('ReplayPolicy: PointType is required and must be "Timestamp"')
    if not set(doc) <= {"PointType", "StartingPoint", "EndingPoint"} or "StartingPoint" not in doc:
        raise _invalid("ReplayPolicy: allowed keys PointType, StartingPoint (required), EndingPoint")
    start = _instant(doc["StartingPoint"], "StartingPoint")
    end = _instant(doc["EndingPoint"], "EndingPoint") if "EndingPoint" in doc else None
    if end is not None and end < start:
        raise _invalid("ReplayPolicy: EndingPoint must not be before StartingPoint")
    return start, end


def install(stack: ExitStack, state: Any) -> None:
    """Keep FIFO topics' archives and play subscription replay policies."""
    import moto.sns.models as sns_models

    backend_class = sns_models.SNSBackend
    original_create: Any = backend_class.create_topic
    original_set_sub: Any = backend_class.set_subscription_attributes
    original_deliver: Any = sns_models.Subscription.publish
    archives: dict[str, list[ArchivedMessage]] = state.sns_archives
    paused: set[str] = state.sns_paused_subscriptions

    def create_topic(backend: Any, name: str, attributes: dict[str, str] | None = None, tags: Any = None) -> Any:
        attributes = dict(attributes or {})
        policy = attributes.pop("ArchivePolicy", "")
        days = retention_days(policy, str(attributes.get("FifoTopic", "")).lower() == "true")
        topic = original_create(backend, name, attributes, tags)
        topic.archive_retention_days = days
        if days is not None:
            archives.setdefault(topic.arn, [])
        return topic

    def set_subscription_attributes(backend: Any, arn: str, name: str, value: Any) -> None:
        if name != "ReplayPolicy":
            original_set_sub(backend, arn, name, value)
            return
        found = [s for s in backend.subscriptions.values() if s.arn == arn]
        if not found:
            original_set_sub(backend, arn, "RawMessageDelivery", None)  # moto's own NotFound
        subscription = found[0]
        topic = subscription.topic
        if not topic.fifo_topic or getattr(topic, "archive_retention_days", None) is None:
            raise _invalid("ReplayPolicy: replay needs a FIFO topic with an ArchivePolicy")
        start, end = replay_window(str(value))
        subscription.attributes["ReplayPolicy"] = value
        now = state.clock.now()
        oldest = now - topic.archive_retention_days * DAY_SECONDS
        paused.discard(arn)
        state.archive_replaying = True
        try:
            for kept in archives.get(topic.arn, []):
                t = kept.published_at
                if t < oldest or t < start or (end is not None and t > end):
                    continue
                state.sns_replays.append((arn, kept.message_id, now))
                subscription.publish(
                    kept.message,
                    kept.message_id,
                    subject=kept.subject,
                    message_attributes=kept.attributes,
                    group_id=kept.group_id,
                    deduplication_id=kept.deduplication_id,
                )
        finally:
            state.archive_replaying = False
        if end is not None:
            paused.add(arn)

    def deliver(subscription: Any, message: str, message_id: str, **kwargs: Any) -> None:
        if subscription.arn in paused and not state.archive_replaying:
            state.sns_delivery_failures.append((subscription.arn, message_id, "subscription paused after a replay"))
            return
        original_deliver(subscription, message, message_id, **kwargs)

    stack.enter_context(mock.patch.object(backend_class, "create_topic", create_topic))
    stack.enter_context(mock.patch.object(backend_class, "set_subscription_attributes", set_subscription_attributes))
    stack.enter_context(mock.patch.object(sns_models.Subscription, "publish", deliver))


def record(state: Any, topic: Any, message_id: str, message: str, **kwargs: Any) -> None:
    """Archive an accepted publish of an archiving topic (called once per message the topic accepts)."""
    if getattr(topic, "archive_retention_days", None) is None:
        return
    state.sns_archives.setdefault(topic.arn, []).append(
        ArchivedMessage(
            published_at=state.clock.now(),
            message_id=message_id,
            message=message,
            subject=kwargs.get("subject"),
            attributes=kwargs.get("message_attributes"),
            group_id=kwargs.get("group_id"),
            deduplication_id=kwargs.get("deduplication_id"),
        )
    )
