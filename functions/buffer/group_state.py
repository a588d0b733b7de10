"""A message group's state: what it remembers, how its item in the buffer table holds it, and the writes.

Pure rules, no AWS (the calls are in ``aws_edge``). A group remembers when its last event went
downstream, which event that was, the ids of its recently delivered events (the idempotency memory)
and the SQS messages recorded before their publish was confirmed (pending).

Which ids the item keeps: the newest ``RECENT_EVENT_IDS`` plus at most ``TIE_IDS_IN_ITEM`` of the
latest ``occurredAt``, literal or as a digest (``LITERAL_ID_LENGTH``). Every id the item lets go of is
written to an item of its own, ``delivered <group> <id>``, in the same ``BatchExecuteStatement``, so
a retransmitted id is never delivered again for the whole memory horizon, whatever came between and
whether or not it carries its original ``occurredAt``; the item stays small whatever the producers
do. The group item also keeps a small Bloom filter of those ids: an id it has no bit for was never
let go of, so its item is not read (a false positive only costs that read, never a delivery).

The writes recording a batch's deliveries are PartiQL statements, one per group, each conditional on
the version read (``UPDATE ... WHERE version = ?``) or on the item still being absent (``INSERT``),
so a late invocation can never overwrite a newer decision. An item without a ``version`` (restored,
migrated or edited by hand) is updated on the condition that its other values are still those read,
and gets a version from then on. The item's layout is what such a table has to agree with, so it is
kept here, in one place. A failing event's attempts are counted in an item of the same table keyed
``failed attempts <group> <eventId>`` (ids are per group, as the queue's deduplication scope is): SQS
group ids cannot contain a space, so no group item can ever share that key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# Ids of the latest occurredAt kept in the group item; more go to items of their own.
TIE_IDS_IN_ITEM = 20
# Ids kept per group besides those of the last occurredAt; older ones are kept in items of their own.
RECENT_EVENT_IDS = 10
# Ids up to this length are remembered as they are; longer ones by a 24-character digest, so a group
# item stays under 1 KB (one write unit) whatever the producers' id format. The lengths differ, so a
# kept id can never equal a digest.
LITERAL_ID_LENGTH = 24
# The Bloom filter of let-go ids: 64 bytes (512 bits, 3 hashes) keep the longest group item under one
# write unit; about 1 in 60 new ids needs a read once a group has let 50 ids go, 1 in 11 at 100.
FILTER_BYTES = 64
FILTER_HASHES = 3


@dataclass(frozen=True)
class GroupState:
    """When the group's last event went downstream, which event that was, and recent event ids."""

    last_delivered_at: float
    last_occurred_at: float
    last_event_id: str
    version: int
    recent: dict[str, float] = field(default_factory=dict)  # memory_key(event id) -> occurredAt
    overflow: int = 0  # ids remembered in items of their own (let go of by the group item)
    # Bloom filter of those ids; None when the item has ids of its own but no filter (written before
    # it existed, or edited): every id not in the item is then looked up.
    overflow_filter: bytes | None = b""
    seen_elsewhere: frozenset[str] = frozenset()  # memory keys found in those items
    # SQS messages recorded before their publish was confirmed (pending_key -> when): the same message
    # seen again is published again (the topic's deduplication absorbs a repeat within 5 minutes), never
    # suppressed. A producer's retransmission is another message, so it is still a duplicate.
    pending: dict[str, float] = field(default_factory=dict)

    def is_pending(self, message_id: str) -> bool:
        return pending_key(message_id) in self.pending

    def remembers(self, event_id: str) -> bool:
        key = memory_key(event_id)
        return event_id == self.last_event_id or key in self.recent or key in self.seen_elsewhere

    def may_be_elsewhere(self, event_id: str, occurred_at: float) -> bool:
        """Whether the id could be in an item of its own: the group let ids go, and this one is not in the item.

        Whatever its ``occurredAt``: a producer that sends none (the send time is used), or a new one,
        makes an old retransmission look newer than the last delivery."""
        if self.overflow <= 0 or self.remembers(event_id):
            return False
        return self.overflow_filter is None or filter_may_hold(self.overflow_filter, memory_key(event_id))


@dataclass(frozen=True)
class Delivery:
    """A published event to record."""

    group: str
    event_id: str
    occurred_at: float
    delivered_at: float


def memory_key(event_id: str) -> str:
    """How an event id is kept in the group item: itself if short, else ``#`` and a SHA-256 digest."""
    if len(event_id) <= LITERAL_ID_LENGTH:
        return event_id
    return "#" + hashlib.sha256(event_id.encode()).hexdigest()[:LITERAL_ID_LENGTH]


def _filter_bits(key: str) -> list[int]:
    digest = hashlib.sha256(f"filter {key}".encode()).digest()
    return [int.from_bytes(digest[4 * i : 4 * i + 4], "big") % (FILTER_BYTES * 8) for i in range(FILTER_HASHES)]


def filter_with(current: bytes, keys: list[str]) -> bytes:
    """``current`` (empty: no id yet) with the bits of ``keys`` set."""
    bits = bytearray(current or bytes(FILTER_BYTES))
    for key in keys:
        for bit in _filter_bits(key):
            bits[bit // 8] |= 1 << (bit % 8)
    return bytes(bits)


def filter_may_hold(current: bytes, key: str) -> bool:
    """False only if ``key`` was never added (a filter of another size answers True: look it up)."""
    if len(current) != FILTER_BYTES:
        return True
    return all(current[bit // 8] & (1 << (bit % 8)) for bit in _filter_bits(key))


def pending_key(message_id: str) -> str:
    """How an SQS message id is kept among the pending ones: a 12-character digest."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Memory:
    """What a group item remembers after a batch, and the ids that go to items of their own."""

    recent: dict[str, float]
    overflow: int
    new_overflow: list[str]  # memory keys let go of by this write: each gets an item of its own
    overflow_filter: bytes | None = b""  # the Bloom filter of every id let go of (None: not kept)


def remembered_ids(
    previous: dict[str, float],
    delivered: list[Delivery],
    previous_overflow: int = 0,
    previous_filter: bytes | None = b"",
) -> Memory:
    """The newest ``RECENT_EVENT_IDS`` ids plus at most ``TIE_IDS_IN_ITEM`` of the latest occurredAt.

    Every other id, of the previous memory or just delivered, is listed in ``new_overflow`` (to be
    written as an item of its own); ``overflow`` counts every id the group has let go of so far.
    """
    merged = dict(previous)
    order = list(previous)
    for delivery in delivered:
        key = memory_key(delivery.event_id)
        if key not in merged:
            order.append(key)
        merged[key] = delivery.occurred_at
    last_occurred = max(merged.values(), default=0.0)
    newest = sorted(merged.items(), key=lambda kv: kv[1], reverse=True)
    kept = {k: v for k, v in newest[:RECENT_EVENT_IDS]}
    ties = [k for k in order if merged[k] == last_occurred]
    for index, key in enumerate(ties):
        if index < TIE_IDS_IN_ITEM:
            kept[key] = last_occurred
        else:
            kept.pop(key, None)
    new_overflow = [key for key in order if key not in kept]
    # A filter that does not cover ids let go of earlier stays absent: those ids are always looked up.
    covered = previous_filter is not None or previous_overflow == 0
    kept_filter = filter_with(previous_filter or b"", new_overflow) if covered and new_overflow else previous_filter
    if not covered:
        kept_filter = None
    return Memory(kept, previous_overflow + len(new_overflow), new_overflow, kept_filter)


# ------------------------------------------------------------------ the group item
GROUP_KEY = "messageGroupId"
TTL_ATTRIBUTE = "expiresAt"
RECENT_ATTRIBUTE = "recentEvents"
OVERFLOW_PREFIX = "delivered "
OVERFLOW_ATTRIBUTE = "tieOverflow"
PENDING_ATTRIBUTE = "pendingEvents"
FILTER_ATTRIBUTE = "overflowFilter"
# An occurredAt older than any real one (and within DynamoDB's range): a group with no delivery left
# after its first one was undone.
NO_TIME = -1e125


def _n(item: dict[str, Any], name: str, default: float = 0.0) -> float:
    value = item.get(name)
    return float(value["N"]) if value and "N" in value else default


def _number(value: float | int) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def has_version(item: dict[str, Any]) -> bool:
    """Whether the item carries a usable ``version`` (one restored or edited by hand may not)."""
    try:
        return "N" in item.get("version", {}) and float(item["version"]["N"]).is_integer()
    except (TypeError, ValueError):
        return False


def is_live(item: dict[str, Any], now: float) -> bool:
    """Not yet expired (DynamoDB deletes expired items lazily, so they can still be read)."""
    return _n(item, TTL_ATTRIBUTE, float("inf")) > now


def scalar_values(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The item's scalar values besides its key: what an update of an unversioned item is conditioned on."""
    return {
        name: value
        for name, value in sorted(item.items())
        if name != GROUP_KEY and len(value) == 1 and next(iter(value)) in ("S", "N", "BOOL")
    }


def parse_group(item: dict[str, Any]) -> GroupState:
    recent: dict[str, float] = {}
    for key, value in (item.get(RECENT_ATTRIBUTE, {}).get("M", {}) or {}).items():
        try:
            recent[key] = float(value["N"])
        except (KeyError, TypeError, ValueError):
            continue
    return GroupState(
        last_delivered_at=_n(item, "lastDeliveredAt"),
        last_occurred_at=_n(item, "lastOccurredAt"),
        last_event_id=item.get("lastEventId", {}).get("S", ""),
        version=int(_n(item, "version")) if has_version(item) else 0,
        recent=recent,
        overflow=int(_n(item, OVERFLOW_ATTRIBUTE)),
        overflow_filter=_filter(item),
        pending=_pending(item),
    )


def _filter(item: dict[str, Any]) -> bytes | None:
    """The item's Bloom filter of let-go ids; None if it let ids go without one (look every id up)."""
    value = item.get(FILTER_ATTRIBUTE, {}).get("B")
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return None if _n(item, OVERFLOW_ATTRIBUTE) > 0 else b""


def _pending(item: dict[str, Any]) -> dict[str, float]:
    pending: dict[str, float] = {}
    for key, value in (item.get(PENDING_ATTRIBUTE, {}).get("M", {}) or {}).items():
        try:
            pending[key] = float(value["N"])
        except (KeyError, TypeError, ValueError):
            continue
    return pending


def overflow_key(group: str, event_id: str) -> str:
    """Key of the item remembering one delivered id outside its group item (group ids have no spaces)."""
    return f"{OVERFLOW_PREFIX}{group} {memory_key(event_id)}"


def group_item_statements(
    table_name: str,
    item_ttl: int,
    group: str,
    delivered: list[Delivery],
    *,
    previous: GroupState | None,
    seen_version: int | None,
    unversioned: dict[str, Any] | None,
    pending: dict[str, float] | None,
) -> list[dict[str, Any]]:
    """The PartiQL statements recording ``delivered`` (one group, in order) over ``previous``.

    The first is the group item's write: an ``UPDATE`` conditional on ``seen_version``, or, for an
    item read without a version, on its ``unversioned`` values; an ``INSERT`` when neither (no item
    was read). Any others insert overflow ids. ``pending`` marks ids recorded before their publish
    is confirmed. With nothing ``delivered``, ``previous`` is restored (a publish that failed).
    """
    if delivered:
        memory = remembered_ids(
            previous.recent if previous else {},
            delivered,
            previous.overflow if previous else 0,
            previous.overflow_filter if previous else b"",
        )
        last = delivered[-1]
        last_values = [_number(last.delivered_at), _number(last.occurred_at), {"S": last.event_id}]
        expires_at = int(last.delivered_at) + item_ttl
    else:
        memory = Memory(
            previous.recent if previous else {},
            previous.overflow if previous else 0,
            [],
            previous.overflow_filter if previous else b"",
        )
        last_values = (
            [_number(previous.last_delivered_at), _number(previous.last_occurred_at), {"S": previous.last_event_id}]
            if previous
            else [_number(0), _number(NO_TIME), {"S": ""}]
        )
        expires_at = int(previous.last_delivered_at if previous else 0) + item_ttl
    expires = _number(expires_at)
    values = [
        *last_values,
        {"M": {k: _number(v) for k, v in memory.recent.items()}},
        _number(memory.overflow),
        {"M": {k: _number(v) for k, v in (pending or {}).items()}},
        expires,
        _number((seen_version or 0) + 1),
    ]
    table = table_name.replace('"', '""')
    names = ["lastDeliveredAt", "lastOccurredAt", "lastEventId", RECENT_ATTRIBUTE, OVERFLOW_ATTRIBUTE]
    names += [PENDING_ATTRIBUTE, TTL_ATTRIBUTE, "version"]
    if memory.overflow_filter:  # written once the group lets ids go, and kept on every write after
        names.append(FILTER_ATTRIBUTE)
        values.append({"B": memory.overflow_filter})
    overflow = [
        {
            "Statement": f"INSERT INTO \"{table}\" VALUE {{'{GROUP_KEY}': ?, '{TTL_ATTRIBUTE}': ?}}",
            "Parameters": [{"S": f"{OVERFLOW_PREFIX}{group} {key}"}, expires],
        }
        for key in memory.new_overflow
    ]
    if seen_version is None and unversioned is None:
        fields = ", ".join(f"'{name}': ?" for name in [*names, GROUP_KEY])
        insert = {"Statement": f'INSERT INTO "{table}" VALUE {{{fields}}}', "Parameters": [*values, {"S": group}]}
        return [insert, *overflow]
    sets = " ".join(f'SET "{name}" = ?' for name in names)
    conditions = {"version": _number(seen_version)} if seen_version is not None else dict(unversioned or {})
    where = " AND ".join([f'"{GROUP_KEY}" = ?', *(f'"{name}" = ?' for name in conditions)])
    main = {
        "Statement": f'UPDATE "{table}" {sets} WHERE {where}',
        "Parameters": [*values, {"S": group}, *conditions.values()],
    }
    return [main, *overflow]


# ------------------------------------------------------------------ a batch's view of the table
FAILURE_PREFIX = "failed attempts "


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
