"""A group's item in the buffer table: its attributes, reading one, and the PartiQL writing one.

Pure, no AWS: the item's layout is what a restored, migrated or hand-edited table has to agree
with, so it is kept in one place, apart from the calls, retries and batching in ``buffer_state``.
"""

from __future__ import annotations

from typing import Any

from buffer_memory import Delivery, GroupState, Memory, memory_key, remembered_ids

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
