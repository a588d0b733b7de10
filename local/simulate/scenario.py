"""Scenario files for ``python -m local simulate`` (format in docs/local.md), validated with clear errors."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.emulator.clock import EPOCH

FAULT_KINDS = {
    "crash_before_publish": "the buffer function dies before publishing a batch holding the event",
    "crash_after_publish": "the buffer function dies after publishing, before recording the delivery",
    "fail_processing": "processing of the event raises every time (a poison event)",
    "table_write_fail": "the buffer table write of a batch holding the event is throttled",
    "publish_fail": "the topic rejects the publish of a batch holding the event",
    "dlq_send_fail": "the dead-letter queue rejects the send of the event",
    "timeout": "the buffer function runs out of time after doing all its work for the event's batch",
}


DEPENDENCY_FAULT_KINDS = {
    "outage": "calls to an AWS service (or one operation) fail with an AWS error code from `from` to `until`",
    "latency": "calls to an AWS service (or one operation) take `seconds` of scenario time from `from` to `until`",
}
SERVICES = ("sqs", "sns", "dynamodb", "kms", "firehose")


class ScenarioError(ValueError):
    """The scenario file is not valid; the message says where and why."""


@dataclass(frozen=True)
class ScenarioEvent:
    at: float
    group: str
    id: str
    body: str
    occurred_at: float  # producer time; the send time (``at``) when the event carries none
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    sends_occurred_at: bool = True  # False: ``"occurredAt": null``, the message has no occurredAt attribute
    partition: int | None = None  # a buffer partition queue chosen by the producer instead of the group's


@dataclass(frozen=True)
class Fault:
    kind: str
    id: str
    times: int | None  # None: every time
    group: str | None = None  # only the event of this group (ids are per group); None: any group


@dataclass(frozen=True)
class DependencyFault:
    """An outage or slowness of an AWS service in scenario time, seen by every function."""

    kind: str  # outage | latency
    service: str
    operation: str | None
    start: float
    end: float
    error: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class ArchiveReplay:
    """At ``at``, set a replay policy on the subscription of ``queue`` for [start, end] (scenario seconds)."""

    at: float
    queue: str
    start: float
    end: float | None


@dataclass(frozen=True)
class Action:
    """At ``at``, put the buffer DLQ's events back (``redriveDlq``): those of ``ids``, or all."""

    at: float
    kind: str
    ids: tuple[str, ...] | None = None
    via: str = "ops"  # "ops": python -m eventfork ops dlq redrive; "sqs": StartMessageMoveTask
    interrupt_after: int | None = None  # the redrive dies after this many sends, before the last delete


ACTION_KINDS = ("redriveDlq",)
ACTION_VIAS = ("ops", "sqs")


@dataclass(frozen=True)
class Scenario:
    name: str
    config: dict[str, Any]
    events: list[ScenarioEvent]
    faults: list[Fault]
    run_for: float
    table_items: list[dict[str, Any]] = field(default_factory=list)
    dependency_faults: list[DependencyFault] = field(default_factory=list)
    existing_topic: dict[str, Any] | None = None
    archive_replays: list[ArchiveReplay] = field(default_factory=list)
    start_at: float = EPOCH  # epoch second of scenario second 0
    seed: int = 0  # orders invocations that reach an AWS call at the same virtual instant
    actions: list[Action] = field(default_factory=list)  # operator actions, e.g. a DLQ redrive


def _number(value: Any, where: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ScenarioError(f"{where}: got {json.dumps(value)}; allowed: a number >= {minimum:g}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{where}: got {json.dumps(value)}; allowed: a non-empty string")
    return value


def parse_scenario(doc: Any) -> Scenario:
    """Validate a decoded scenario document."""
    if not isinstance(doc, dict):
        raise ScenarioError("scenario: allowed: a JSON object with name, events, faults, runFor, config")
    allowed = {"name", "config", "events", "faults", "runFor", "description", "tableItems", *EXTRA_KEYS}
    unknown = set(doc) - allowed
    if unknown:
        raise ScenarioError(f"scenario: unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}")
    config = doc.get("config") or {}
    if not isinstance(config, dict):
        raise ScenarioError('config: allowed: an object of full config keys, e.g. {"eventfork:buffer": {...}}')
    raw_events = doc.get("events")
    if not isinstance(raw_events, list):
        raise ScenarioError("events: allowed: a list of events")
    events = [_parse_event(e, f"events[{i}]") for i, e in enumerate(raw_events)]
    raw_faults = doc.get("faults") or []
    if not isinstance(raw_faults, list):
        raise ScenarioError("faults: allowed: a list of faults")
    dependency = [
        _parse_dependency_fault(f, f"faults[{i}]")
        for i, f in enumerate(raw_faults)
        if isinstance(f, dict) and f.get("kind") in DEPENDENCY_FAULT_KINDS
    ]
    faults = [
        _parse_fault(f, f"faults[{i}]")
        for i, f in enumerate(raw_faults)
        if not (isinstance(f, dict) and f.get("kind") in DEPENDENCY_FAULT_KINDS)
    ]
    last = max((e.at for e in events), default=0.0)
    run_for = _number(doc["runFor"], "runFor") if "runFor" in doc else last + 900.0
    items = doc.get("tableItems") or []
    if not isinstance(items, list) or not all(_is_dynamodb_item(i) for i in items):
        raise ScenarioError(
            'tableItems: allowed: a list of DynamoDB items in attribute-value form, e.g. {"messageGroupId": {"S": "u"}}'
        )
    return Scenario(
        name=str(doc.get("name", "scenario")),
        config=config,
        events=events,
        faults=faults,
        run_for=run_for,
        table_items=items,
        dependency_faults=dependency,
        existing_topic=_parse_existing_topic(doc.get("existingTopic")),
        archive_replays=[
            _parse_replay(r, f"archiveReplays[{i}]") for i, r in enumerate(doc.get("archiveReplays") or [])
        ],
        start_at=_start_at(doc.get("startAt")),
        seed=_seed(doc.get("seed", 0)),
        actions=_actions(doc.get("actions")),
    )


EXTRA_KEYS = ("existingTopic", "archiveReplays", "startAt", "seed", "actions")


def _actions(raw: Any) -> list[Action]:
    """``actions``: ``[{"at", "kind": "redriveDlq", "ids"?, "via"?, "interruptAfter"?}]``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ScenarioError('actions: allowed: a list such as [{"at": 900, "kind": "redriveDlq"}]')
    out: list[Action] = []
    for index, item in enumerate(raw):
        where = f"actions[{index}]"
        if not isinstance(item, dict) or not set(item) <= {"at", "kind", "ids", "via", "interruptAfter"}:
            raise ScenarioError(f"{where}: allowed: an object with at, kind and optional ids, via, interruptAfter")
        if item.get("kind") not in ACTION_KINDS:
            raise ScenarioError(f"{where}.kind: got {json.dumps(item.get('kind'))}; allowed: {', '.join(ACTION_KINDS)}")
        ids = item.get("ids")
        if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) and i for i in ids)):
            raise ScenarioError(f"{where}.ids: allowed: a list of event ids")
        via = item.get("via", "ops")
        if via not in ACTION_VIAS:
            raise ScenarioError(f"{where}.via: got {json.dumps(via)}; allowed: {', '.join(ACTION_VIAS)}")
        if via == "sqs" and ids is not None:
            raise ScenarioError(f"{where}.ids: SQS's own redrive (via sqs) moves every message; give no ids")
        stop = item.get("interruptAfter")
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int) or stop < 1 or via != "ops"):
            raise ScenarioError(f"{where}.interruptAfter: allowed: a whole number >= 1, with via ops")
        out.append(Action(_number(item.get("at"), f"{where}.at"), "redriveDlq", tuple(ids) if ids else None, via, stop))
    return out


def _start_at(raw: Any) -> float:
    """``startAt``: the epoch of scenario second 0, epoch seconds or ISO-8601 (no zone: UTC); default 2026-01-01."""
    if raw is None:
        return EPOCH
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(
                f'startAt: got {json.dumps(raw)}; allowed: epoch seconds or ISO-8601 such as "2026-12-07T01:00:00Z"'
            ) from None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return _number(raw, "startAt")


def _seed(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ScenarioError(f"seed: got {json.dumps(raw)}; allowed: a whole number")
    return raw


def _parse_existing_topic(raw: Any) -> dict[str, Any] | None:
    """``existingTopic``: create the stack's ``eventfork:fanout.existingTopicArn`` in the emulator first."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= {"archiveRetentionDays", "fifoThroughputScope"}:
        raise ScenarioError(
            "existingTopic: allowed: an object with optional archiveRetentionDays (1..365) and "
            'fifoThroughputScope ("Topic" or "MessageGroup")'
        )
    return raw


def _parse_replay(raw: Any, where: str) -> ArchiveReplay:
    if not isinstance(raw, dict) or not set(raw) <= {"at", "queue", "from", "to"}:
        raise ScenarioError(f"{where}: allowed: an object with at, queue, from and optional to")
    end = _number(raw["to"], f"{where}.to") if "to" in raw else None
    return ArchiveReplay(
        at=_number(raw.get("at"), f"{where}.at"),
        queue=_text(raw.get("queue"), f"{where}.queue"),
        start=_number(raw.get("from"), f"{where}.from"),
        end=end,
    )


def _is_dynamodb_item(item: Any) -> bool:
    return isinstance(item, dict) and all(isinstance(v, dict) and len(v) == 1 for v in item.values())


def _attribute(value: Any, where: str) -> dict[str, str]:
    """A message attribute: a string, a number, or an SQS attribute value (Binary as base64 text)."""
    if isinstance(value, str):
        return {"DataType": "String", "StringValue": value}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"DataType": "Number", "StringValue": str(value)}
    if isinstance(value, dict) and isinstance(value.get("DataType"), str):
        if value["DataType"].startswith("Binary") and set(value) == {"DataType", "BinaryValue"}:
            try:
                base64.b64decode(str(value["BinaryValue"]), validate=True)
            except ValueError:
                raise ScenarioError(f"{where}.BinaryValue: allowed: base64 text") from None
            return {"DataType": value["DataType"], "BinaryValue": str(value["BinaryValue"])}
        if set(value) == {"DataType", "StringValue"} and isinstance(value["StringValue"], str):
            return {"DataType": value["DataType"], "StringValue": value["StringValue"]}
    raise ScenarioError(
        f'{where}: allowed: a string, a number, or {{"DataType", "StringValue"}} / '
        f'{{"DataType": "Binary", "BinaryValue": base64}}'
    )


def _parse_event(raw: Any, where: str) -> ScenarioEvent:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: allowed: an object with at, group, id and body or raw")
    unknown = set(raw) - {"at", "group", "id", "body", "raw", "occurredAt", "attributes", "partition"}
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    at = _number(raw.get("at"), f"{where}.at")
    if "raw" in raw and "body" in raw:
        raise ScenarioError(f"{where}: give either body or raw, not both")
    if "raw" in raw:
        if not isinstance(raw["raw"], str):
            raise ScenarioError(f"{where}.raw: allowed: a string sent as the message body as is")
        body = raw["raw"]
    else:
        body = json.dumps(raw.get("body", {}))
    raw_attributes = raw.get("attributes") or {}
    if not isinstance(raw_attributes, dict):
        raise ScenarioError(f"{where}.attributes: allowed: an object of attribute values")
    attributes = {name: _attribute(v, f"{where}.attributes.{name}") for name, v in raw_attributes.items()}
    sends_occurred_at = raw.get("occurredAt", at) is not None
    occurred = at if raw.get("occurredAt") is None else _number(raw["occurredAt"], f"{where}.occurredAt", minimum=-1e12)
    partition = raw.get("partition")
    if partition is not None and (isinstance(partition, bool) or not isinstance(partition, int) or partition < 0):
        raise ScenarioError(f"{where}.partition: got {json.dumps(partition)}; allowed: a buffer queue index >= 0")
    return ScenarioEvent(
        at=at,
        group=_text(raw.get("group"), f"{where}.group"),
        id=_text(raw.get("id"), f"{where}.id"),
        body=body,
        occurred_at=occurred,
        attributes=attributes,
        sends_occurred_at=sends_occurred_at,
        partition=partition,
    )


def _parse_fault(raw: Any, where: str) -> Fault:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: allowed: an object with kind, id and times")
    kind = raw.get("kind")
    if kind not in FAULT_KINDS:
        raise ScenarioError(f"{where}.kind: got {json.dumps(kind)}; allowed: {', '.join(sorted(FAULT_KINDS))}")
    times = raw.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ScenarioError(f"{where}.times: got {json.dumps(times)}; allowed: a whole number >= 1")
    if times is None and kind != "fail_processing":
        times = 1
    unknown = set(raw) - {"kind", "id", "times", "group"}
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}; allowed: kind, id, times, group")
    group = _text(raw["group"], f"{where}.group") if "group" in raw else None
    return Fault(kind=kind, id=_text(raw.get("id"), f"{where}.id"), times=times, group=group)


def _parse_dependency_fault(raw: dict[str, Any], where: str) -> DependencyFault:
    kind = str(raw["kind"])
    allowed = {"kind", "service", "operation", "from", "until", "error" if kind == "outage" else "seconds"}
    unknown = set(raw) - allowed
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(allowed))}")
    service = raw.get("service")
    if service not in SERVICES:
        raise ScenarioError(f"{where}.service: got {json.dumps(service)}; allowed: {', '.join(SERVICES)}")
    operation = raw.get("operation")
    if operation is not None and not (isinstance(operation, str) and operation.isalnum()):
        raise ScenarioError(f"{where}.operation: allowed: an API operation name such as PublishBatch, or absent")
    start = _number(raw.get("from", 0), f"{where}.from")
    end = _number(raw.get("until"), f"{where}.until")
    if end <= start:
        raise ScenarioError(f"{where}.until: got {end:g}; allowed: a number > from ({start:g})")
    if kind == "outage":
        error = _text(
            raw.get("error", "ServiceUnavailable" if service != "dynamodb" else "InternalServerError"), f"{where}.error"
        )
        return DependencyFault(kind, service, operation, start, end, error=error)
    seconds = _number(raw.get("seconds"), f"{where}.seconds")
    return DependencyFault(kind, service, operation, start, end, seconds=seconds)


def load_scenario(path: Path | str) -> Scenario:
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise ScenarioError(f"{path}: not JSON ({error})") from None
    return parse_scenario(doc)
