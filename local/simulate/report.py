"""The simulate report (docs/local.md format) and its human-readable rendering."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import boto3

from local.emulator import sqs_backend
from local.emulator.firehose import read_objects
from local.simulate.actions import outcomes_of

CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_values(text: str) -> int:
    return sum(1 for m in CARD_LIKE.finditer(text) if _luhn(re.sub(r"\D", "", m.group())))


def _leaks_in(document: Any) -> int:
    """Card values in a decoded JSON document, walked with an explicit stack (any depth JSON can have)."""
    total = 0
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        value, under_payment = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                total += 1 if under_payment and str(k).startswith("card-") else 0
                stack.append((v, k == "payment"))
        elif isinstance(value, list):
            stack.extend((v, False) for v in value)
        elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            total += _card_values(str(value))
    return total


def json_lines(text: str) -> list[str]:
    """Newline-delimited records as Firehose writes them: split on "\\n" only (U+2028, U+0085 are data)."""
    return text.split("\n")


def count_leaks(text: str) -> int:
    """Card-like values (13-19 digits, Luhn-valid) in string or integer values, and card-* keys under payment.

    Independent of the redaction function; lines that are not JSON are scanned as plain text.
    """
    total = 0
    for line in json_lines(text):
        try:
            total += _leaks_in(json.loads(line))
        except (ValueError, RecursionError):  # deeper than the decoder goes: scanned as text
            total += _card_values(line)
    return total


def _event_id(body: str) -> str | None:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return doc.get("eventId") if isinstance(doc, dict) else None


def _queue_ids(name: str) -> list[str]:
    """Event ids of every message in a queue (visible or in flight), in queue order."""
    ids = []
    for message in sqs_backend().get_queue(name)._messages:
        attr = (message.message_attributes or {}).get("eventId", {})
        ids.append(attr.get("StringValue") or _event_id(message.body) or message.deduplication_id or message.id)
    return ids


def _dead_letters(name: str) -> tuple[list[str], dict[str, str], dict[str, dict[str, str]]]:
    """Ids in the DLQ, their reasons by id, and the reasons by group and id (ids are per group)."""
    ids: list[str] = []
    reasons: dict[str, str] = {}
    by_group: dict[str, dict[str, str]] = {}
    for message in sqs_backend().get_queue(name)._messages:
        attrs = message.message_attributes or {}
        # the emulator remembers the id SQS's own dead-lettering replaced (AWS does not: see eventfork ops)
        original = getattr(message, "_emu_original_deduplication_id", None)
        event_id = attrs.get("eventId", {}).get("StringValue") or original or message.deduplication_id or message.id
        ids.append(event_id)
        reason = attrs.get("reason", {}).get("StringValue") or "redriven by SQS after maxReceiveCount receives"
        reasons[event_id] = reason
        group = attrs.get("groupId", {}).get("StringValue") or message.group_id or "?"
        by_group.setdefault(group, {})[event_id] = reason
    return ids, reasons, by_group


def _json_safe(attributes: dict[str, Any]) -> dict[str, Any]:
    """Message attributes for the JSON report: binary values as base64 text, as the SQS API shows them."""
    return {
        name: {k: base64.b64encode(v).decode() if isinstance(v, bytes | bytearray) else v for k, v in value.items()}
        for name, value in attributes.items()
    }


def _max_item_bytes(table: Any) -> int:
    """The largest item in the buffer table, in bytes as DynamoDB counts them (0 without a table)."""
    if not table:
        return 0
    from local.simulate.invokers import item_size

    client = boto3.client("dynamodb")
    pages = client.get_paginator("scan").paginate(TableName=str(table))
    return max((item_size(item) for page in pages for item in page["Items"]), default=0)


def _queue_name(url: Any) -> str:
    """A queue's name from its URL (empty when the output is absent)."""
    return str(url or "").rsplit("/", 1)[-1]


def _per_function(pollers: list[Any], counter: str) -> dict[str, int]:
    """A poller counter summed per function: one function may read several queues (buffer partitions)."""
    totals: dict[str, int] = {}
    for poller in pollers:
        name = poller.mapping.function.name
        totals[name] = totals.get(name, 0) + getattr(poller, counter)
    return totals


def _error_times(pollers: list[Any]) -> dict[str, list[float]]:
    """Scenario seconds of each function's failed invocations (errors and timeouts), over all its queues."""
    times: dict[str, list[float]] = {}
    for poller in pollers:
        if poller.error_times:
            times.setdefault(poller.mapping.function.name, []).extend(poller.error_times)
    return {name: sorted(t)[:100] for name, t in times.items()}


def _batch_sizes(pollers: list[Any]) -> dict[int, int]:
    """Batches by size, over every queue of these pollers."""
    totals: dict[int, int] = {}
    for poller in pollers:
        for size, count in poller.batch_sizes.items():
            totals[size] = totals.get(size, 0) + count
    return dict(sorted(totals.items()))


def build_report(run: Any, s3: Any) -> dict[str, Any]:
    outputs = run.plan.outputs
    primary = _queue_name(outputs.get("primaryQueueUrl"))
    buffer_queues = {_queue_name(url) for url in outputs.get("bufferQueueUrls") or [outputs.get("bufferQueueUrl")]}
    delivered: dict[str, list[str]] = {}
    delivered_at: dict[str, float] = {}
    delivered_at_by_group: dict[str, dict[str, float]] = {}
    bodies: dict[str, str] = {}
    attributes: dict[str, dict[str, Any]] = {}
    replayed: dict[str, list[str]] = {}
    archive_replayed: dict[str, list[str]] = {}
    for arrival in run.state.arrivals:
        if arrival.queue != primary:
            continue
        event_id = _event_id(arrival.body) or "?"
        group = arrival.group or "?"
        if arrival.archive_replay:
            archive_replayed.setdefault(group, []).append(event_id)
            continue
        if arrival.attributes.get("replayed", {}).get("StringValue") == "true":
            replayed.setdefault(group, []).append(event_id)
            continue
        delivered.setdefault(group, []).append(event_id)
        delivered_at.setdefault(event_id, round(arrival.t, 3))
        delivered_at_by_group.setdefault(group, {}).setdefault(event_id, round(arrival.t, 3))
        bodies.setdefault(event_id, arrival.body)
        attributes.setdefault(event_id, _json_safe(arrival.attributes))
    suppressed: dict[str, list[str]] = {"duplicate": [], "stale": []}
    suppressed_by_group: dict[str, dict[str, list[str]]] = {"duplicate": {}, "stale": {}}
    outcomes: dict[str, int] = {}
    if run.buffer is not None:
        for outcome in run.buffer.outcomes:
            outcomes[outcome.kind] = outcomes.get(outcome.kind, 0) + 1
            if outcome.kind in suppressed and outcome.event_id:
                suppressed[outcome.kind].append(outcome.event_id)
                suppressed_by_group[outcome.kind].setdefault(outcome.group or "?", []).append(outcome.event_id)
    queue_dedup = [dedup for name, dedup in run.state.queue_dedup_drops if name in buffer_queues]
    suppressed["duplicate"].extend(queue_dedup)
    for group, event_id in getattr(run, "queue_dedup", []):
        suppressed_by_group["duplicate"].setdefault(group, []).append(event_id)
    dead: list[str] = []
    reasons: dict[str, str] = {}
    dead_by_group: dict[str, dict[str, str]] = {}
    dlq = _queue_name(outputs.get("bufferDlqUrl"))
    if dlq:
        dead, reasons, dead_by_group = _dead_letters(dlq)
    backup_ids: list[str] = []
    leaks = 0
    bucket = outputs.get("backupBucketName")
    if bucket:
        for body in read_objects(s3, str(bucket), ""):
            text = body.decode("utf-8", "replace")
            leaks += count_leaks(text)
            backup_ids.extend(i for i in (_event_id(line) for line in json_lines(text) if line.strip()) if i)
    analytics: list[str] = []
    for info in run.topology.streams.values():
        if info.destination == "opensearch":
            analytics.extend(str(doc.get("eventId")) for doc in run.firehose.accepted[info.name])
    metrics = getattr(getattr(run.buffer, "metrics", None), "totals", {})
    replay_url = outputs.get("replayQueueUrl")
    replayable = _queue_ids(_queue_name(replay_url)) if replay_url else []
    return {
        "name": run.scenario.name,
        "delivered": delivered,
        "deliveredAt": delivered_at,
        "suppressed": suppressed,
        "deadLettered": dead,
        "deadLetterReasons": reasons,
        "deliveredAtByGroup": delivered_at_by_group,
        "suppressedByGroup": suppressed_by_group,
        "deadLetteredByGroup": {group: list(ids) for group, ids in dead_by_group.items()},
        "deadLetterReasonsByGroup": dead_by_group,
        "backup": backup_ids,
        "backupLeaks": leaks,
        "analytics": analytics,
        "replayable": replayable,
        "redriven": outcomes_of(getattr(run, "redriven", []), run.buffer),
        "replayed": replayed,
        "archiveReplayed": archive_replayed,
        "primaryBodies": bodies,
        "primaryAttributes": attributes,
        "functionErrorTimes": _error_times(run.pollers),
        "maxBufferItemBytes": _max_item_bytes(outputs.get("bufferTableName")),
        "faultsInjected": [f"{kind}:{event_id}" for kind, event_id in run.faults.injected],
        "bufferOutcomes": outcomes,
        "bufferMetrics": dict(sorted(metrics.items())),
        "lateRepublish": int(metrics.get("late_republish", 0)),
        "bufferCalls": dict(sorted(run.buffer.counter.calls.items())) if run.buffer else {},
        "handlerSeconds": round(run.buffer.handler_seconds - run.buffer.counter.seconds_in_calls, 4)
        if run.buffer
        else 0,
        "readUnits": run.buffer.counter.read_units if run.buffer else 0,
        "writeUnits": run.buffer.counter.write_units if run.buffer else 0,
        "invocations": _per_function(run.pollers, "invocations"),
        "bufferBatchSizes": _batch_sizes([p for p in run.pollers if p.mapping.queue_name in buffer_queues]),
        "receives": _per_function(run.pollers, "receives"),
        "deleteBatches": _per_function(run.pollers, "delete_batches"),
        "crashes": sum(p.crashes for p in run.pollers),
        "timeouts": {name: n for name, n in _per_function(run.pollers, "timeouts").items() if n},
        "maxConcurrentInvocations": dict(sorted(getattr(run, "concurrency_peaks", {}).items())),
        "mappingConcurrency": {
            p.mapping.queue_name: {"maximumConcurrency": p.max_concurrency, "peak": p.max_in_flight}
            for p in run.pollers
        },
        "handlerErrors": [e for p in run.pollers for e in p.errors][:20],
        "unsupported": run.topology.unsupported,
        "emulatorNotes": sorted(set(run.firehose.notes)),
        "sent": len(run.sent),
        "refusedBySqs": dict(getattr(run, "refused", {})),
        "virtualSeconds": round(run.clock.t, 3),
        "wallSeconds": round(run.wall_seconds, 3),
    }


def format_report(report: dict[str, Any]) -> str:
    """A readable summary: the delivery timeline per group, then what else happened."""
    lines = [
        f"scenario {report['name']}: {report['sent']} events sent, {report['virtualSeconds']} s of event time "
        f"in {report['wallSeconds']} s",
        "",
    ]
    lines.append(f"{'group':<14}{'event':<10}{'delivered at (s)':>18}")
    lines.append("-" * 42)
    for group, ids in report["delivered"].items():
        for event_id in ids:
            lines.append(f"{group:<14}{event_id:<10}{report['deliveredAt'].get(event_id, 0):>18.1f}")
    lines.append("")
    rows = [
        ("suppressed as duplicate", ", ".join(report["suppressed"]["duplicate"]) or "-"),
        ("suppressed as stale", ", ".join(report["suppressed"]["stale"]) or "-"),
        (
            "dead-lettered",
            ", ".join(f"{i} ({report['deadLetterReasons'].get(i, '')})" for i in report["deadLettered"]) or "-",
        ),
        ("backed up", ", ".join(report["backup"]) or "-"),
        ("card values in backup", str(report["backupLeaks"])),
        ("indexed for analytics", ", ".join(report["analytics"]) or "-"),
        ("waiting in replay queue", ", ".join(report["replayable"]) or "-"),
        ("replayed to primary", ", ".join(f"{g}: {' '.join(ids)}" for g, ids in report["replayed"].items()) or "-"),
        ("faults injected", ", ".join(report["faultsInjected"]) or "-"),
        ("buffer AWS calls", ", ".join(f"{k}={v}" for k, v in report["bufferCalls"].items()) or "-"),
    ]
    if report["unsupported"]:
        rows.append(("not emulated", ", ".join(report["unsupported"])))
    if report["handlerErrors"]:
        rows.append(("handler errors", "; ".join(report["handlerErrors"])))
    width = max(len(k) for k, _ in rows)
    lines.extend(f"{k:<{width}}  {v}" for k, v in rows)
    return "\n".join(lines)
