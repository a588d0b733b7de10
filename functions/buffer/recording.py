"""Recording deliveries in the group table: before the publish (marked pending), corrected after it when needed.

Writing first means a state table that cannot be written stops publishing instead of letting a
publish be repeated after the topic's 5-minute deduplication window. The writes are the group
table's (``aws_edge.GroupTable``); what they hold is ``group_state``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_edge import GroupTable, StateRejectedError, is_permanent
from decisions import PENDING_DEDUP_SAFE_SECONDS, Decisions
from group_state import Delivery, Snapshot, pending_key
from records import Event

# State writes are retried this many times in the invocation before giving up.
RECORD_ATTEMPTS = 3
RECORD_BACKOFF_SECONDS = 0.2


class DeliveryRecorder:
    """Writes a batch's deliveries to the group table (table, sleep, logger and metrics injected)."""

    def __init__(self, table: GroupTable, sleep: Callable[[float], None], logger: Any, metrics: Any) -> None:
        self.table, self.sleep, self.logger, self.metrics = table, sleep, logger, metrics

    def record_ahead(
        self, events: list[Event], snapshot: Snapshot, now: float, recorded_at: float
    ) -> dict[str, tuple[str, bool]]:
        """Record deliveries before publishing them, marked pending; returns group -> (reason, dependency).

        Writing first means a state table that cannot be written stops publishing instead of letting a
        publish be repeated after the topic's 5-minute deduplication window. A write no retry can cure
        fails the invocation (nothing was published).
        """
        pending: dict[str, dict[str, float]] = {}
        for e in events:
            pending.setdefault(e.group, {})[pending_key(e.message_id)] = now
        deliveries = [Delivery(e.group, e.event_id, e.occurred_at, recorded_at) for e in events]
        reasons: dict[str, tuple[str, bool]] = {}
        for attempt in range(RECORD_ATTEMPTS):
            if not deliveries:
                break
            if attempt:
                self.sleep(RECORD_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                failures = self.table.record(deliveries, snapshot, pending=pending)
            except Exception as error:  # noqa: BLE001 - nothing written, nothing published: retried later
                if is_permanent(error):
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

    def correct(
        self,
        recorded: list[Event],
        republished: list[Event],
        published: list[Event],
        completed: dict[str, float],
        snapshot: Snapshot,
        now: float,
        recorded_at: float,
    ) -> None:
        """After the publish: undo what failed to publish, and move a slow publish's time to when it happened.

        Both are rare; the write is tried ``RECORD_ATTEMPTS`` times. If it still fails, the state keeps
        the early record: an unpublished event stays pending (it is published again when it comes back)
        and a slow publish's window starts early by what the publish took past the margin; that is
        counted as ``state_not_corrected`` (the limit the README's Guarantees table states).
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
            slow = any(completed[e.message_id] > recorded_at for e in ok)
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
        not_corrected = len(written)
        for attempt in range(RECORD_ATTEMPTS):
            if attempt:
                self.sleep(RECORD_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                failures = self.table.record(fixes, snapshot, pending=pending, written=written, restore=restore)
            except Exception as error:  # noqa: BLE001 - see the docstring: counted, tried again
                self.logger.warning("could not correct the buffer state after publishing", extra={"error": str(error)})
                continue
            not_corrected = len(failures)
            retry = {g for g, f in failures.items() if not f.conflict and not f.permanent}
            if not retry:
                break
            fixes = [f for f in fixes if f.group in retry]
            written = {g: v for g, v in written.items() if g in retry}
            pending = {g: p for g, p in pending.items() if g in retry}
            restore = [g for g in restore if g in retry]
        if not_corrected:
            self.metrics.add_metric(name="state_not_corrected", unit="Count", value=not_corrected)

    def warn_late_republish(self, decisions: Decisions, snapshot: Snapshot, now: float) -> None:
        """An event published again long after it was recorded may reach the downstream twice: say so."""
        for round_events in decisions.rounds:
            for e in round_events:
                state = snapshot.groups.get(e.group)
                if not decisions.outcomes[e.message_id].republish or state is None:
                    continue
                marks = [state.pending[k] for k in map(pending_key, e.message_ids) if k in state.pending]
                since = now - min(marks, default=now)
                if since > PENDING_DEDUP_SAFE_SECONDS:
                    self.logger.warning("republishing after the deduplication window", extra={"eventId": e.event_id})
                    self.metrics.add_metric(name="late_republish", unit="Count", value=1)
