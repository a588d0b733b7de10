"""The buffer's promises, checked on a simulate report against the scenario that produced it."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from local.emulator.clock import EPOCH
from local.simulate.scenario import Scenario

MAX_BODY_BYTES = 262_144 - 1024
MAX_FUTURE_SECONDS = 300.0  # eventfork:buffer.maxFutureSkewSeconds' default
MAX_DEPTH = 100  # the buffer's documented nesting limit of arrays and objects
DYNAMODB_MAX_MAGNITUDE = 9.9999999999999999999999999999999999999e125
DYNAMODB_MIN_MAGNITUDE = 1e-130


def _not_json(name: str) -> None:
    raise ValueError(name)


def _bad_time(seconds: float, now: float, skew: float) -> bool:
    magnitude = abs(seconds)
    in_range = magnitude == 0 or DYNAMODB_MIN_MAGNITUDE <= magnitude <= DYNAMODB_MAX_MAGNITUDE
    return not math.isfinite(seconds) or not in_range or seconds > now + skew


def _too_deep(doc: Any) -> bool:
    """Nesting of arrays and objects past ``MAX_DEPTH``, walked without recursion."""
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def is_malformed(body: str, now: float = EPOCH, skew: float = MAX_FUTURE_SECONDS) -> bool:
    """Independent of the handler: what the design calls malformed input, at buffer time ``now``.

    Not a JSON object (RFC 8259: NaN and Infinity are not JSON), too large, or an ``occurredAt``
    that is not epoch seconds DynamoDB can store and at most ``skew`` seconds ahead of the clock,
    or nested deeper than the documented limit (Python's own parser gives up near 1,000 levels).
    """
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        return True
    try:
        doc = json.loads(body, parse_constant=_not_json)
    except (ValueError, RecursionError):
        return True
    if not isinstance(doc, dict) or _too_deep(doc):
        return True
    if "occurredAt" not in doc:
        return False
    occurred = doc["occurredAt"]
    if isinstance(occurred, bool) or not isinstance(occurred, (int, float, str)):
        return True
    if isinstance(occurred, str):
        try:
            seconds = float(occurred)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(occurred.replace("Z", "+00:00"))
            except ValueError:
                return True
            seconds = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        return _bad_time(seconds, now, skew)
    try:
        return _bad_time(float(occurred), now, skew)
    except OverflowError:
        return True


def future_skew(scenario: Scenario) -> float:
    """The scenario's ``eventfork:buffer.maxFutureSkewSeconds``, or its default."""
    buffer = scenario.config.get("eventfork:buffer") or {}
    return float(buffer.get("maxFutureSkewSeconds", MAX_FUTURE_SECONDS))


def poison_ids(scenario: Scenario) -> set[str]:
    return {f.id for f in scenario.faults if f.kind == "fail_processing" and f.times is None}


def check(scenario: Scenario, report: dict[str, Any], interval: float) -> list[str]:
    """Every violated promise, as a sentence; an empty list means all hold."""
    problems: list[str] = []
    poison = poison_ids(scenario)
    first_send: dict[str, Any] = {}
    order: dict[str, list[str]] = {}
    for event in sorted(scenario.events, key=lambda e: e.at):
        if event.id in first_send:
            continue
        first_send[event.id] = event
        order.setdefault(event.group, []).append(event.id)
    bad = {
        i
        for i, e in first_send.items()
        if is_malformed(e.body, scenario.start_at + e.at, future_skew(scenario)) or i in poison
    }
    # SQS refused it at the producer's send: it never entered, the producer got the error.
    refused = set(report.get("refusedBySqs", {}))
    healthy = set(first_send) - bad - refused
    bad -= refused
    delivered = report["delivered"]
    all_delivered = [i for ids in delivered.values() for i in ids]
    for event_id in sorted({i for i in all_delivered if all_delivered.count(i) > 1}):
        problems.append(f"{event_id} was delivered {all_delivered.count(event_id)} times")
    suppressed = set(report["suppressed"]["duplicate"]) | set(report["suppressed"]["stale"])
    for event_id in sorted(healthy - set(all_delivered) - suppressed):
        problems.append(f"{event_id} is healthy but was neither delivered nor suppressed (lost)")
    dead = set(report["deadLettered"])
    # A later copy of a poison event may be stale (older than a delivery since); the first went to the DLQ.
    for event_id in sorted(set(report["suppressed"]["stale"]) - healthy - dead):
        problems.append(f"{event_id} counted stale but is neither a healthy event nor dead-lettered")
    for event_id in sorted(healthy & dead):
        problems.append(f"{event_id} is healthy but was dead-lettered")
    for event_id in sorted(bad - dead):
        problems.append(f"{event_id} is malformed or poison but was not dead-lettered")
    for event_id in sorted(bad & set(all_delivered)):
        problems.append(f"{event_id} is malformed or poison but was delivered")
    for group, ids in delivered.items():
        expected = [i for i in order.get(group, []) if i in ids]
        if ids != expected:
            problems.append(f"group {group} delivered {ids}, producer order is {expected}")
        occurred = [first_send[i].occurred_at for i in ids if i in first_send]
        if occurred != sorted(occurred):
            problems.append(f"group {group}: an older event was delivered after a newer one ({ids})")
        times = [report["deliveredAt"][i] for i in ids]
        for a, b, earlier, later in zip(times, times[1:], ids, ids[1:], strict=False):
            if b - a < interval - 1e-6:
                problems.append(f"group {group}: {earlier} and {later} delivered {b - a:.3f} s apart (< {interval})")
    if report.get("backupLeaks"):
        problems.append(f"{report['backupLeaks']} card values found in backup objects")
    return problems


def tally(scenario: Scenario, report: dict[str, Any], interval: float) -> dict[str, int]:
    """The failure columns of the reliability table (all should be zero)."""
    poison = poison_ids(scenario)
    first: dict[str, Any] = {}
    for event in sorted(scenario.events, key=lambda e: e.at):
        first.setdefault(event.id, event)
    refused = set(report.get("refusedBySqs", {}))
    healthy = {
        i
        for i, e in first.items()
        if not is_malformed(e.body, scenario.start_at + e.at, future_skew(scenario))
        and i not in poison
        and i not in refused
    }
    delivered = [i for ids in report["delivered"].values() for i in ids]
    suppressed = set(report["suppressed"]["duplicate"]) | set(report["suppressed"]["stale"])
    out_of_order = too_close = 0
    for ids in report["delivered"].values():
        order = sorted(ids, key=lambda i: (first[i].at, first[i].occurred_at))
        out_of_order += sum(1 for a, b in zip(ids, order, strict=False) if a != b)
        times = [report["deliveredAt"][i] for i in ids]
        too_close += sum(1 for a, b in zip(times, times[1:], strict=False) if b - a < interval - 1e-6)
    return {
        "delivered": len(set(delivered)),
        "lost": len(healthy - set(delivered) - suppressed),
        "duplicated": len(delivered) - len(set(delivered)),
        "outOfOrder": out_of_order,
        "tooClose": too_close,
        "healthyDeadLettered": len(healthy & set(report["deadLettered"])),
    }
