"""The buffer's memory in DynamoDB: one item per message group.

The group item holds when the group's last event went downstream, which event that was, and the
ids of its most recently delivered events (the idempotency memory). Reads for a whole batch are
one ``BatchGetItem``; the writes recording a batch's deliveries are one ``BatchExecuteStatement``
of PartiQL statements, one per group, each conditional on the version read (``UPDATE ... WHERE
version = ?``) or on the item still being absent (``INSERT``), so a late invocation can never
overwrite a newer decision. Unlike a transaction, every statement succeeds or fails on its own
and costs one write unit, not two. A failing event's attempts are counted in an item of the same
table keyed ``failed attempts <eventId>``: SQS group ids cannot contain a space, so no group item
can ever share that key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

GROUP_KEY = "messageGroupId"
TTL_ATTRIBUTE = "expiresAt"
RECENT_ATTRIBUTE = "recentEvents"
FAILURE_PREFIX = "failed attempts "
MAX_READ_ATTEMPTS = 5
STATEMENTS_PER_CALL = 25
# Ids kept per group besides those of the last occurredAt. An older id is never delivered again
# either: its event is older than the last delivered one and is suppressed as stale.
RECENT_EVENT_IDS = 10
# Ids up to this length are remembered as they are; longer ones by a 24-character digest, so a group
# item stays under 1 KB (one write unit) whatever the producers' id format. The lengths differ, so a
# kept id can never equal a digest.
LITERAL_ID_LENGTH = 24
CONFLICT_CODES = ("ConditionalCheckFailed", "DuplicateItem")
# Errors no retry can cure (a rejected statement, a missing table or permission): the function fails
# loudly so the errors alarm fires, instead of retrying quietly.
PERMANENT_CODES = (
    "ValidationError",
    "ValidationException",
    "ResourceNotFound",
    "ResourceNotFoundException",
    "AccessDenied",
    "AccessDeniedException",
)


@dataclass(frozen=True)
class GroupState:
    """When the group's last event went downstream, which event that was, and recent event ids."""

    last_delivered_at: float
    last_occurred_at: float
    last_event_id: str
    version: int
    recent: dict[str, float] = field(default_factory=dict)  # memory_key(event id) -> occurredAt

    def remembers(self, event_id: str) -> bool:
        return event_id == self.last_event_id or memory_key(event_id) in self.recent


@dataclass(frozen=True)
class Delivery:
    """A published event to record."""

    group: str
    event_id: str
    occurred_at: float
    delivered_at: float


@dataclass(frozen=True)
class Snapshot:
    """What the table said at the start of a batch.

    ``groups`` holds live items only; ``versions`` every item present, expired ones too (TTL
    deletion is lazy), so a write can be made conditional on exactly what was read.
    """

    groups: dict[str, GroupState]
    versions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteFailure:
    """Why a group's record was not written: ``conflict`` means another invocation changed it."""

    conflict: bool
    reason: str
    permanent: bool = False


def _n(item: dict[str, Any], name: str, default: float = 0.0) -> float:
    value = item.get(name)
    return float(value["N"]) if value and "N" in value else default


def _number(value: float | int) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def memory_key(event_id: str) -> str:
    """How an event id is kept in the group item: itself if short, else ``#`` and a SHA-256 digest."""
    if len(event_id) <= LITERAL_ID_LENGTH:
        return event_id
    return "#" + hashlib.sha256(event_id.encode()).hexdigest()[:LITERAL_ID_LENGTH]


def parse_group(item: dict[str, Any]) -> GroupState:
    recent = {k: float(v["N"]) for k, v in item.get(RECENT_ATTRIBUTE, {}).get("M", {}).items() if "N" in v}
    return GroupState(
        last_delivered_at=_n(item, "lastDeliveredAt"),
        last_occurred_at=_n(item, "lastOccurredAt"),
        last_event_id=item.get("lastEventId", {}).get("S", ""),
        version=int(_n(item, "version")),
        recent=recent,
    )


def remembered_ids(previous: dict[str, float], delivered: list[Delivery]) -> dict[str, float]:
    """Recent ids after ``delivered``: the newest ``RECENT_EVENT_IDS`` plus every id of the last occurredAt."""
    merged = dict(previous)
    for delivery in delivered:
        merged[memory_key(delivery.event_id)] = delivery.occurred_at
    last_occurred = max(merged.values(), default=0.0)
    newest = sorted(merged.items(), key=lambda kv: kv[1], reverse=True)
    kept = {k: v for k, v in newest[:RECENT_EVENT_IDS]}
    kept.update({k: v for k, v in merged.items() if v == last_occurred})
    return kept


class BufferState:
    """Typed access to the buffer table: group items, and attempt counts of failing events."""

    def __init__(self, client: Any, group_table: str, group_ttl: int, event_ttl: int) -> None:
        self.client = client
        self.group_table = group_table
        # The item is the idempotency memory too, so it lives as long as the longer of the two.
        self.item_ttl = max(group_ttl, event_ttl)
        self.event_ttl = event_ttl

    def read(self, groups: set[str], now: float) -> Snapshot:
        """One BatchGetItem (retrying only unprocessed keys) for every group of a batch."""
        request: dict[str, Any] = {}
        if groups:
            request[self.group_table] = {
                "Keys": [{GROUP_KEY: {"S": g}} for g in sorted(groups)],
                "ConsistentRead": True,
            }
        live: dict[str, GroupState] = {}
        versions: dict[str, int] = {}
        for _ in range(MAX_READ_ATTEMPTS):
            if not request:
                break
            response = self.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.group_table, []):
                state = parse_group(item)
                versions[item[GROUP_KEY]["S"]] = state.version
                if _n(item, TTL_ATTRIBUTE, float("inf")) > now:
                    live[item[GROUP_KEY]["S"]] = state
            request = response.get("UnprocessedKeys") or {}
        else:
            raise RuntimeError("DynamoDB left keys unprocessed after retries")
        return Snapshot(groups=live, versions=versions)

    def statement(self, group: str, delivered: list[Delivery], snapshot: Snapshot) -> dict[str, Any]:
        """The PartiQL statement recording ``delivered`` (one group, in order) over ``snapshot``."""
        last = delivered[-1]
        previous = snapshot.groups.get(group)
        recent = remembered_ids(previous.recent if previous else {}, delivered)
        seen_version = snapshot.versions.get(group)
        values = [
            _number(last.delivered_at),
            _number(last.occurred_at),
            {"S": last.event_id},
            {"M": {k: _number(v) for k, v in recent.items()}},
            _number(int(last.delivered_at) + self.item_ttl),
            _number((seen_version or 0) + 1),
        ]
        table = self.group_table.replace('"', '""')
        if seen_version is None:
            return {
                "Statement": f"INSERT INTO \"{table}\" VALUE {{'lastDeliveredAt': ?, 'lastOccurredAt': ?, "
                f"'lastEventId': ?, '{RECENT_ATTRIBUTE}': ?, '{TTL_ATTRIBUTE}': ?, 'version': ?, '{GROUP_KEY}': ?}}",
                "Parameters": [*values, {"S": group}],
            }
        return {
            "Statement": f'UPDATE "{table}" SET "lastDeliveredAt" = ? SET "lastOccurredAt" = ? '
            f'SET "lastEventId" = ? SET "{RECENT_ATTRIBUTE}" = ? SET "{TTL_ATTRIBUTE}" = ? SET "version" = ? '
            f'WHERE "{GROUP_KEY}" = ? AND "version" = ?',
            "Parameters": [*values, {"S": group}, _number(seen_version)],
        }

    def record(self, deliveries: list[Delivery], snapshot: Snapshot) -> dict[str, WriteFailure]:
        """Record deliveries, one conditional statement per group; returns the groups not recorded.

        A whole-call error propagates (nothing is known to be written); per-statement errors are
        returned by group, ``conflict`` set when the item changed since ``snapshot``.
        """
        per_group: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            per_group.setdefault(delivery.group, []).append(delivery)
        groups = list(per_group)
        failures: dict[str, WriteFailure] = {}
        for start in range(0, len(groups), STATEMENTS_PER_CALL):
            chunk = groups[start : start + STATEMENTS_PER_CALL]
            statements = [self.statement(g, per_group[g], snapshot) for g in chunk]
            response = self.client.batch_execute_statement(Statements=statements)
            results = response.get("Responses", [])
            for index, group in enumerate(chunk):
                error = results[index].get("Error") if index < len(results) else {"Code": "NoResult"}
                if error:
                    code = error.get("Code", "")
                    failures[group] = WriteFailure(
                        code in CONFLICT_CODES, f"{code}: {error.get('Message', '')}", code in PERMANENT_CODES
                    )
        return failures

    def count_failure(self, event_id: str, now: float) -> int:
        """Add one failed attempt for an event and return the total (kept for the event TTL)."""
        response = self.client.update_item(
            TableName=self.group_table,
            Key={GROUP_KEY: {"S": FAILURE_PREFIX + event_id}},
            UpdateExpression="ADD attempts :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(int(now) + self.event_ttl)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["attempts"]["N"])
