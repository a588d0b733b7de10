"""The buffer function's edges: read state, publish, record, dead-letter, set visibility.

Per batch it makes one read (BatchGetItem), one publish per round and per 10 entries or topic
size (PublishBatch), one write (BatchExecuteStatement, a conditional statement per group) and,
only when something waits, one ChangeMessageVisibilityBatch. What to do with each record is
decided in ``buffer_decisions`` from (records, state, clock); this module only carries it out,
with the calls of ``buffer_calls``, ``buffer_recording`` and ``buffer_state``, and ends the batch
with ``buffer_batch_end`` (visibility, deletes, metrics). ``settle`` is called through this
module's globals, so a caller can swap it (the bench plays an earlier design that way).

Every step that handles one record (parsing it, deciding its group, building its message) runs
guarded: an unexpected error there is that record's failed attempt, counted for its (group, event),
its group waits behind it and the other groups go on; after ``maxAttempts`` it is dead-lettered
with the error as its reason. ``parse_record`` and ``prepare_delivery`` are called through this
module's globals too (the simulator injects its ``fail_processing`` fault at ``prepare_delivery``).

A failing dependency (state read or write, publish, dead-letter send) never dead-letters a healthy
event: its records come back with a backoff (5 s doubling per receive, at most 120 s), and the
invocation then fails so the function's errors alarm fires, after deleting the records it did
finish so they are not processed twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from buffer_batch_end import BatchResult, BufferBatchEnd, DependencyUnavailableError
from buffer_decisions import (
    DEAD_LETTERED,
    DELAYED,
    DELIVERED,
    DUPLICATE,
    FAILED,
    OVER_BACKLOG,
    STALE,
    WAITING,
    Decisions,
    Outcome,
    decide,
    dependency_failure,
    settle,
)
from buffer_partitions import batch_source
from buffer_recording import (
    PUBLISH_MARGIN_SECONDS,
    RECORD_ATTEMPTS,
    BufferRecording,
    StateRejectedError,
    error_code,
)
from buffer_records import Event, Rejection, parse_record, prepare_delivery, producer_attributes_of
from buffer_settings import BufferSettings
from buffer_state import PERMANENT_CODES, BufferState, Snapshot

# A delayed record becomes visible within a second after its window ends (visibility is whole seconds).
WINDOW_RETURN_SLACK_SECONDS = 2.0
FAILURE_BACKOFF_SECONDS = 5

__all__ = [
    "RECORD_ATTEMPTS",
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


class _Silent:
    """Logger/metrics stand-in so the processor runs without Powertools' context."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class BufferFunction(BufferBatchEnd, BufferRecording):
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
        logger: Any = None,
        metrics: Any = None,
    ) -> None:
        self.sqs, self.sns, self.settings, self.clock = sqs, sns, settings, clock
        self.queue_url = settings.source_queue_url
        self.sleep = sleep
        self.state = BufferState(
            dynamodb, settings.group_table, settings.group_ttl_seconds, settings.event_ttl_seconds, sleep
        )
        self.logger = logger or _Silent()
        self.metrics = metrics or _Silent()

    @property
    def publish_margin(self) -> float:
        """Seconds after a decision at which its delivery's window starts (none without an interval)."""
        return PUBLISH_MARGIN_SECONDS if self.settings.interval_seconds > 0 else 0.0

    # ------------------------------------------------------------------ the batch
    def handle(self, event: dict[str, Any]) -> BatchResult:
        started = self.clock()
        records = event.get("Records") or []
        self.queue_url = self._source_queue(records)
        parsed, parse_errors = self._parse(records, started)
        events = [p for p in parsed if isinstance(p, Event)]
        try:
            snapshot = self.state.read({e.group for e in events}, started)
            recall = [(e.group, e.event_id) for e in events if self._may_be_elsewhere(snapshot, e)]
            snapshot = self.state.recall(snapshot, recall)
        except Exception as error:  # noqa: BLE001 - nothing decided yet: every record retries
            if error_code(error) in PERMANENT_CODES:
                raise StateRejectedError(f"buffer table read rejected: {error}") from error
            self.logger.warning("buffer state unavailable; retrying the batch", extra={"error": str(error)})
            now = self.clock()
            result = BatchResult([dependency_failure(p, f"state read: {error}", now) for p in parsed])
            return self._finish(result, parsed, started)
        now = self.clock()  # after the read: a slow read must not make the window look longer
        self._shorten_retries(parsed, events, snapshot, now)
        failures = {
            p.message_id: self._failed_attempt(p, reason, now)
            for p in parsed
            if (reason := parse_errors.get(p.message_id))
        }
        rejections = [p for p in parsed if p.message_id not in failures]
        settled = {**self._dead_letter_rejections(rejections, now), **failures}
        decisions, settled = self._decide(parsed, snapshot, now, settled)
        prepared: dict[str, dict[str, Any]] = {}
        while failures := self._prepare(decisions, prepared, now):
            decisions, settled = self._decide(parsed, snapshot, now, {**settled, **failures})
        new = [e for r in decisions.rounds for e in r if not decisions.outcomes[e.message_id].republish]
        write_errors = self._record_ahead(new, snapshot, now, now + self.publish_margin)
        published, publish_errors, publish_times = self._publish(decisions, set(write_errors), prepared)
        republished = [e for r in decisions.rounds for e in r if decisions.outcomes[e.message_id].republish]
        self._correct(
            [e for e in new if e.group not in write_errors],
            republished,
            published,
            publish_times,
            snapshot,
            now,
            now + self.publish_margin,
        )
        self._warn_late_republish(decisions, snapshot, now)
        result = BatchResult(settle(parsed, decisions, publish_errors, write_errors, self.clock()))
        return self._finish(result, parsed, started)

    def _source_queue(self, records: list[dict[str, Any]]) -> str:
        """The partition queue this batch came from; groups of another partition are counted and logged."""
        source = batch_source(records, self.settings.source_queue_url, self.settings.partitions)
        if source.outside_groups:
            self.logger.warning(
                "records of groups that belong to another buffer partition",
                extra={"partition": source.partition, "groups": source.outside_groups[:10]},
            )
            self.metrics.add_metric(name="records_outside_partition", unit="Count", value=source.outside_records)
        return source.queue_url

    def _parse(self, records: list[dict[str, Any]], now: float) -> tuple[list[Event | Rejection], dict[str, str]]:
        """Parse every record; one whose parsing raises is kept as a rejection to count, not to dead-letter yet."""
        settings = self.settings
        parsed: list[Event | Rejection] = []
        errors: dict[str, str] = {}
        for record in records:
            try:
                parsed.append(
                    parse_record(record, now, settings.topic_max_message_bytes, settings.max_future_skew_seconds)
                )
            except Exception as error:  # noqa: BLE001 - this record's failed attempt, never the batch's
                unparsed = unparsed_record(record, f"parsing raised {type(error).__name__}: {error}")
                errors[unparsed.message_id] = unparsed.reason
                parsed.append(unparsed)
        return parsed, errors

    def _prepare(self, decisions: Decisions, prepared: dict[str, dict[str, Any]], now: float) -> dict[str, Outcome]:
        """Build the publish entry of every event to deliver; a record whose entry raises is a failed attempt."""
        failures: dict[str, Outcome] = {}
        for round_events in decisions.rounds:
            for event in round_events:
                if event.message_id in prepared:
                    continue
                try:
                    prepared[event.message_id] = prepare_delivery(event, self.settings.topic_fifo)
                except Exception as error:  # noqa: BLE001 - this record's failed attempt, never the batch's
                    failures[event.message_id] = self._failed_attempt(event, f"{type(error).__name__}: {error}", now)
        return failures

    def _decide_guarded(
        self, parsed: list[Event | Rejection], snapshot: Snapshot, now: float, settled: dict[str, Outcome]
    ) -> Decisions:
        """``decide``; if it raises, the record it raised on is found (its group's records decided alone,
        one more at a time) and counted as a failed attempt, and the batch is decided again without it."""
        settings = self.settings

        def run(records: list[Event | Rejection], fixed: dict[str, Outcome]) -> Decisions:
            return decide(
                records,
                snapshot.groups,
                now,
                settings.interval_seconds,
                fixed,
                settings.max_group_backlog_seconds,
                self.publish_margin,
            )

        try:
            return run(parsed, settled)
        except Exception:  # noqa: BLE001 - isolated below
            pass
        extra: dict[str, Outcome] = {}
        by_group: dict[str | None, list[Event | Rejection]] = {}
        for record in parsed:
            by_group.setdefault(record.group, []).append(record)
        for records in by_group.values():
            for count in range(1, len(records) + 1):
                try:
                    run(records[:count], settled)
                except Exception as error:  # noqa: BLE001 - found the record it raises on
                    culprit = records[count - 1]
                    extra[culprit.message_id] = self._failed_attempt(
                        culprit, f"deciding raised {type(error).__name__}: {error}", now
                    )
                    break
        return run(parsed, {**settled, **extra})

    def _decide(
        self, parsed: list[Event | Rejection], snapshot: Snapshot, now: float, settled: dict[str, Outcome]
    ) -> tuple[Decisions, dict[str, Outcome]]:
        """Decide; records over their group's backlog limit are dead-lettered first, then decided as such."""
        decisions = self._decide_guarded(parsed, snapshot, now, settled)
        over: list[tuple[Event | Rejection, str]] = [
            (p, decisions.outcomes[p.message_id].reason)
            for p in parsed
            if decisions.outcomes[p.message_id].kind == OVER_BACKLOG
        ]
        if not over:
            return decisions, settled
        sent = self._dead_letter_outcomes(over, now)
        dead = sum(1 for o in sent.values() if o.kind == DEAD_LETTERED)
        if dead:
            self.metrics.add_metric(name="group_backlog_over_limit", unit="Count", value=dead)
        settled = {**settled, **sent}
        return self._decide_guarded(parsed, snapshot, now, settled), settled

    def _may_be_elsewhere(self, snapshot: Snapshot, event: Event) -> bool:
        state = snapshot.groups.get(event.group)
        return state is not None and state.may_be_elsewhere(event.event_id, event.occurred_at)

    def _failed_attempt(self, event: Event | Rejection, reason: str, now: float) -> Outcome:
        """Count the failure for its (group, event); after ``max_attempts`` it is dead-lettered, its group goes on."""
        try:
            attempts = self.state.count_failure(event.group or "", event.event_id or event.message_id, now)
        except Exception as error:  # noqa: BLE001 - cannot count: retry later, never drop
            return dependency_failure(event, f"{reason}; failure count unavailable: {error}", now)
        if attempts >= self.settings.max_attempts:
            why = f"processing failed {attempts} times: {reason}"
            return self._dead_letter_outcomes([(event, why)], now)[event.message_id]
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
        return self._dead_letter_outcomes([(p, p.reason) for p in parsed if isinstance(p, Rejection)], now)

    def _dead_letter_outcomes(self, items: list[tuple[Event | Rejection, str]], now: float) -> dict[str, Outcome]:
        """Dead-letter ``items`` with their reasons: each is dead-lettered, or retried if the send failed."""
        failed = self._dead_letter(items)
        return {
            record.message_id: dependency_failure(record, f"dead-letter send failed: {failed[record.message_id]}", now)
            if record.message_id in failed
            else Outcome(DEAD_LETTERED, record.message_id, record.event_id, record.group, reason)
            for record, reason in items
        }

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
