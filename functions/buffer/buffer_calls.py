"""The buffer's calls to SQS and SNS: dead-letter sends, publishes, visibility changes.

Each splits its entries as AWS counts them (at most 10, and by bytes: the topic's maximum for
``PublishBatch``, 1 MiB for ``SendMessageBatch``) and reports failures per record, never silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from buffer_decisions import Decisions
from buffer_limits import SQS_MAX_BATCH_BYTES, batches, message_bytes
from buffer_records import (
    EVENT_ID_ATTRIBUTE,
    GROUP_ID_ATTRIBUTE,
    OCCURRED_AT_ATTRIBUTE,
    PRODUCER_ATTRIBUTES,
    Event,
    Rejection,
)
from buffer_settings import BufferSettings


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


class BufferCalls:
    """SQS and SNS edges of the buffer function (clients, settings, clock, logger, metrics injected)."""

    sqs: Any
    sns: Any
    settings: BufferSettings
    queue_url: str  # the buffer queue (partition) the current batch came from
    clock: Callable[[], float]
    logger: Any
    metrics: Any

    def _dead_letter(self, items: list[tuple[Event | Rejection, str]]) -> dict[str, str]:
        """Send records to the DLQ with their reason; returns message id -> error for failed sends."""
        failed: dict[str, str] = {}
        entries: list[tuple[Event | Rejection, dict[str, Any]]] = []
        for item, reason in items:
            attributes = {
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "sourceMessageId": {"DataType": "String", "StringValue": item.message_id},
            }
            attributes.update(identity_attributes(item))
            body = item.body or "(empty)"
            if message_bytes(body, attributes) > self.settings.dlq_max_message_bytes:
                failed[item.message_id] = f"too large for the dead-letter queue ({len(body.encode())} bytes)"
                continue
            entry = {
                "MessageBody": body,
                "MessageAttributes": attributes,
                "MessageGroupId": item.group or "unknown-group",
                "MessageDeduplicationId": item.message_id,
            }
            entries.append((item, entry))
            self.logger.error("dead-lettered", extra={"eventId": item.event_id, "group": item.group, "reason": reason})
        size = lambda pair: message_bytes(pair[1]["MessageBody"], pair[1]["MessageAttributes"])  # noqa: E731
        for chunk in batches(entries, size, SQS_MAX_BATCH_BYTES):
            request = [{"Id": str(i), **entry} for i, (_, entry) in enumerate(chunk)]
            try:
                response = self.sqs.send_message_batch(QueueUrl=self.settings.dlq_url, Entries=request)
                for failure in response.get("Failed", []):
                    failed[chunk[int(failure["Id"])][0].message_id] = failure.get("Message", failure.get("Code", ""))
            except Exception as error:  # noqa: BLE001 - reported per record, retried later
                for item, _ in chunk:
                    failed[item.message_id] = str(error)
        return failed

    def _publish(
        self, decisions: Decisions, skipped_groups: set[str], prepared: dict[str, dict[str, Any]]
    ) -> tuple[list[Event], dict[str, str], dict[str, float]]:
        """Publish round by round (one event per group per round) so a failure never reorders a group.

        ``prepared``: each event's publish entry by message id (``prepare_delivery``). Returns the
        published events, errors by message id, and when each publish completed (the instant its
        group's next window is measured from).
        """
        published: list[Event] = []
        errors: dict[str, str] = {}
        completed: dict[str, float] = {}
        failed_groups: set[str] = set(skipped_groups)
        for round_events in decisions.rounds:
            pending = [e for e in round_events if e.group not in failed_groups]
            entries = [(e, prepared[e.message_id]) for e in pending]
            size = lambda pair: message_bytes(pair[1]["Message"], pair[1]["MessageAttributes"])  # noqa: E731
            for chunk in batches(entries, size, self.settings.topic_max_message_bytes):
                chunk_errors = self._publish_chunk(chunk)
                done_at = self.clock()
                for e, _ in chunk:
                    if e.message_id in chunk_errors:
                        failed_groups.add(e.group)
                        errors[e.message_id] = chunk_errors[e.message_id]
                    else:
                        published.append(e)
                        completed[e.message_id] = done_at
        return published, errors, completed

    def _publish_chunk(self, chunk: list[tuple[Event, dict[str, Any]]]) -> dict[str, str]:
        entries = [{"Id": str(i), **entry} for i, (_, entry) in enumerate(chunk)]
        try:
            response = self.sns.publish_batch(TopicArn=self.settings.topic_arn, PublishBatchRequestEntries=entries)
        except Exception as error:  # noqa: BLE001 - the whole chunk is retried; FIFO dedup absorbs repeats
            return {e.message_id: str(error) for e, _ in chunk}
        ok = {s["Id"] for s in response.get("Successful", [])}
        errors = {
            chunk[int(f["Id"])][0].message_id: f.get("Message", f.get("Code", "")) for f in response.get("Failed", [])
        }
        for index, (e, _) in enumerate(chunk):
            if str(index) not in ok and e.message_id not in errors:
                errors[e.message_id] = "no result for this entry"
        return errors

    def _change_visibility(self, changes: list[tuple[str, int]]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
            for i, (handle, seconds) in enumerate(changes)
        ]
        not_set: list[str] = []
        for start in range(0, len(entries), 10):
            try:
                response = self.sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url, Entries=entries[start : start + 10]
                )
                not_set.extend(f"{f.get('Code', '')}: {f.get('Message', '')}" for f in response.get("Failed", []))
            except Exception as error:  # noqa: BLE001 - records come back after the queue's timeout: later, still safe
                not_set.extend(str(error) for _ in entries[start : start + 10])
        if not_set:
            # Such a record comes back after the queue's visibility timeout instead: earlier or later, never lost.
            self.logger.warning("could not set visibility", extra={"errors": not_set[:10]})
            self.metrics.add_metric(name="visibility_not_set", unit="Count", value=len(not_set))
