"""Operator actions in a scenario: ``redriveDlq`` puts the buffer DLQ's events back at a virtual second.

``via: "ops"`` (the default) runs ``python -m eventfork ops dlq redrive``'s own code (a dry run, then
the redrive, with the same boto3 calls it makes on AWS, here answered by the emulator); ``via: "sqs"``
starts SQS's own redrive (``StartMessageMoveTask`` to partition 0's queue, as the console's "Start DLQ
redrive" to a custom destination does). Each redriven event is followed to what the buffer did with it.
"""

from __future__ import annotations

from typing import Any

import boto3

from eventfork.ops.redrive import InterruptedRedriveError, Target, redrive
from local.account import ACCOUNT_ID, REGION
from local.emulator import sqs_backend
from local.simulate.scenario import Action

DONE = ("delivered", "duplicate", "stale", "dead_lettered")


def _target(outputs: dict[str, Any], interval: float) -> Target:
    urls = [str(u) for u in outputs.get("bufferQueueUrls") or [outputs["bufferQueueUrl"]]]
    return Target(str(outputs["bufferDlqUrl"]), urls, str(outputs["bufferTableName"]), interval)


def redrive_dlq(run: Any, action: Action) -> list[dict[str, Any]]:
    """Carry out one ``redriveDlq`` action; one entry per event it concerned (outcome filled in later)."""
    outputs = run.plan.outputs
    if not outputs.get("bufferDlqUrl"):
        raise RuntimeError("redriveDlq: the plan exports no bufferDlqUrl (a stack without a buffer)")
    interval = float(outputs.get("bufferIntervalSeconds", 60))
    target = _target(outputs, interval)
    sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
    at = round(run.clock.t, 3)
    if action.via == "sqs":
        return _move_task(sqs, target, at)
    ids = set(action.ids) if action.ids else None
    dry_run = redrive(sqs, dynamodb, target, ids=ids, apply=False, clock=run.clock.now, sleep=lambda _: None)
    predicted = {v.letter.message_id: v for v in dry_run.verdicts}
    # the dry run made the messages visible again (visibility 0): visible from the next instant on
    run.clock.advance_to(run.clock.t + 0.001)
    interrupted = False
    try:
        outcome = redrive(
            sqs,
            dynamodb,
            target,
            ids=ids,
            apply=True,
            clock=run.clock.now,
            sleep=lambda _: None,  # sent at once: the rate is not played in virtual time
            stop_after=action.interrupt_after,
        )
    except InterruptedRedriveError as stopped:
        outcome, interrupted = stopped.outcome, True
    entries = []
    for verdict in outcome.verdicts:
        before = predicted.get(verdict.letter.message_id)
        entry: dict[str, Any] = {
            "at": at,
            "via": "ops",
            "eventId": verdict.letter.event_id,
            "groupId": verdict.letter.group,
            "predicted": before.action if before else verdict.action,
            "why": before.why if before else verdict.why,
            "redriven": verdict.sent,
        }
        if verdict.sent_message_id:
            entry["messageId"] = verdict.sent_message_id
        if interrupted:
            entry["interruptedRun"] = True
        entries.append(entry)
    return entries


def _move_task(sqs: Any, target: Target, at: float) -> list[dict[str, Any]]:
    queues = [sqs_backend().get_queue(url.rsplit("/", 1)[-1]) for url in target.queue_urls]
    before = {m.id for q in queues for m in q._messages}
    dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{target.dlq_url.rsplit('/', 1)[-1]}"
    first = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{target.queue_urls[0].rsplit('/', 1)[-1]}"
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=first)
    entries = []
    for queue in queues:
        for message in queue._messages:
            if message.id in before:
                continue
            attributes = message.message_attributes or {}
            entries.append(
                {
                    "at": at,
                    "via": "sqs",
                    "eventId": attributes.get("eventId", {}).get("StringValue") or message.deduplication_id,
                    "groupId": message.group_id,
                    "redriven": True,
                    "messageId": message.id,
                }
            )
    return entries


def outcomes_of(entries: list[dict[str, Any]], buffer: Any) -> list[dict[str, Any]]:
    """Each redriven event with what the buffer finally did with its message (``pending``: not yet)."""
    final: dict[str, str] = {}
    for outcome in getattr(buffer, "outcomes", []):
        if outcome.kind in DONE:
            final[outcome.message_id] = outcome.kind
    done = []
    for entry in entries:
        message_id = entry.get("messageId")
        outcome = final.get(message_id, "pending") if message_id else "notRedriven"
        done.append({**entry, "outcome": outcome})
    return done
