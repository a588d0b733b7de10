"""One batch of the buffer queue, carried out: parse, read state, decide, record, publish, settle, report.

What to do with each record is decided in ``decisions`` from (records, state, clock); this module
only carries it out with the ``AwsEdge`` it is given, the ``DeliveryRecorder`` writing the group
table and the ``BatchEnd`` of ``batch_result`` (visibility, deletes, metrics). The pure steps it
calls (``parse_record``, ``decide``, ``prepare_delivery``, ``settle``) are constructor parameters
too, so the simulator can inject a fault at the real point where a message is built and the bench
can play an earlier design.

The batch is decided once. Only an edge result that changes what later records of a group may do
(a dead-letter send that failed, a message that could not be built) makes it decided again, with
every outcome fixed so far passed along, so nothing is counted twice.

Every step that handles one record (parsing it, deciding its group, building its message) runs
guarded: an unexpected error there is that record's failed attempt, counted for its (group, event),
its group waits behind it and the other groups go on; after ``maxAttempts`` it is dead-lettered
with the error as its reason.

A failing dependency (state read or write, publish, dead-letter send) never dead-letters a healthy
event: its records come back with a backoff (5 s doubling per receive, at most 120 s), and the
invocation then fails so the function's errors alarm fires, after deleting the records it did
finish so they are not processed twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aws_edge import AwsEdge, StateRejectedError, is_permanent
from batch_result import BatchEnd, BatchResult
from decisions import (
    DEAD_LETTER,
    DEAD_LETTERED,
    OVER_BACKLOG,
    Decisions,
    Outcome,
    decide,
    dependency_failure,
    failed_attempt,
    publish_margin,
    retry_sooner,
    settle,
    with_outcomes,
)
from group_state import Snapshot
from messages import message_bytes
from partitions import batch_source
from recording import DeliveryRecorder
from records import Event, Rejection, dead_letter_entry, parse_record, prepare_delivery, unparsed_record
from settings import BufferSettings

Parsed = Event | Rejection


class _Silent:
    """Logger/metrics stand-in so the processor runs without Powertools' context."""

    def __getattr__(self, _name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class BufferFunction:
    """Carries out one batch. The AWS edge, clock, sleep, logger, metrics and the pure steps are injected."""

    def __init__(
        self,
        *,
        edge: AwsEdge,
        settings: BufferSettings,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        logger: Any = None,
        metrics: Any = None,
        parse_record: Callable[..., Parsed] = parse_record,
        decide: Callable[..., Decisions] = decide,
        prepare_delivery: Callable[[Event, bool], dict[str, Any]] = prepare_delivery,
        settle: Callable[..., list[Outcome]] = settle,
    ) -> None:
        self.edge, self.settings, self.clock = edge, settings, clock
        self.logger = logger or _Silent()
        self.metrics = metrics or _Silent()
        self.recorder = DeliveryRecorder(edge.table, sleep, self.logger, self.metrics)
        self.batch_end = BatchEnd(edge, clock, self.logger, self.metrics)
        self.parse_record, self.decide = parse_record, decide
        self.prepare_delivery, self.settle = prepare_delivery, settle
        self.queue_url = settings.source_queue_url  # the buffer queue (partition) the current batch came from
        self.publish_margin = publish_margin(settings.interval_seconds)

    # ------------------------------------------------------------------ the batch
    def handle(self, event: dict[str, Any]) -> BatchResult:
        started = self.clock()
        records = event.get("Records") or []
        self.queue_url = self._source_queue(records)
        parsed, parse_errors = self._parse(records, started)
        events = [p for p in parsed if isinstance(p, Event)]
        try:
            snapshot = self.edge.table.read({e.group for e in events}, started)
            recall = [(e.group, e.event_id) for e in events if self._may_be_elsewhere(snapshot, e)]
            snapshot = self.edge.table.recall(snapshot, recall)
        except Exception as error:  # noqa: BLE001 - nothing decided yet: every record retries
            if is_permanent(error):
                raise StateRejectedError(f"buffer table read rejected: {error}") from error
            self.logger.warning("buffer state unavailable; retrying the batch", extra={"error": str(error)})
            now = self.clock()
            result = BatchResult([dependency_failure(p, f"state read: {error}", now) for p in parsed])
            return self.batch_end.finish(result, parsed, started, self.queue_url)
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
        write_errors = self.recorder.record_ahead(new, snapshot, now, now + self.publish_margin)
        published, publish_errors, publish_times = self._publish(decisions, set(write_errors), prepared)
        republished = [e for r in decisions.rounds for e in r if decisions.outcomes[e.message_id].republish]
        self.recorder.correct(
            [e for e in new if e.group not in write_errors],
            republished,
            published,
            publish_times,
            snapshot,
            now,
            now + self.publish_margin,
        )
        self.recorder.warn_late_republish(decisions, snapshot, now)
        result = BatchResult(self.settle(parsed, decisions, publish_errors, write_errors, self.clock()))
        return self.batch_end.finish(result, parsed, started, self.queue_url)

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

    def _parse(self, records: list[dict[str, Any]], now: float) -> tuple[list[Parsed], dict[str, str]]:
        """Parse every record; one whose parsing raises is kept as a rejection to count, not to dead-letter yet."""
        settings = self.settings
        parsed: list[Parsed] = []
        errors: dict[str, str] = {}
        for record in records:
            try:
                parsed.append(
                    self.parse_record(record, now, settings.topic_max_message_bytes, settings.max_future_skew_seconds)
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
                    prepared[event.message_id] = self.prepare_delivery(event, self.settings.topic_fifo)
                except Exception as error:  # noqa: BLE001 - this record's failed attempt, never the batch's
                    failures[event.message_id] = self._failed_attempt(event, f"{type(error).__name__}: {error}", now)
        return failures

    def _decide_guarded(
        self, parsed: list[Parsed], snapshot: Snapshot, now: float, settled: dict[str, Outcome]
    ) -> tuple[Decisions, dict[str, Outcome]]:
        """``decide``; if it raises, the record it raised on is found (its group's records decided alone,
        one more at a time) and counted as a failed attempt, and the batch is decided again without it.

        Returns ``settled`` with those failed attempts, so deciding again never counts them twice."""
        settings = self.settings

        def run(records: list[Parsed], fixed: dict[str, Outcome]) -> Decisions:
            return self.decide(
                records,
                snapshot.groups,
                now,
                settings.interval_seconds,
                fixed,
                settings.max_group_backlog_seconds,
                self.publish_margin,
            )

        try:
            return run(parsed, settled), settled
        except Exception:  # noqa: BLE001 - isolated below
            pass
        extra: dict[str, Outcome] = {}
        by_group: dict[str | None, list[Parsed]] = {}
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
        settled = {**settled, **extra}
        return run(parsed, settled), settled

    def _decide(
        self, parsed: list[Parsed], snapshot: Snapshot, now: float, settled: dict[str, Outcome]
    ) -> tuple[Decisions, dict[str, Outcome]]:
        """Decide; records over their group's backlog limit are then dead-lettered, and the sends' results
        applied (``with_outcomes``): the batch is decided again only if one of them changes its group."""
        decisions, settled = self._decide_guarded(parsed, snapshot, now, settled)
        over: list[tuple[Parsed, str]] = [
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
        applied = with_outcomes(decisions, sent)
        if applied is not None:
            return applied, settled
        return self._decide_guarded(parsed, snapshot, now, settled)

    def _may_be_elsewhere(self, snapshot: Snapshot, event: Event) -> bool:
        state = snapshot.groups.get(event.group)
        return state is not None and state.may_be_elsewhere(event.event_id, event.occurred_at)

    def _failed_attempt(self, event: Parsed, reason: str, now: float) -> Outcome:
        """Count the failure for its (group, event); ``failed_attempt`` says: back off, or dead-letter it."""
        try:
            attempts = self.edge.table.count_failure(event.group or "", event.event_id or event.message_id, now)
        except Exception as error:  # noqa: BLE001 - cannot count: retry later, never drop
            return dependency_failure(event, f"{reason}; failure count unavailable: {error}", now)
        outcome = failed_attempt(event, attempts, self.settings.max_attempts, reason, now)
        if outcome.kind == DEAD_LETTER:
            return self._dead_letter_outcomes([(event, outcome.reason)], now)[event.message_id]
        return outcome

    def _shorten_retries(self, parsed: list[Parsed], events: list[Event], snapshot: Snapshot, now: float) -> None:
        """Make the whole batch come back after the function timeout when ``retry_sooner`` says so.

        The rejected records too: one in-flight record of a group holds back the others. Costs one
        call, only in batches with a suspected crash.
        """
        seconds = self.settings.retry_visibility_seconds
        if seconds > 0 and retry_sooner(events, snapshot.groups, now, self.settings.interval_seconds):
            self._change_visibility([(p.receipt_handle, seconds) for p in parsed])

    # ------------------------------------------------------------------ side effects
    def _dead_letter_rejections(self, parsed: list[Parsed], now: float) -> dict[str, Outcome]:
        """Send rejections to the DLQ; a failed send becomes a dependency failure that blocks its group."""
        return self._dead_letter_outcomes([(p, p.reason) for p in parsed if isinstance(p, Rejection)], now)

    def _dead_letter_outcomes(self, items: list[tuple[Parsed, str]], now: float) -> dict[str, Outcome]:
        """Dead-letter ``items`` with their reasons: each is dead-lettered, or retried if the send failed."""
        failed: dict[str, str] = {}
        entries: list[tuple[str, dict[str, Any]]] = []
        for item, reason in items:
            entry = dead_letter_entry(item, reason)
            body = entry["MessageBody"]
            if message_bytes(body, entry["MessageAttributes"]) > self.settings.dlq_max_message_bytes:
                failed[item.message_id] = f"too large for the dead-letter queue ({len(body.encode())} bytes)"
                continue
            entries.append((item.message_id, entry))
            self.logger.error("dead-lettered", extra={"eventId": item.event_id, "group": item.group, "reason": reason})
        failed.update(self.edge.send_dead_letters(entries))
        return {
            record.message_id: dependency_failure(record, f"dead-letter send failed: {failed[record.message_id]}", now)
            if record.message_id in failed
            else Outcome(DEAD_LETTERED, record.message_id, record.event_id, record.group, reason)
            for record, reason in items
        }

    def _publish(
        self, decisions: Decisions, skipped_groups: set[str], prepared: dict[str, dict[str, Any]]
    ) -> tuple[list[Event], dict[str, str], dict[str, float]]:
        """Publish round by round (one event per group per round) so a failure never reorders a group.

        Returns the published events, errors by message id, and when each publish completed.
        """
        published: list[Event] = []
        errors: dict[str, str] = {}
        completed: dict[str, float] = {}
        failed_groups: set[str] = set(skipped_groups)
        for round_events in decisions.rounds:
            pending = [e for e in round_events if e.group not in failed_groups]
            round_errors, round_completed = self.edge.publish([(e.message_id, prepared[e.message_id]) for e in pending])
            for e in pending:
                if e.message_id in round_errors:
                    failed_groups.add(e.group)
                    errors[e.message_id] = round_errors[e.message_id]
                else:
                    published.append(e)
                    completed[e.message_id] = round_completed[e.message_id]
        return published, errors, completed

    def _change_visibility(self, changes: list[tuple[str, int]]) -> None:
        self.batch_end.change_visibility(self.queue_url, changes)
