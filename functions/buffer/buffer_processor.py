"""The buffer function's edges: read state, publish, record, dead-letter, set visibility.

Per batch it makes one read (BatchGetItem), one publish per round and per 10 entries or topic
size (PublishBatch), one write (BatchExecuteStatement, a conditional statement per group) and,
only when something waits, one ChangeMessageVisibilityBatch. What to do with each record is
decided in ``buffer_decisions`` from (records, state, clock); this module only carries it out.

A failing dependency (state read or write, publish, dead-letter send) never dead-letters a healthy
event: its records come back with a backoff (5 s doubling per receive, at most 120 s), and the
invocation then fails so the function's errors alarm fires, after deleting the records it did
finish so they are not processed twice.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buffer_decisions import (
    DEAD_LETTERED,
    DELAYED,
    DELIVER,
    DELIVERED,
    DONE,
    DUPLICATE,
    FAILED,
    OVER_BACKLOG,
    PENDING_DEDUP_SAFE_SECONDS,
    RETRIED,
    STALE,
    WAITING,
    Decisions,
    Outcome,
    decide,
    dependency_retry_at,
    settle,
)
from buffer_limits import SQS_MAX_BATCH_BYTES, TOPIC_MAX_MESSAGE_BYTES, batches, message_bytes
from buffer_records import Event, Rejection, parse_record, sns_attributes
from buffer_state import PERMANENT_CODES, BufferState, Delivery, Snapshot, pending_key

MAX_VISIBILITY_SECONDS = 43_200
# SQS caps a message's visibility at 12 hours from its receive; the receive happened before the
# invocation started (by at most the event source's 300-second batching window).
VISIBILITY_RECEIVE_MARGIN_SECONDS = 300
# A delayed record becomes visible within a second after its window ends (visibility is whole seconds).
WINDOW_RETURN_SLACK_SECONDS = 2.0
# A publish that completes later than this after its record is recorded again with its real time.
PUBLISH_SLACK_SECONDS = 1.0
# State writes are retried this many times in the invocation before giving up.
RECORD_ATTEMPTS = 3
RECORD_BACKOFF_SECONDS = 0.2
FAILURE_BACKOFF_SECONDS = 5
DLQ_MAX_MESSAGE_BYTES = 1_048_576

__all__ = [
    "DEAD_LETTERED",
    "DELAYED",
    "DELIVERED",
    "DUPLICATE",
    "FAILED",
    "STALE",
    "WAITING",
    "BatchResult",
    "BufferFunction",
    "BufferSettings",
    "DependencyUnavailableError",
    "Outcome",
    "StateRejectedError",
]


@dataclass(frozen=True)
class BufferSettings:
    """Environment of the buffer function."""

    group_table: str
    topic_arn: str
    topic_fifo: bool
    source_queue_url: str
    dlq_url: str
    interval_seconds: float
    max_attempts: int
    event_ttl_seconds: int
    group_ttl_seconds: int
    retry_visibility_seconds: int = 0
    max_group_backlog_seconds: float = 0.0  # 0: no limit
    topic_max_message_bytes: int = TOPIC_MAX_MESSAGE_BYTES
    dlq_max_message_bytes: int = DLQ_MAX_MESSAGE_BYTES

    @classmethod
    def from_env(cls, env: dict[str, str]) -> BufferSettings:
        missing = [k for k in ("BUFFER_TABLE", "TOPIC_ARN", "SOURCE_QUEUE_URL", "DLQ_URL") if not env.get(k)]
        if missing:
            raise RuntimeError(f"buffer function is missing environment variables: {', '.join(missing)}")
        return cls(
            group_table=env["BUFFER_TABLE"],
            topic_arn=env["TOPIC_ARN"],
            topic_fifo=env.get("TOPIC_FIFO", "true") == "true",
            source_queue_url=env["SOURCE_QUEUE_URL"],
            dlq_url=env["DLQ_URL"],
            interval_seconds=float(env.get("INTERVAL_SECONDS", "60")),
            max_attempts=int(env.get("MAX_ATTEMPTS", "5")),
            event_ttl_seconds=int(env.get("IDEMPOTENCY_TTL_SECONDS", "2592000")),
            group_ttl_seconds=int(env.get("GROUP_TTL_SECONDS", "2592000")),
            retry_visibility_seconds=int(env.get("RETRY_VISIBILITY_SECONDS", "0")),
            max_group_backlog_seconds=float(env.get("MAX_GROUP_BACKLOG_SECONDS", "0")),
            topic_max_message_bytes=int(env.get("TOPIC_MAX_MESSAGE_BYTES", str(TOPIC_MAX_MESSAGE_BYTES))),
            dlq_max_message_bytes=int(env.get("DLQ_MAX_MESSAGE_BYTES", str(DLQ_MAX_MESSAGE_BYTES))),
        )


class StateRejectedError(RuntimeError):
    """The buffer table refused a write in a way no retry cures; the invocation fails so it is alarmed."""


class DependencyUnavailableError(RuntimeError):
    """An AWS dependency failed; the records come back with a backoff and the invocation is alarmed."""


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def response(self) -> dict[str, list[dict[str, str]]]:
        """The ReportBatchItemFailures response: every record to be received again."""
        return {"batchItemFailures": [{"itemIdentifier": o.message_id} for o in self.outcomes if o.kind in RETRIED]}

    @property
    def dependency_errors(self) -> list[str]:
        return [f"{o.event_id or o.message_id}: {o.reason}" for o in self.outcomes if o.dependency]

    def dependency_summary(self) -> str:
        errors = self.dependency_errors
        return f"{len(errors)} record(s) retried after a dependency failure, first: {errors[0]}" if errors else ""

    def count(self, kind: str) -> int:
        return sum(1 for o in self.outcomes if o.kind == kind)


class _Silent:
    """Logger/metrics stand-in so the processor runs without Powertools' context."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class BufferFunction:
    """Carries out one batch. Clients, clock, sleep and an optional validator are injected."""

    def __init__(
        self,
        *,
        sqs: Any,
        sns: Any,
        dynamodb: Any,
        settings: BufferSettings,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        validate: Callable[[Event], None] | None = None,
        logger: Any = None,
        metrics: Any = None,
    ) -> None:
        self.sqs, self.sns, self.settings, self.clock, self.validate = sqs, sns, settings, clock, validate
        self.sleep = sleep
        self.state = BufferState(
            dynamodb, settings.group_table, settings.group_ttl_seconds, settings.event_ttl_seconds, sleep
        )
        self.logger = logger or _Silent()
        self.metrics = metrics or _Silent()

    # ------------------------------------------------------------------ the batch
    def handle(self, event: dict[str, Any]) -> BatchResult:
        started = self.clock()
        parsed = [parse_record(r, started, self.settings.topic_max_message_bytes) for r in event.get("Records") or []]
        events = [p for p in parsed if isinstance(p, Event)]
        try:
            snapshot = self.state.read({e.group for e in events}, started)
            recall = [(e.group, e.event_id) for e in events if self._may_be_elsewhere(snapshot, e)]
            snapshot = self.state.recall(snapshot, recall)
        except Exception as error:  # noqa: BLE001 - nothing decided yet: every record retries
            if _error_code(error) in PERMANENT_CODES:
                raise StateRejectedError(f"buffer table read rejected: {error}") from error
            self.logger.warning("buffer state unavailable; retrying the batch", extra={"error": str(error)})
            now = self.clock()
            result = BatchResult([self._dependency_failure(p, f"state read: {error}", now) for p in parsed])
            return self._finish(result, parsed, started)
        now = self.clock()  # after the read: a slow read must not make the window look longer
        self._shorten_retries(parsed, events, snapshot, now)
        settled = self._dead_letter_rejections(parsed, now)
        decisions, settled = self._decide(parsed, snapshot, now, settled)
        if self.validate is not None:
            failures = self._validate(parsed, decisions, now)
            if failures:
                decisions, _ = self._decide(parsed, snapshot, now, {**settled, **failures})
        new = [e for r in decisions.rounds for e in r if not decisions.outcomes[e.message_id].republish]
        write_errors = self._record_ahead(new, snapshot, now)
        published, publish_errors, publish_times = self._publish(decisions, set(write_errors))
        republished = [e for r in decisions.rounds for e in r if decisions.outcomes[e.message_id].republish]
        self._correct(
            [e for e in new if e.group not in write_errors], republished, published, publish_times, snapshot, now
        )
        self._warn_late_republish(decisions, snapshot, now)
        result = BatchResult(settle(parsed, decisions, publish_errors, write_errors, self.clock()))
        return self._finish(result, parsed, started)

    def _decide(
        self, parsed: list[Event | Rejection], snapshot: Snapshot, now: float, settled: dict[str, Outcome]
    ) -> tuple[Decisions, dict[str, Outcome]]:
        """Decide; records over their group's backlog limit are dead-lettered first, then decided as such."""
        settings = self.settings
        decisions = decide(
            parsed, snapshot.groups, now, settings.interval_seconds, settled, settings.max_group_backlog_seconds
        )
        over: list[tuple[Event | Rejection, str]] = [
            (p, decisions.outcomes[p.message_id].reason)
            for p in parsed
            if decisions.outcomes[p.message_id].kind == OVER_BACKLOG
        ]
        if not over:
            return decisions, settled
        failed = self._dead_letter(over)
        if len(over) > len(failed):
            self.metrics.add_metric(name="group_backlog_over_limit", unit="Count", value=len(over) - len(failed))
        settled = dict(settled)
        for record, reason in over:
            if record.message_id in failed:
                why = f"dead-letter send failed: {failed[record.message_id]}"
                settled[record.message_id] = self._dependency_failure(record, why, now)
            else:
                settled[record.message_id] = Outcome(
                    DEAD_LETTERED, record.message_id, record.event_id, record.group, reason
                )
        decisions = decide(
            parsed, snapshot.groups, now, settings.interval_seconds, settled, settings.max_group_backlog_seconds
        )
        return decisions, settled

    def _may_be_elsewhere(self, snapshot: Snapshot, event: Event) -> bool:
        state = snapshot.groups.get(event.group)
        return state is not None and state.may_be_elsewhere(event.event_id, event.occurred_at)

    def _dependency_failure(self, record: Event | Rejection, reason: str, now: float) -> Outcome:
        outcome = Outcome(
            FAILED,
            record.message_id,
            record.event_id,
            record.group,
            reason,
            dependency_retry_at(now, record.receive_count),
        )
        outcome.dependency = True
        return outcome

    def _finish(self, result: BatchResult, parsed: list[Event | Rejection], started: float) -> BatchResult:
        self._extend_visibility(result, parsed, started)
        self._report(result)
        if result.dependency_errors:
            self._delete_finished(result, parsed)
        return result

    def _validate(self, parsed: list[Event | Rejection], decisions: Decisions, now: float) -> dict[str, Outcome]:
        """Run the processing check on what would be delivered; failures are counted per event."""
        assert self.validate is not None
        failures: dict[str, Outcome] = {}
        for record in parsed:
            if not isinstance(record, Event) or decisions.outcomes[record.message_id].kind != DELIVER:
                continue
            try:
                self.validate(record)
            except Exception as error:  # noqa: BLE001 - any processing error counts as a failed attempt
                failures[record.message_id] = self._failed_attempt(record, f"{type(error).__name__}: {error}", now)
        return failures

    def _failed_attempt(self, event: Event, reason: str, now: float) -> Outcome:
        """Count the failure; after ``max_attempts`` the event is dead-lettered and its group goes on."""
        try:
            attempts = self.state.count_failure(event.event_id, now)
        except Exception as error:  # noqa: BLE001 - cannot count: retry later, never drop
            return self._dependency_failure(event, f"{reason}; failure count unavailable: {error}", now)
        if attempts >= self.settings.max_attempts:
            why = f"processing failed {attempts} times: {reason}"
            failed = self._dead_letter([(event, why)])
            if not failed:
                return Outcome(DEAD_LETTERED, event.message_id, event.event_id, event.group, why)
            return self._dependency_failure(event, f"dead-letter send failed: {failed[event.message_id]}", now)
        backoff = min(FAILURE_BACKOFF_SECONDS * attempts, 60)
        return Outcome(
            FAILED,
            event.message_id,
            event.event_id,
            event.group,
            f"attempt {attempts}/{self.settings.max_attempts}: {reason}",
            now + backoff,
        )

    # ------------------------------------------------------------------ side effects
    def _dead_letter_rejections(self, parsed: list[Event | Rejection], now: float) -> dict[str, Outcome]:
        """Send rejections to the DLQ; a failed send becomes a dependency failure that blocks its group."""
        rejections: list[tuple[Event | Rejection, str]] = [(p, p.reason) for p in parsed if isinstance(p, Rejection)]
        failed = self._dead_letter(rejections)
        return {
            p.message_id: self._dependency_failure(p, f"dead-letter send failed: {failed[p.message_id]}", now)
            for p, _ in rejections
            if p.message_id in failed
        }

    def _dead_letter(self, items: list[tuple[Event | Rejection, str]]) -> dict[str, str]:
        """Send records to the DLQ with their reason; returns message id -> error for failed sends."""
        failed: dict[str, str] = {}
        entries: list[tuple[Event | Rejection, dict[str, Any]]] = []
        for item, reason in items:
            attributes = {
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "sourceMessageId": {"DataType": "String", "StringValue": item.message_id},
            }
            if item.event_id:
                attributes["eventId"] = {"DataType": "String", "StringValue": item.event_id}
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
        self, decisions: Decisions, skipped_groups: set[str]
    ) -> tuple[list[Event], dict[str, str], dict[str, float]]:
        """Publish round by round (one event per group per round) so a failure never reorders a group.

        Returns the published events, errors by message id, and when each publish completed (the
        instant its group's next window is measured from).
        """
        published: list[Event] = []
        errors: dict[str, str] = {}
        completed: dict[str, float] = {}
        failed_groups: set[str] = set(skipped_groups)
        for round_events in decisions.rounds:
            pending = [e for e in round_events if e.group not in failed_groups]
            entries = [(e, self._publish_entry(e)) for e in pending]
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

    def _publish_entry(self, e: Event) -> dict[str, Any]:
        entry: dict[str, Any] = {"Message": e.envelope(), "MessageAttributes": sns_attributes(e)}
        if self.settings.topic_fifo:
            entry["MessageGroupId"] = e.group
            entry["MessageDeduplicationId"] = e.event_id
        return entry

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

    def _record_ahead(self, events: list[Event], snapshot: Snapshot, now: float) -> dict[str, tuple[str, bool]]:
        """Record deliveries before publishing them, marked pending; returns group -> (reason, dependency).

        Writing first means a state table that cannot be written stops publishing instead of letting a
        publish be repeated after the topic's 5-minute deduplication window. A write no retry can cure
        fails the invocation (nothing was published).
        """
        pending: dict[str, dict[str, float]] = {}
        for e in events:
            pending.setdefault(e.group, {})[pending_key(e.message_id)] = now
        deliveries = [Delivery(e.group, e.event_id, e.occurred_at, now) for e in events]
        reasons: dict[str, tuple[str, bool]] = {}
        for attempt in range(RECORD_ATTEMPTS):
            if not deliveries:
                break
            if attempt:
                self.sleep(RECORD_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                failures = self.state.record(deliveries, snapshot, pending=pending)
            except Exception as error:  # noqa: BLE001 - nothing written, nothing published: retried later
                if _error_code(error) in PERMANENT_CODES:
                    raise StateRejectedError(f"buffer table write rejected: {error}") from error
                reasons = {d.group: (f"state write failed: {error}", True) for d in deliveries}
                continue
            for group, failure in failures.items():
                if failure.permanent:
                    self.logger.error("buffer table rejected a write", extra={"group": group, "reason": failure.reason})
                    raise StateRejectedError(f"buffer table write rejected for group {group}: {failure.reason}")
            # A conflict means another invocation changed the group: retrying here cannot help.
            reasons = {
                group: ("group changed concurrently", False)
                if failure.conflict
                else (f"state write failed: {failure.reason}", True)
                for group, failure in failures.items()
            }
            deliveries = [d for d in deliveries if d.group in reasons and reasons[d.group][1]]
        return reasons

    def _correct(
        self,
        recorded: list[Event],
        republished: list[Event],
        published: list[Event],
        completed: dict[str, float],
        snapshot: Snapshot,
        now: float,
    ) -> None:
        """After the publish: undo what failed to publish, and move a slow publish's time to when it happened.

        Both are rare. If this write fails, the state keeps the early record: an unpublished event stays
        pending (it is published again when it comes back) and a slow publish's window starts a little
        early (at most the publish's duration).
        """
        done = {e.message_id for e in published}
        by_group: dict[str, list[Event]] = {}
        for e in recorded:
            by_group.setdefault(e.group, []).append(e)
        fixes: list[Delivery] = []
        pending: dict[str, dict[str, float]] = {}
        restore: list[str] = []
        written: dict[str, int] = {}
        for group, events in by_group.items():
            ok = [e for e in events if e.message_id in done]
            failed = [e for e in events if e.message_id not in done]
            slow = any(completed[e.message_id] - now > PUBLISH_SLACK_SECONDS for e in ok)
            if not failed and not slow:
                continue
            written[group] = (snapshot.versions.get(group) or 0) + 1
            pending[group] = {pending_key(e.message_id): now for e in failed}
            fixes.extend(Delivery(e.group, e.event_id, e.occurred_at, completed[e.message_id]) for e in ok)
            if not ok:
                restore.append(group)
        for e in republished:  # its record holds an earlier time: move the window to this publish
            if e.message_id in done and e.group not in by_group:
                written[e.group] = snapshot.versions.get(e.group, 0)
                fixes.append(Delivery(e.group, e.event_id, e.occurred_at, completed[e.message_id]))
        if not written:
            return
        try:
            not_corrected = len(self.state.record(fixes, snapshot, pending=pending, written=written, restore=restore))
        except Exception as error:  # noqa: BLE001 - see the docstring: safe, only less precise
            not_corrected = len(written)
            self.logger.warning("could not correct the buffer state after publishing", extra={"error": str(error)})
        if not_corrected:
            self.metrics.add_metric(name="state_not_corrected", unit="Count", value=not_corrected)

    def _warn_late_republish(self, decisions: Decisions, snapshot: Snapshot, now: float) -> None:
        """An event published again long after it was recorded may reach the downstream twice: say so."""
        for round_events in decisions.rounds:
            for e in round_events:
                state = snapshot.groups.get(e.group)
                if not decisions.outcomes[e.message_id].republish or state is None:
                    continue
                since = now - state.pending.get(pending_key(e.message_id), now)
                if since > PENDING_DEDUP_SAFE_SECONDS:
                    self.logger.warning("republishing after the deduplication window", extra={"eventId": e.event_id})
                    self.metrics.add_metric(name="late_republish", unit="Count", value=1)

    def _shorten_retries(
        self, parsed: list[Event | Rejection], events: list[Event], snapshot: Snapshot, now: float
    ) -> None:
        """A record received before may have been published by an attempt that then died.

        Its repeat is absorbed by the topic's 5-minute deduplication only if it happens soon, so
        should this attempt die too, the record comes back after the function timeout, not after
        the queue's (6x longer) visibility timeout. A record that came back just as its group's
        window ended was delayed, not crashed, and needs nothing. Costs one call, only in batches
        with a suspected crash.
        """
        if self.settings.retry_visibility_seconds <= 0:
            return

        def came_back_at_window_end(e: Event) -> bool:
            state = snapshot.groups.get(e.group)
            if state is None:
                return False
            window_end = state.last_delivered_at + self.settings.interval_seconds
            return window_end <= now < window_end + WINDOW_RETURN_SLACK_SECONDS

        if any(e.receive_count > 1 and not came_back_at_window_end(e) for e in events):
            # The whole batch, rejected records too: one in-flight record of a group holds back the others.
            self._change_visibility([(p.receipt_handle, self.settings.retry_visibility_seconds) for p in parsed])

    def _extend_visibility(self, result: BatchResult, parsed: list[Event | Rejection], started: float) -> None:
        """Make each retried record visible again exactly when it can next be decided (within SQS's cap)."""
        handles = {p.message_id: p.receipt_handle for p in parsed}
        now = self.clock()
        cap = max(0, MAX_VISIBILITY_SECONDS - VISIBILITY_RECEIVE_MARGIN_SECONDS - math.ceil(now - started))
        self._change_visibility(
            [
                (handles[o.message_id], min(cap, max(0, math.ceil(o.visible_at - now))))
                for o in result.outcomes
                if o.kind in RETRIED and o.visible_at is not None
            ]
        )

    def _change_visibility(self, changes: list[tuple[str, int]]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
            for i, (handle, seconds) in enumerate(changes)
        ]
        not_set: list[str] = []
        for start in range(0, len(entries), 10):
            try:
                response = self.sqs.change_message_visibility_batch(
                    QueueUrl=self.settings.source_queue_url, Entries=entries[start : start + 10]
                )
                not_set.extend(f"{f.get('Code', '')}: {f.get('Message', '')}" for f in response.get("Failed", []))
            except Exception as error:  # noqa: BLE001 - records come back after the queue's timeout: later, still safe
                not_set.extend(str(error) for _ in entries[start : start + 10])
        if not_set:
            # Such a record comes back after the queue's visibility timeout instead: earlier or later, never lost.
            self.logger.warning("could not set visibility", extra={"errors": not_set[:10]})
            self.metrics.add_metric(name="visibility_not_set", unit="Count", value=len(not_set))

    def _delete_finished(self, result: BatchResult, parsed: list[Event | Rejection]) -> None:
        """Before the invocation fails, delete what it finished, so only the retried records come back."""
        handles = {p.message_id: p.receipt_handle for p in parsed}
        done = [o.message_id for o in result.outcomes if o.kind in DONE]
        for start in range(0, len(done), 10):
            entries = [{"Id": str(i), "ReceiptHandle": handles[m]} for i, m in enumerate(done[start : start + 10])]
            try:
                self.sqs.delete_message_batch(QueueUrl=self.settings.source_queue_url, Entries=entries)
            except Exception as error:  # noqa: BLE001 - they come back and are suppressed as duplicates
                self.logger.warning("could not delete finished records", extra={"error": str(error)})

    def _report(self, result: BatchResult) -> None:
        for kind in (DELIVERED, DELAYED, WAITING, DUPLICATE, STALE, DEAD_LETTERED, FAILED):
            count = result.count(kind)
            if count:
                self.metrics.add_metric(name=kind, unit="Count", value=count)
        for o in result.outcomes:
            if o.kind in (DUPLICATE, STALE):
                self.logger.info(
                    "suppressed", extra={"kind": o.kind, "eventId": o.event_id, "group": o.group, "reason": o.reason}
                )
        for error in result.dependency_errors[:10]:
            self.logger.error("dependency failure; record retried with backoff", extra={"error": error})
