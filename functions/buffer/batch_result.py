"""How a batch ends: its result, each retried record's visibility, and what is counted and logged.

Once the outcomes are settled, what remains is carrying them out with SQS (visibility, and deleting
the finished records before an alarmed failure) and reporting them; nothing here decides anything.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_edge import AwsEdge
from decisions import DEAD_LETTERED, DELAYED, DELIVERED, DONE, DUPLICATE, FAILED, RETRIED, STALE, WAITING, Outcome
from records import Event, Rejection

MAX_VISIBILITY_SECONDS = 43_200
# SQS caps a message's visibility at 12 hours from its receive; the receive happened before the
# invocation started (by at most the event source's 300-second batching window).
VISIBILITY_RECEIVE_MARGIN_SECONDS = 300


class DependencyUnavailableError(RuntimeError):
    """An AWS dependency failed; the records come back with a backoff and the invocation is alarmed."""


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

    def raise_for_dependency_failures(self) -> None:
        """Fail the invocation when a dependency failed, so the function's errors alarm fires.

        Its records already come back with a backoff, and the finished ones were deleted.
        """
        errors = self.dependency_errors
        if errors:
            raise DependencyUnavailableError(
                f"{len(errors)} record(s) retried after a dependency failure, first: {errors[0]}"
            )

    def count(self, kind: str) -> int:
        return sum(1 for o in self.outcomes if o.kind == kind)


class BatchEnd:
    """Ends every batch with the SQS calls of the edge (clock, logger and metrics injected)."""

    def __init__(self, edge: AwsEdge, clock: Callable[[], float], logger: Any, metrics: Any) -> None:
        self.edge, self.clock, self.logger, self.metrics = edge, clock, logger, metrics

    def change_visibility(self, queue_url: str, changes: list[tuple[str, int]]) -> None:
        """Set the visibility of records (receipt handle, seconds); what SQS refused is logged and counted."""
        not_set = self.edge.change_visibility(queue_url, changes)
        if not_set:
            # Such a record comes back after the queue's visibility timeout instead: earlier or later, never lost.
            self.logger.warning("could not set visibility", extra={"errors": not_set[:10]})
            self.metrics.add_metric(name="visibility_not_set", unit="Count", value=len(not_set))

    def finish(
        self, result: BatchResult, parsed: list[Event | Rejection], started: float, queue_url: str
    ) -> BatchResult:
        """Carry the settled outcomes out with SQS and report them; nothing here decides anything."""
        self._extend_visibility(result, parsed, started, queue_url)
        self._report(result)
        if result.dependency_errors:
            self._delete_finished(result, parsed, queue_url)
        return result

    def _extend_visibility(
        self, result: BatchResult, parsed: list[Event | Rejection], started: float, queue_url: str
    ) -> None:
        """Make each retried record visible again exactly when it can next be decided (within SQS's cap)."""
        handles = {p.message_id: p.receipt_handle for p in parsed}
        now = self.clock()
        cap = max(0, MAX_VISIBILITY_SECONDS - VISIBILITY_RECEIVE_MARGIN_SECONDS - math.ceil(now - started))
        self.change_visibility(
            queue_url,
            [
                (handles[o.message_id], min(cap, max(0, math.ceil(o.visible_at - now))))
                for o in result.outcomes
                if o.kind in RETRIED and o.visible_at is not None
            ],
        )

    def _delete_finished(self, result: BatchResult, parsed: list[Event | Rejection], queue_url: str) -> None:
        """Before the invocation fails, delete what it finished, so only the retried records come back."""
        handles = {p.message_id: p.receipt_handle for p in parsed}
        done = [handles[o.message_id] for o in result.outcomes if o.kind in DONE]
        for error in self.edge.delete_messages(queue_url, done):
            self.logger.warning("could not delete finished records", extra={"error": error})

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
