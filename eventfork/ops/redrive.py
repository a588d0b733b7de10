"""Put the buffer DLQ's events back, each to its group's partition queue, and say first what will happen.

The prediction runs the buffer's own code: ``parse_record`` on the message exactly as the buffer will
receive it, the group items read as the buffer reads them (``GroupTable.read``, strongly consistent),
and ``decide``. An event is delivered, suppressed as stale (its ``occurredAt`` is older than its group's
last delivery) or as a duplicate (its id was delivered), waits for its group's window, or is
dead-lettered again (what it is still cannot be delivered). A redrive sends each event with a
deduplication id derived from its DLQ message and deletes the DLQ message only after the send
succeeded: a run interrupted between the two sends it again on the next run, and SQS (within 5
minutes) or the buffer's memory of delivered ids (after) absorbs the repeat, so nothing is delivered
twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventfork.ops import buffer_code
from eventfork.ops.dead_letters import DeadLetter, read, release

MAX_VISIBILITY_SECONDS = 43_200


class InterruptedRedriveError(Exception):
    """The run stopped between a send and its delete (``stop_after``): as a crash, nothing is released."""

    def __init__(self, message: str, outcome: Outcome) -> None:
        super().__init__(message)
        self.outcome = outcome


DELIVER, STALE, DUPLICATE, DEAD_LETTER_AGAIN, SKIP = "deliver", "stale", "duplicate", "dead-letter again", "skip"


@dataclass(frozen=True)
class Target:
    """Where a stack's buffer reads from, from its outputs."""

    dlq_url: str
    queue_urls: list[str]
    table_name: str
    interval_seconds: float


@dataclass
class Verdict:
    letter: DeadLetter
    action: str  # DELIVER, STALE, DUPLICATE, DEAD_LETTER_AGAIN or SKIP
    why: str
    partition: int | None = None
    sent: bool = False
    error: str | None = None
    sent_message_id: str | None = None  # the buffer queue's message id of the redriven event

    def line(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "eventId": self.letter.event_id,
            "groupId": self.letter.group,
            "messageId": self.letter.message_id,
            "action": self.action,
            "why": self.why,
        }
        if self.partition is not None:
            out["partition"] = self.partition
        if self.sent:
            out["redriven"] = True
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class Outcome:
    verdicts: list[Verdict] = field(default_factory=list)
    not_reached: int = 0  # DLQ messages behind unselected or unread ones of their group

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.error]


def _lambda_record(letter: DeadLetter, now: float) -> dict[str, Any]:
    """The record the buffer will get for this event once redriven (attributes in Lambda's shape)."""
    return {
        "messageId": f"redrive-of-{letter.message_id}",
        "receiptHandle": "",
        "body": letter.body,
        "attributes": {
            "MessageGroupId": letter.group,
            "MessageDeduplicationId": letter.redrive_dedup_id(),
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(now * 1000)),
        },
        "messageAttributes": {
            name: {"dataType": value["DataType"], "stringValue": value["StringValue"]}
            for name, value in letter.redrive_attributes().items()
        },
    }


def predict(
    letters: list[DeadLetter], dynamodb: Any, target: Target, now: float, include_unknown_ids: bool = False
) -> list[Verdict]:
    """What the buffer will do with each event if they are redriven now, in this order."""
    records = buffer_code.load("records")
    decisions = buffer_code.load("decisions")
    aws_edge = buffer_code.load("aws_edge")
    group_state = buffer_code.load("group_state")
    partitions = buffer_code.load("partitions")
    verdicts: list[Verdict] = []
    parsed: dict[str, Any] = {}
    for letter in letters:
        if letter.group is None:
            verdicts.append(Verdict(letter, SKIP, "it has no message group: the buffer would reject it again"))
            continue
        if letter.event_id is None and not include_unknown_ids:
            verdicts.append(
                Verdict(
                    letter,
                    SKIP,
                    "its event id is unknown (SQS dead-lettered it and the producer sent no eventId attribute); "
                    "--include-unknown-ids redrives it as a new event",
                )
            )
            continue
        if letter.event_id is None:
            letter.event_id = letter.message_id
        event = records.parse_record(_lambda_record(letter, now), now)
        part = partitions.partition_of(letter.group, len(target.queue_urls))
        if isinstance(event, records.Rejection):
            verdicts.append(Verdict(letter, DEAD_LETTER_AGAIN, event.reason, part))
            continue
        parsed[letter.message_id] = event
        verdicts.append(Verdict(letter, DELIVER, "", part))
    state = aws_edge.GroupTable(dynamodb, target.table_name, 0, 0)
    events = list(parsed.values())
    snapshot = state.read({e.group for e in events}, now)
    snapshot = state.recall(snapshot, [(e.group, e.event_id) for e in events])
    groups = dict(snapshot.groups)
    when: dict[str, float] = {}
    for verdict in verdicts:
        event = parsed.get(verdict.letter.message_id)
        if event is None or verdict.action != DELIVER:
            continue
        at = when.get(event.group, now)
        decided = decisions.decide([event], groups, at, target.interval_seconds).outcomes[event.message_id]
        if decided.kind == decisions.DELAYED:
            at = decided.visible_at
            decided = decisions.decide([event], groups, at, target.interval_seconds).outcomes[event.message_id]
        if decided.kind == decisions.DUPLICATE:
            verdict.action, verdict.why = DUPLICATE, f"event {event.event_id} was already delivered"
        elif decided.kind == decisions.STALE:
            verdict.action, verdict.why = STALE, decided.reason + " (a newer event of its group was delivered)"
        else:
            wait = f" (after its group's window, in {at - now:.0f} s)" if at > now else ""
            verdict.why = "nothing newer of its group was delivered" + wait
            previous = groups.get(event.group)
            recent = {
                **(previous.recent if previous else {}),
                group_state.memory_key(event.event_id): event.occurred_at,
            }
            groups[event.group] = group_state.GroupState(at, event.occurred_at, event.event_id, 0, recent)
            when[event.group] = at
    return verdicts


def redrive(
    sqs: Any,
    dynamodb: Any,
    target: Target,
    *,
    ids: set[str] | None = None,
    apply: bool = False,
    rate: float = 10.0,
    limit: int = 10_000,
    include_unknown_ids: bool = False,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    on_error: Callable[[str], None] = lambda message: None,
    stop_after: int | None = None,
) -> Outcome:
    """Predict, and with ``apply`` send each event to its partition, then delete it from the DLQ.

    Stale and duplicate events are sent too when selected: the buffer suppresses and counts them, as it
    would have; only what cannot be redriven (no group, unknown id) stays. ``stop_after`` stops after that
    many sends, before the last one's delete, and raises ``InterruptedRedriveError`` (a run that died there)."""
    visibility = min(MAX_VISIBILITY_SECONDS, max(120, int(limit / max(rate, 0.1)) + 120)) if apply else 120
    reading = read(sqs, target.dlq_url, limit, visibility)
    chosen = [d for d in reading.letters if ids is None or d.matches(ids)]
    others = [d for d in reading.letters if d not in chosen]
    outcome = Outcome(predict(chosen, dynamodb, target, clock(), include_unknown_ids), reading.behind)
    try:
        if apply:
            sent = 0
            for verdict in outcome.verdicts:
                if verdict.action == SKIP or verdict.partition is None:
                    continue
                letter = verdict.letter
                try:
                    response = sqs.send_message(
                        QueueUrl=target.queue_urls[verdict.partition],
                        MessageBody=letter.body,
                        MessageGroupId=letter.group,
                        MessageDeduplicationId=letter.redrive_dedup_id(),
                        MessageAttributes=letter.redrive_attributes(),
                    )
                except Exception as error:  # noqa: BLE001 - reported per event; it stays in the DLQ
                    verdict.error = f"send failed: {error}"
                    others.append(letter)
                    continue
                verdict.sent, verdict.sent_message_id = True, str(response.get("MessageId", ""))
                sent += 1
                if stop_after is not None and sent >= stop_after:
                    raise InterruptedRedriveError(f"stopped after {sent} sends, before deleting the last one", outcome)
                try:
                    sqs.delete_message(QueueUrl=target.dlq_url, ReceiptHandle=letter.receipt_handle)
                except Exception as error:  # noqa: BLE001 - sent: a later run sends it again, deduplicated
                    verdict.error = f"sent, but not deleted from the DLQ (a later run is deduplicated): {error}"
                sleep(1.0 / rate)
            others.extend(v.letter for v in outcome.verdicts if v.action == SKIP)
        else:
            others.extend(v.letter for v in outcome.verdicts)
    except InterruptedRedriveError:
        raise
    except BaseException:
        release(sqs, target.dlq_url, others, on_error)
        raise
    release(sqs, target.dlq_url, others, on_error)
    return outcome
