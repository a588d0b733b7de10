"""What a group remembers: its last delivery, recent event ids, and messages pending confirmation.

Pure rules, no AWS: which ids an item keeps (the newest ``RECENT_EVENT_IDS`` plus at most
``TIE_IDS_IN_ITEM`` of the latest ``occurredAt``) and how ids and SQS message ids are kept (literal
or digest). Every id the item lets go of is written to an item of its own, ``delivered <group> <id>``,
in the same ``BatchExecuteStatement``, so a retransmitted id is never delivered again for the whole
memory horizon, whatever came between and whether or not it carries its original ``occurredAt``.
The group item also keeps a small Bloom filter of those ids: an id it has no bit for was never let
go of, so its item is not read (a false positive only costs that read, never a delivery).
``buffer_state`` stores them in DynamoDB.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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
