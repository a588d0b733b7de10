"""The buffer's decision loop: deliver, delay, suppress or dead-letter each record of a batch.

Per batch it makes one read (BatchGetItem), one publish per round (PublishBatch), one write
(BatchExecuteStatement, a conditional statement per group) and, only when something waits, one
ChangeMessageVisibilityBatch. Records of one group are decided in order; once one waits or fails,
the group's later records wait too.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buffer_records import Event, Rejection, parse_record, sns_attributes
from buffer_state import PERMANENT_CODES, BufferState, Delivery, GroupState, Snapshot, memory_key

MAX_VISIBILITY_SECONDS = 43_200
FAILURE_BACKOFF_SECONDS = 5
# A delayed record becomes visible within a second after its window ends (visibility is whole seconds).
WINDOW_RETURN_SLACK_SECONDS = 2.0

DELIVERED = "delivered"
DELAYED = "delayed"
WAITING = "waiting"
DUPLICATE = "duplicate"
STALE = "stale"
DEAD_LETTERED = "dead_lettered"
FAILED = "failed"
RETRIED = (DELAYED, WAITING, FAILED)


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
        )


class StateRejectedError(RuntimeError):
    """The buffer table refused a write in a way no retry cures; the invocation fails so it is alarmed."""


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


@dataclass
class Outcome:
    """What happened to one record."""

    kind: str
    message_id: str
    event_id: str | None
    group: str | None
    reason: str = ""
    visible_at: float | None = None


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def response(self) -> dict[str, list[dict[str, str]]]:
        """The ReportBatchItemFailures response: every record to be received again."""
        return {"batchItemFailures": [{"itemIdentifier": o.message_id} for o in self.outcomes if o.kind in RETRIED]}

    def count(self, kind: str) -> int:
        return sum(1 for o in self.outcomes if o.kind == kind)


class _Silent:
    """Logger/metrics stand-in so the processor runs without Powertools' context."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class BufferFunction:
    """Decides and carries out one batch. Clients, clock and an optional validator are injected."""

    def __init__(
        self,
        *,
        sqs: Any,
        sns: Any,
        dynamodb: Any,
        settings: BufferSettings,
        clock: Callable[[], float] = time.time,
        validate: Callable[[Event], None] | None = None,
        logger: Any = None,
        metrics: Any = None,
    ) -> None:
        self.sqs, self.sns, self.settings, self.clock, self.validate = sqs, sns, settings, clock, validate
        self.state = BufferState(dynamodb, settings.group_table, settings.group_ttl_seconds, settings.event_ttl_seconds)
        self.logger = logger or _Silent()
        self.metrics = metrics or _Silent()

    # ------------------------------------------------------------------ the batch
    def handle(self, event: dict[str, Any]) -> BatchResult:
        now = self.clock()
        parsed = [parse_record(r) for r in event.get("Records") or []]
        result = BatchResult()
        events = [p for p in parsed if isinstance(p, Event)]
        try:
            snapshot = self.state.read({e.group for e in events}, now)
        except Exception as error:  # noqa: BLE001 - nothing decided yet: every record retries
            self.logger.warning("buffer state unavailable; retrying the batch", extra={"error": str(error)})
            for p in parsed:
                result.outcomes.append(
                    Outcome(
                        FAILED, p.message_id, p.event_id, p.group, f"state read: {error}", now + FAILURE_BACKOFF_SECONDS
                    )
                )
            self._extend_visibility(result, parsed, now)
            return result
        self._shorten_retries(parsed, events, snapshot, now)
        dlq_failed = self._dead_letter([(p, p.reason) for p in parsed if isinstance(p, Rejection)])
        outcomes: dict[str, Outcome] = {}
        blocked: dict[str, float] = {}
        working: dict[str, GroupState] = dict(snapshot.groups)
        seen_ids: set[str] = set()
        rounds: list[list[Event]] = []
        per_group_round: dict[str, int] = {}
        for p in parsed:
            if p.group is not None and p.group in blocked:
                outcomes[p.message_id] = Outcome(
                    WAITING,
                    p.message_id,
                    p.event_id,
                    p.group,
                    "an earlier event of its group is waiting",
                    blocked[p.group],
                )
                continue
            if isinstance(p, Rejection):
                if p.message_id in dlq_failed:
                    outcomes[p.message_id] = Outcome(
                        FAILED,
                        p.message_id,
                        p.event_id,
                        p.group,
                        f"dead-letter send failed: {dlq_failed[p.message_id]}",
                        now + FAILURE_BACKOFF_SECONDS,
                    )
                    self._block(blocked, p.group, now + FAILURE_BACKOFF_SECONDS)
                else:
                    outcomes[p.message_id] = Outcome(DEAD_LETTERED, p.message_id, p.event_id, p.group, p.reason)
                continue
            outcome = self._decide(p, working, seen_ids, now)
            if outcome is None:
                index = per_group_round.get(p.group, -1) + 1
                per_group_round[p.group] = index
                while len(rounds) <= index:
                    rounds.append([])
                rounds[index].append(p)
                seen_ids.add(p.event_id)
                previous = working.get(p.group)
                recent = {**(previous.recent if previous else {}), memory_key(p.event_id): p.occurred_at}
                working[p.group] = GroupState(now, p.occurred_at, p.event_id, 0, recent)
                continue
            outcomes[p.message_id] = outcome
            if outcome.kind in RETRIED:
                self._block(blocked, p.group, outcome.visible_at or now)
        published = self._publish(rounds, outcomes, now)
        self._record(published, snapshot, outcomes, now)
        result.outcomes = [outcomes[p.message_id] for p in parsed]
        self._extend_visibility(result, parsed, now)
        self._report(result)
        return result

    @staticmethod
    def _block(blocked: dict[str, float], group: str | None, until: float) -> None:
        if group is not None and group not in blocked:
            blocked[group] = until

    def _decide(self, event: Event, working: dict[str, GroupState], seen: set[str], now: float) -> Outcome | None:
        """None means deliver now; otherwise the record's outcome."""
        state = working.get(event.group)
        if event.event_id in seen or (state is not None and state.remembers(event.event_id)):
            return Outcome(DUPLICATE, event.message_id, event.event_id, event.group, "event id already delivered")
        if state is not None and event.occurred_at < state.last_occurred_at:
            return Outcome(
                STALE,
                event.message_id,
                event.event_id,
                event.group,
                f"occurredAt {event.occurred_at} is older than the last delivered {state.last_occurred_at}",
            )
        if state is not None and now < state.last_delivered_at + self.settings.interval_seconds:
            window_end = state.last_delivered_at + self.settings.interval_seconds
            return Outcome(
                DELAYED, event.message_id, event.event_id, event.group, f"group window ends at {window_end}", window_end
            )
        if self.validate is not None:
            try:
                self.validate(event)
            except Exception as error:  # noqa: BLE001 - any processing error counts as a failed attempt
                return self._failed_attempt(event, f"{type(error).__name__}: {error}", now)
        return None

    def _failed_attempt(self, event: Event, reason: str, now: float) -> Outcome:
        """Count the failure; after ``max_attempts`` the event is dead-lettered and its group goes on."""
        try:
            attempts = self.state.count_failure(event.event_id, now)
        except Exception as error:  # noqa: BLE001 - cannot count: retry later, never drop
            return Outcome(
                FAILED,
                event.message_id,
                event.event_id,
                event.group,
                f"{reason}; failure count unavailable: {error}",
                now + FAILURE_BACKOFF_SECONDS,
            )
        if attempts >= self.settings.max_attempts:
            why = f"processing failed {attempts} times: {reason}"
            if not self._dead_letter([(event, why)]):
                return Outcome(DEAD_LETTERED, event.message_id, event.event_id, event.group, why)
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
    def _dead_letter(self, items: list[tuple[Event | Rejection, str]]) -> dict[str, str]:
        """Send records to the DLQ with their reason; returns message id -> error for failed sends."""
        failed: dict[str, str] = {}
        for start in range(0, len(items), 10):
            chunk = items[start : start + 10]
            entries = []
            for index, (item, reason) in enumerate(chunk):
                body = item.body if isinstance(item, Rejection) else json.dumps(item.payload)
                attributes = {
                    "reason": {"DataType": "String", "StringValue": reason[:1000]},
                    "sourceMessageId": {"DataType": "String", "StringValue": item.message_id},
                }
                if item.event_id:
                    attributes["eventId"] = {"DataType": "String", "StringValue": item.event_id}
                entries.append(
                    {
                        "Id": str(index),
                        "MessageBody": body or "(empty)",
                        "MessageAttributes": attributes,
                        "MessageGroupId": item.group or "unknown-group",
                        "MessageDeduplicationId": item.message_id,
                    }
                )
                self.logger.error(
                    "dead-lettered", extra={"eventId": item.event_id, "group": item.group, "reason": reason}
                )
            try:
                response = self.sqs.send_message_batch(QueueUrl=self.settings.dlq_url, Entries=entries)
                for failure in response.get("Failed", []):
                    failed[chunk[int(failure["Id"])][0].message_id] = failure.get("Message", failure.get("Code", ""))
            except Exception as error:  # noqa: BLE001 - reported per record, retried later
                for item, _ in chunk:
                    failed[item.message_id] = str(error)
        return failed

    def _publish(self, rounds: list[list[Event]], outcomes: dict[str, Outcome], now: float) -> list[Event]:
        """Publish round by round (one event per group per round) so a failure never reorders a group."""
        published: list[Event] = []
        failed_groups: set[str] = set()
        for round_events in rounds:
            pending = [e for e in round_events if e.group not in failed_groups]
            for e in round_events:
                if e.group in failed_groups:
                    outcomes[e.message_id] = Outcome(
                        WAITING,
                        e.message_id,
                        e.event_id,
                        e.group,
                        "an earlier event of its group failed to publish",
                        now + FAILURE_BACKOFF_SECONDS,
                    )
            for start in range(0, len(pending), 10):
                chunk = pending[start : start + 10]
                errors = self._publish_chunk(chunk)
                for e in chunk:
                    if e.message_id in errors:
                        failed_groups.add(e.group)
                        outcomes[e.message_id] = Outcome(
                            FAILED,
                            e.message_id,
                            e.event_id,
                            e.group,
                            f"publish failed: {errors[e.message_id]}",
                            now + FAILURE_BACKOFF_SECONDS,
                        )
                    else:
                        published.append(e)
        return published

    def _publish_chunk(self, chunk: list[Event]) -> dict[str, str]:
        entries = []
        for index, e in enumerate(chunk):
            entry: dict[str, Any] = {"Id": str(index), "Message": e.envelope(), "MessageAttributes": sns_attributes(e)}
            if self.settings.topic_fifo:
                entry["MessageGroupId"] = e.group
                entry["MessageDeduplicationId"] = e.event_id
            entries.append(entry)
        try:
            response = self.sns.publish_batch(TopicArn=self.settings.topic_arn, PublishBatchRequestEntries=entries)
        except Exception as error:  # noqa: BLE001 - the whole chunk is retried; FIFO dedup absorbs repeats
            return {e.message_id: str(error) for e in chunk}
        ok = {s["Id"] for s in response.get("Successful", [])}
        errors = {
            chunk[int(f["Id"])].message_id: f.get("Message", f.get("Code", "")) for f in response.get("Failed", [])
        }
        for index, e in enumerate(chunk):
            if str(index) not in ok and e.message_id not in errors:
                errors[e.message_id] = "no result for this entry"
        return errors

    def _record(self, published: list[Event], snapshot: Snapshot, outcomes: dict[str, Outcome], now: float) -> None:
        """Remember deliveries; a group whose statement failed retries (the topic's dedup absorbs the repeat)."""
        deliveries = [Delivery(e.group, e.event_id, e.occurred_at, now) for e in published]
        reasons: dict[str, str] = {}
        try:
            failures = self.state.record(deliveries, snapshot)
        except Exception as error:  # noqa: BLE001 - published but unrecorded: retry, dedup absorbs the repeat
            if _error_code(error) in PERMANENT_CODES:
                raise StateRejectedError(f"buffer table write rejected: {error}") from error
            failures = {}
            reasons = {e.group: f"state write failed: {error}" for e in published}
        for group, failure in failures.items():
            if failure.permanent:
                self.logger.error("buffer table rejected a write", extra={"group": group, "reason": failure.reason})
                raise StateRejectedError(f"buffer table write rejected for group {group}: {failure.reason}")
            reasons[group] = (
                "group changed concurrently" if failure.conflict else f"state write failed: {failure.reason}"
            )
        for e in published:
            if e.group in reasons:
                outcomes[e.message_id] = Outcome(
                    FAILED, e.message_id, e.event_id, e.group, reasons[e.group], now + FAILURE_BACKOFF_SECONDS
                )
            else:
                outcomes[e.message_id] = Outcome(DELIVERED, e.message_id, e.event_id, e.group)

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

    def _extend_visibility(self, result: BatchResult, parsed: list[Event | Rejection], now: float) -> None:
        """Make each retried record visible again exactly when it can next be decided."""
        handles = {p.message_id: p.receipt_handle for p in parsed}
        self._change_visibility(
            [
                (handles[o.message_id], min(MAX_VISIBILITY_SECONDS, max(0, math.ceil(o.visible_at - now))))
                for o in result.outcomes
                if o.kind in RETRIED and o.visible_at is not None
            ]
        )

    def _change_visibility(self, changes: list[tuple[str, int]]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
            for i, (handle, seconds) in enumerate(changes)
        ]
        for start in range(0, len(entries), 10):
            try:
                self.sqs.change_message_visibility_batch(
                    QueueUrl=self.settings.source_queue_url, Entries=entries[start : start + 10]
                )
            except Exception as error:  # noqa: BLE001 - records come back after the queue's timeout: later, still safe
                self.logger.warning("could not set visibility", extra={"error": str(error)})

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
