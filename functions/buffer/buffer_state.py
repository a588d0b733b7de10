"""The buffer's memory in DynamoDB: one item per message group.

The group item holds when the group's last event went downstream, which event that was, and the
ids of its most recently delivered events (the idempotency memory). Reads for a whole batch are
one ``BatchGetItem``; the writes recording a batch's deliveries are one ``BatchExecuteStatement``
of PartiQL statements, one per group, each conditional on the version read (``UPDATE ... WHERE
version = ?``) or on the item still being absent (``INSERT``), so a late invocation can never
overwrite a newer decision. Unlike a transaction, every statement succeeds or fails on its own
and costs one write unit, not two. A failing event's attempts are counted in an item of the same
table keyed ``failed attempts <group> <eventId>`` (ids are per group, as the queue's deduplication
scope is): SQS group ids cannot contain a space, so no group item can ever share that key.

The item stays small whatever the producers do: it keeps the last ``RECENT_EVENT_IDS`` ids and at
most ``TIE_IDS_IN_ITEM`` ids of the group's latest ``occurredAt``. When more events share that
time (date-only timestamps), the others are remembered in items of their own keyed
``delivered <group> <id>`` (written in the same batch, read only for an event that could be one of
them), so no delivered event is ever delivered again and no item grows toward DynamoDB's 400 KB.
An item without a ``version`` (restored, migrated or edited by hand) is updated on the condition
that its other values are still those read, and gets a version from then on.

The item's layout and the statements writing it are in ``buffer_group_item``; this module makes
the calls: reading with retries, writing in chunks, counting failed attempts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from buffer_group_item import (
    GROUP_KEY,
    TTL_ATTRIBUTE,
    group_item_statements,
    has_version,
    is_live,
    overflow_key,
    parse_group,
    scalar_values,
)
from buffer_memory import (
    LITERAL_ID_LENGTH,
    RECENT_EVENT_IDS,
    TIE_IDS_IN_ITEM,
    Delivery,
    GroupState,
    Memory,
    memory_key,
    pending_key,
    remembered_ids,
)

__all__ = [
    "LITERAL_ID_LENGTH",
    "RECENT_EVENT_IDS",
    "TIE_IDS_IN_ITEM",
    "BufferState",
    "Delivery",
    "GroupState",
    "Memory",
    "Snapshot",
    "WriteFailure",
    "memory_key",
    "overflow_key",
    "parse_group",
    "pending_key",
    "remembered_ids",
]

FAILURE_PREFIX = "failed attempts "
MAX_READ_ATTEMPTS = 5
READ_BACKOFF_SECONDS = 0.05
STATEMENTS_PER_CALL = 25
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


def failure_key(group: str, event_id: str) -> str:
    """Key of the item counting one event's failed attempts: ids are per group, so the group is in it."""
    return f"{FAILURE_PREFIX}{group} {event_id}"


@dataclass(frozen=True)
class Snapshot:
    """What the table said at the start of a batch.

    ``groups`` holds live items only; ``versions`` every item present, expired ones too (TTL
    deletion is lazy), so a write can be made conditional on exactly what was read.
    """

    groups: dict[str, GroupState]
    versions: dict[str, int] = field(default_factory=dict)
    # Items present without a usable version: the scalar values read, to condition the update on.
    unversioned: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteFailure:
    """Why a group's record was not written: ``conflict`` means another invocation changed it."""

    conflict: bool
    reason: str
    permanent: bool = False


class BufferState:
    """Typed access to the buffer table: group items, and attempt counts of failing events."""

    def __init__(
        self,
        client: Any,
        group_table: str,
        group_ttl: int,
        event_ttl: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.sleep = sleep
        self.group_table = group_table
        # The item is the idempotency memory too, so it lives as long as the longer of the two.
        self.item_ttl = max(group_ttl, event_ttl)
        self.event_ttl = event_ttl

    def _batch_get(self, keys: list[str]) -> list[dict[str, Any]]:
        """BatchGetItem (strongly consistent), retrying only unprocessed keys with a growing pause."""
        request: dict[str, Any] = (
            {self.group_table: {"Keys": [{GROUP_KEY: {"S": k}} for k in keys], "ConsistentRead": True}} if keys else {}
        )
        items: list[dict[str, Any]] = []
        for attempt in range(MAX_READ_ATTEMPTS):
            if not request:
                return items
            if attempt:
                self.sleep(READ_BACKOFF_SECONDS * 2 ** (attempt - 1))
            response = self.client.batch_get_item(RequestItems=request)
            items.extend(response.get("Responses", {}).get(self.group_table, []))
            request = response.get("UnprocessedKeys") or {}
        if request:
            raise RuntimeError(f"DynamoDB left keys unprocessed after {MAX_READ_ATTEMPTS} attempts")
        return items

    def read(self, groups: set[str], now: float) -> Snapshot:
        """One BatchGetItem (retrying only unprocessed keys) for every group of a batch."""
        live: dict[str, GroupState] = {}
        versions: dict[str, int] = {}
        unversioned: dict[str, dict[str, Any]] = {}
        for item in self._batch_get(sorted(groups)):
            group = item[GROUP_KEY]["S"]
            state = parse_group(item)
            if has_version(item):
                versions[group] = state.version
            else:
                unversioned[group] = scalar_values(item)
            if is_live(item, now):
                live[group] = state
        return Snapshot(groups=live, versions=versions, unversioned=unversioned)

    def recall(self, snapshot: Snapshot, candidates: list[tuple[str, str]]) -> Snapshot:
        """Look up ids that may sit in overflow items (rare: many events of one occurredAt); one read."""
        keys = sorted({overflow_key(group, event_id) for group, event_id in candidates})
        if not keys:
            return snapshot
        found: dict[str, set[str]] = {}
        for item in self._batch_get(keys):
            _, group, key = item[GROUP_KEY]["S"].split(" ", 2)
            found.setdefault(group, set()).add(key)
        groups = dict(snapshot.groups)
        for group, keys_found in found.items():
            if group in groups:
                state = groups[group]
                groups[group] = replace(state, seen_elsewhere=state.seen_elsewhere | frozenset(keys_found))
        return replace(snapshot, groups=groups)

    def statements(
        self,
        group: str,
        delivered: list[Delivery],
        snapshot: Snapshot,
        pending: dict[str, float] | None = None,
        written_version: int | None = None,
    ) -> list[dict[str, Any]]:
        """The PartiQL statements recording ``delivered`` (one group, in order) over ``snapshot``.

        The first is the group item's conditional write; any others insert overflow ids.
        ``pending`` marks ids recorded before their publish is confirmed. ``written_version`` is
        the version this invocation already wrote (a correction after the publish): the write is
        conditional on it instead of on what was read. With nothing ``delivered``, the group's
        state as read is restored (a publish that failed).
        """
        return group_item_statements(
            self.group_table,
            self.item_ttl,
            group,
            delivered,
            previous=snapshot.groups.get(group),
            seen_version=snapshot.versions.get(group) if written_version is None else written_version,
            unversioned=snapshot.unversioned.get(group) if written_version is None else None,
            pending=pending,
        )

    def record(
        self,
        deliveries: list[Delivery],
        snapshot: Snapshot,
        pending: dict[str, dict[str, float]] | None = None,
        written: dict[str, int] | None = None,
        restore: list[str] | None = None,
    ) -> dict[str, WriteFailure]:
        """Record deliveries, one conditional statement per group; returns the groups not recorded.

        A whole-call error propagates (nothing is known to be written); per-statement errors are
        returned by group, ``conflict`` set when the item changed since ``snapshot``. An overflow
        id that is already there (an earlier attempt wrote it) counts as written.
        """
        per_group: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            per_group.setdefault(delivery.group, []).append(delivery)
        for group in restore or []:
            per_group.setdefault(group, [])
        owned: list[tuple[str, bool, dict[str, Any]]] = []  # (group, is the group item, statement)
        for group, delivered in per_group.items():
            marks = (pending or {}).get(group)
            version = (written or {}).get(group)
            first, *rest = self.statements(group, delivered, snapshot, marks, version)
            owned.append((group, True, first))
            owned.extend((group, False, s) for s in rest)
        failures: dict[str, WriteFailure] = {}
        id_items: list[tuple[str, dict[str, Any], str]] = []  # ids let go of, not written, with their error
        for start in range(0, len(owned), STATEMENTS_PER_CALL):
            chunk = owned[start : start + STATEMENTS_PER_CALL]
            response = self.client.batch_execute_statement(Statements=[s for _, _, s in chunk])
            results = response.get("Responses", [])
            for index, (group, is_group_item, statement) in enumerate(chunk):
                error = results[index].get("Error") if index < len(results) else {"Code": "NoResult"}
                if not error or (not is_group_item and error.get("Code") == "DuplicateItem"):
                    continue
                code = error.get("Code", "")
                if not is_group_item and code not in PERMANENT_CODES:
                    id_items.append((group, statement, f"{code}: {error.get('Message', '')}"))
                    continue
                if group not in failures or is_group_item:
                    failures[group] = WriteFailure(
                        is_group_item and code in CONFLICT_CODES,
                        f"{code}: {error.get('Message', '')}",
                        code in PERMANENT_CODES,
                    )
        for group, reason in self._write_id_items([i for i in id_items if i[0] not in failures]).items():
            failures.setdefault(group, WriteFailure(False, f"id item not written: {reason}"))
        return failures

    def _write_id_items(self, pending: list[tuple[str, dict[str, Any], str]]) -> dict[str, str]:
        """Write again the id items a call left unwritten while their group item was written.

        Their ids are no longer in the group item, so they are retried on their own (an INSERT that
        finds the item already there counts as written); returns group -> error for those still not
        written after ``MAX_READ_ATTEMPTS`` tries."""
        for attempt in range(MAX_READ_ATTEMPTS):
            if not pending:
                return {}
            self.sleep(READ_BACKOFF_SECONDS * 2**attempt)
            try:
                response = self.client.batch_execute_statement(Statements=[s for _, s, _ in pending])
            except Exception as call_error:  # noqa: BLE001 - tried again
                pending = [(g, s, str(call_error)) for g, s, _ in pending]
                continue
            results = response.get("Responses", [])
            still: list[tuple[str, dict[str, Any], str]] = []
            for index, (group, statement, _) in enumerate(pending):
                error = results[index].get("Error") if index < len(results) else {"Code": "NoResult"}
                if error and error.get("Code") != "DuplicateItem":
                    still.append((group, statement, f"{error.get('Code', '')}: {error.get('Message', '')}"))
            pending = still
        return {group: reason for group, _, reason in pending}

    def count_failure(self, group: str, event_id: str, now: float) -> int:
        """Add one failed attempt for a group's event and return the total (kept for the event TTL)."""
        response = self.client.update_item(
            TableName=self.group_table,
            Key={GROUP_KEY: {"S": failure_key(group, event_id)}},
            UpdateExpression="ADD attempts :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(int(now) + self.event_ttl)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["attempts"]["N"])
