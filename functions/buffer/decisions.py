"""The buffer's decisions: pure functions of (records, group state, clock).

``decide`` says, for every record of a batch, whether it goes downstream now (and in which
publish round: one event per group per round, so a failed publish never reorders a group), waits
for its group's window, waits behind an earlier record of its group, or is suppressed.
``with_outcomes`` applies what the edges reported before the publish (a dead-letter send, a message
that could not be built) to those decisions, and says when that changes what later records of a
group may do, so the batch is decided again. ``failed_attempt`` says what a record's failed attempt
leads to (a backoff, or the DLQ), ``retry_sooner`` when a batch's records should come back sooner
than the queue's visibility timeout, and ``settle`` turns what the edges reported after the
publish (publish and write results) into each record's final outcome and the instant it should
next be seen. Nothing here calls AWS or reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from group_state import GroupState, memory_key
from records import Event, Rejection

DELIVERED = "delivered"
DELAYED = "delayed"
WAITING = "waiting"
DUPLICATE = "duplicate"
STALE = "stale"
DEAD_LETTERED = "dead_lettered"
FAILED = "failed"
DELIVER = "deliver"  # a decision, not an outcome: publish it
OVER_BACKLOG = "over_backlog"  # a decision, not an outcome: dead-letter it, its group's backlog is over its limit
DEAD_LETTER = "dead_letter"  # a decision, not an outcome: dead-letter it, it failed maxAttempts times
RETRIED = (DELAYED, WAITING, FAILED)
DONE = (DELIVERED, DUPLICATE, STALE, DEAD_LETTERED)

# A record whose group another invocation changed meanwhile is decided again this soon.
CONFLICT_RETRY_SECONDS = 5.0
# An event recorded this long before it is published again may be past the topic's 5-minute
# deduplication window: the repeat is logged and counted (never suppressed: that could lose it).
PENDING_DEDUP_SAFE_SECONDS = 270.0
# Retries after a dependency failure back off with the record's receive count, up to this.
DEPENDENCY_RETRY_BASE_SECONDS = 5.0
DEPENDENCY_RETRY_MAX_SECONDS = 120.0
# A record whose handling failed comes back 5 s later per attempt counted, at most 60 s.
FAILURE_BACKOFF_SECONDS = 5
FAILURE_BACKOFF_MAX_SECONDS = 60
# A delivery is recorded as happening this long after its decision, which covers a publish call's usual
# duration; a publish that completes later than that is recorded again with the instant it completed.
# Either way the recorded instant is never before the message reached the topic, so the next delivery
# of the group (decided at least intervalSeconds after it) never reaches the downstream closer.
PUBLISH_MARGIN_SECONDS = 0.25
# A delayed record becomes visible within a second after its window ends (visibility is whole seconds).
WINDOW_RETURN_SLACK_SECONDS = 2.0


@dataclass
class Outcome:
    """What happened to one record, and when it should be received again if it is retried."""

    kind: str
    message_id: str
    event_id: str | None
    group: str | None
    reason: str = ""
    visible_at: float | None = None
    round: int = 0
    dependency: bool = False  # retried because an AWS dependency failed (alarmed)
    republish: bool = False  # already recorded, its publish unconfirmed: publish again, record nothing


@dataclass
class Decisions:
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # message id -> outcome
    rounds: list[list[Event]] = field(default_factory=list)  # events to publish, round by round


def publish_margin(interval: float) -> float:
    """Seconds after a decision at which its delivery's window starts (none without an interval)."""
    return PUBLISH_MARGIN_SECONDS if interval > 0 else 0.0


def dependency_retry_at(now: float, receive_count: int) -> float:
    """When a record that met a failing dependency is tried again: 5 s, doubling per receive, at most 120 s."""
    exponent = max(0, min(receive_count - 1, 10))
    return now + min(DEPENDENCY_RETRY_MAX_SECONDS, DEPENDENCY_RETRY_BASE_SECONDS * 2**exponent)


def dependency_failure(record: Event | Rejection, reason: str, now: float) -> Outcome:
    """A record that met a failing AWS dependency: retried with a backoff, and alarmed."""
    outcome = _outcome(record, FAILED, reason, dependency_retry_at(now, record.receive_count))
    outcome.dependency = True
    return outcome


def failed_attempt(record: Event | Rejection, attempts: int, max_attempts: int, reason: str, now: float) -> Outcome:
    """A record whose handling failed, its ``attempts`` counted: back off, or ``DEAD_LETTER`` after ``max_attempts``.

    Backing off, it holds its group until it comes back; dead-lettered, its group goes on without it."""
    if attempts >= max_attempts:
        return _outcome(record, DEAD_LETTER, f"processing failed {attempts} times: {reason}")
    backoff = min(FAILURE_BACKOFF_SECONDS * attempts, FAILURE_BACKOFF_MAX_SECONDS)
    return _outcome(record, FAILED, f"attempt {attempts}/{max_attempts}: {reason}", now + backoff)


def retry_sooner(events: list[Event], groups: dict[str, GroupState], now: float, interval: float) -> bool:
    """Whether a batch's records should come back after the function timeout, not the queue's visibility timeout.

    A record received before may have been published by an attempt that then died. Its repeat is
    absorbed by the topic's 5-minute deduplication only if it happens soon, so should this attempt
    die too, the batch had better come back soon. A record that came back just as its group's window
    ended was delayed, not crashed, and needs nothing.
    """

    def came_back_at_window_end(event: Event) -> bool:
        state = groups.get(event.group)
        if state is None:
            return False
        window_end = state.last_delivered_at + interval
        return window_end <= now < window_end + WINDOW_RETURN_SLACK_SECONDS

    return any(e.receive_count > 1 and not came_back_at_window_end(e) for e in events)


def with_outcomes(decisions: Decisions, changed: dict[str, Outcome]) -> Decisions | None:
    """``decisions`` with the ``changed`` outcomes the edges fixed put in place, or None: decide the batch again.

    A record dead-lettered instead of waiting (``OVER_BACKLOG`` sent) changes nothing else: such a
    record never held its group. One that now holds its group (a failed dead-letter send, a failed
    attempt) makes its group's later records wait, and one that is no longer delivered leaves its
    group's window where it was: either changes what the later records of its group may do.
    """
    for message_id, outcome in changed.items():
        if outcome.kind in RETRIED or decisions.outcomes[message_id].kind == DELIVER:
            return None
    return Decisions({**decisions.outcomes, **changed}, decisions.rounds)


def _outcome(record: Event | Rejection, kind: str, reason: str = "", visible_at: float | None = None) -> Outcome:
    return Outcome(kind, record.message_id, record.event_id, record.group, reason, visible_at)


def decide(
    records: list[Event | Rejection],
    groups: dict[str, GroupState],
    now: float,
    interval: float,
    settled: dict[str, Outcome] | None = None,
    max_backlog_seconds: float = 0.0,
    publish_margin: float = 0.0,
) -> Decisions:
    """Decide every record in batch order. ``settled`` holds outcomes the edges already fixed
    (a dead-letter send that failed, a processing failure); rejections not in it are dead-lettered.

    With ``max_backlog_seconds``, an event that must wait for its group's window after it already
    waited longer than that in the queue is ``OVER_BACKLOG``: its group's backlog cannot drain in
    time, and the queue's retention would otherwise expire it unseen. It does not hold its group.

    A delivery's window starts ``publish_margin`` after the decision: by then its publish has
    completed (or the edges record the later instant it did), so the message reached the topic before
    its window started and the next delivery of its group, decided after the window, comes later."""
    settled = settled or {}
    decisions = Decisions()
    blocked: dict[str, float] = {}
    working = dict(groups)
    seen: set[tuple[str, str]] = set()  # (group, event id): ids are per group
    group_round: dict[str, int] = {}
    for record in records:
        if record.group is not None and record.group in blocked:
            decisions.outcomes[record.message_id] = _outcome(
                record, WAITING, "an earlier event of its group is waiting", blocked[record.group]
            )
            continue
        outcome = settled.get(record.message_id)
        if outcome is None and isinstance(record, Rejection):
            outcome = _outcome(record, DEAD_LETTERED, record.reason)
        if outcome is None and isinstance(record, Event):
            outcome = _judge(record, working.get(record.group), seen, now, interval)
            if outcome is not None and outcome.kind == DELAYED:
                outcome = _over_backlog(record, now, max_backlog_seconds) or outcome
        if outcome is None and isinstance(record, Event):
            state = working.get(record.group)
            republish = state is not None and _is_pending(state, record) and state.remembers(record.event_id)
            index = group_round.get(record.group, -1) + 1
            group_round[record.group] = index
            while len(decisions.rounds) <= index:
                decisions.rounds.append([])
            decisions.rounds[index].append(record)
            seen.add((record.group, record.event_id))
            previous = working.get(record.group)
            recent = {**(previous.recent if previous else {}), memory_key(record.event_id): record.occurred_at}
            working[record.group] = GroupState(now + publish_margin, record.occurred_at, record.event_id, 0, recent)
            decisions.outcomes[record.message_id] = _outcome(record, DELIVER)
            decisions.outcomes[record.message_id].round = index
            decisions.outcomes[record.message_id].republish = republish
            continue
        assert outcome is not None
        decisions.outcomes[record.message_id] = outcome
        if outcome.kind in RETRIED and record.group is not None:
            blocked.setdefault(record.group, outcome.visible_at if outcome.visible_at is not None else now)
    return decisions


def _judge(
    event: Event, state: GroupState | None, seen: set[tuple[str, str]], now: float, interval: float
) -> Outcome | None:
    """None means deliver now; otherwise the record's outcome.

    An event recorded before its publish was confirmed (pending) is never suppressed nor held by its
    own window: it goes out again, and the topic's deduplication absorbs it if the first publish
    happened.
    """
    pending = state is not None and _is_pending(state, event)
    if (event.group, event.event_id) in seen or (state is not None and state.remembers(event.event_id) and not pending):
        return _outcome(event, DUPLICATE, "event id already delivered")
    if state is not None and event.occurred_at < state.last_occurred_at and not pending:
        return _outcome(
            event, STALE, f"occurredAt {event.occurred_at} is older than the last delivered {state.last_occurred_at}"
        )
    if state is not None and now < state.last_delivered_at + interval and not pending:
        window_end = state.last_delivered_at + interval
        return _outcome(event, DELAYED, f"group window ends at {window_end}", window_end)
    return None


def _is_pending(state: GroupState, event: Event) -> bool:
    """Recorded under this message, or under the one it was before being dead-lettered and put back."""
    return any(state.is_pending(message_id) for message_id in event.message_ids)


def _over_backlog(event: Event, now: float, max_backlog_seconds: float) -> Outcome | None:
    if max_backlog_seconds <= 0 or event.sent_at is None:
        return None
    waited = now - event.sent_at
    if waited <= max_backlog_seconds:
        return None
    return _outcome(
        event,
        OVER_BACKLOG,
        f"backlog over its limit: waited {waited:.0f} s in the buffer queue, more than "
        f"{max_backlog_seconds:.0f} s (eventfork:buffer.maxGroupBacklogSeconds), and must still wait for its "
        "group's window; the backlog ahead of it (its group's, or any past the FIFO receive scan) would "
        "otherwise let the queue's retention expire it",
    )


def settle(
    records: list[Event | Rejection],
    decisions: Decisions,
    publish_errors: dict[str, str],
    write_errors: dict[str, tuple[str, bool]],
    now: float,
) -> list[Outcome]:
    """Final outcomes in batch order, given the edges' results.

    ``write_errors``: group -> (reason, whether it is a dependency failure) for groups whose record
    failed before their publish: nothing of theirs was published. ``publish_errors``: message id ->
    error for events whose publish failed (later rounds of their group were not published). Only the
    first retried record of a group stays in flight until it can next be decided; every later record
    of its group is released (visible at once). A FIFO receive returns nothing of a group past a
    message of it that is in flight, so the released records wait in the queue behind the first one,
    in order, without holding an in-flight slot (SQS allows 120,000): a waiting user costs one
    in-flight message, whatever the batch size. Released records never come back before the first
    one, so they cannot hold it back.
    """
    outcomes: list[Outcome] = []
    group_failed: set[str] = set()
    for record in records:
        outcome = decisions.outcomes[record.message_id]
        assert outcome.kind not in (OVER_BACKLOG, DEAD_LETTER), "the edges dead-letter these before settling"
        if outcome.kind == DELIVER:
            assert isinstance(record, Event)
            if record.group in write_errors and not outcome.republish:
                reason, dependency = write_errors[record.group]
                if dependency:
                    outcome = dependency_failure(record, reason, now)
                else:
                    outcome = _outcome(record, FAILED, reason, now + CONFLICT_RETRY_SECONDS)
                group_failed.add(record.group)
            elif record.message_id in publish_errors:
                outcome = dependency_failure(record, f"publish failed: {publish_errors[record.message_id]}", now)
                group_failed.add(record.group)
            elif record.group in group_failed:
                outcome = _outcome(record, WAITING, "an earlier event of its group failed")
            else:
                outcome = _outcome(record, DELIVERED)
        outcomes.append(outcome)
    first_retry: dict[str, float] = {}
    for outcome in outcomes:
        if outcome.group is None or outcome.kind not in RETRIED:
            continue
        if outcome.group in first_retry:
            outcome.visible_at = now  # released: blocked behind the group's in-flight first record
            if outcome.kind == DELAYED:
                outcome.kind, outcome.reason = WAITING, "an earlier event of its group is retried"
        else:
            first_retry[outcome.group] = outcome.visible_at if outcome.visible_at is not None else now
            outcome.visible_at = first_retry[outcome.group]
    return outcomes
