"""A compact SQS FIFO queue for the bench's scale section: 10^6 messages in a few arrays.

Same contract as the strict emulator (``local/emulator/sqs_inflight.py``) for what the scale
section exercises: a receive returns the first available group's messages in order, then other
groups' messages in queue order, nothing of a group past a message of it that is in flight (a
message is in flight until its visibility timeout ends or it is deleted); at most 120,000
messages in flight (then a receive returns nothing, no error); only the first 120,000 messages of
the queue are looked at; a message past the retention period is deleted unseen. Where the
emulator scans its whole message list per receive, this keeps per-group positions, heaps of
available groups and visibility deadlines, and a Fenwick tree for a message's position in the
queue, so a receive costs O(batch x log n).
"""

from __future__ import annotations

import heapq
from array import array
from dataclasses import dataclass, field

from local.emulator import sqs_inflight


class _Positions:
    """Fenwick tree over send order: how many undeleted messages are ahead of one."""

    def __init__(self) -> None:
        self.tree = array("i", [0])

    def append(self) -> None:
        index = len(self.tree)
        self.tree.append(0)
        self.add(index - 1, 1, grow=index)

    def add(self, seq: int, delta: int, grow: int | None = None) -> None:
        i = seq + 1
        if grow is not None:  # a new slot holds the sum of the range it covers
            low = i - (i & -i)
            self.tree[i] = self.prefix(i - 1) - self.prefix(low) + delta
            return
        while i < len(self.tree):
            self.tree[i] += delta
            i += i & -i

    def prefix(self, count: int) -> int:
        """Undeleted messages among the first ``count`` sent."""
        total, i = 0, count
        while i > 0:
            total += self.tree[i]
            i -= i & -i
        return total


@dataclass
class CompactFifo:
    visibility_timeout: float
    retention_seconds: float
    groups: list[str] = field(default_factory=list)
    group_index: dict[str, int] = field(default_factory=dict)
    stalled_by_cap: int = 0  # receives that returned nothing, at the in-flight cap, while messages waited
    stalled_by_scan: int = 0  # receives that returned nothing while messages waited past the receive scan
    expired: list[int] = field(default_factory=list)  # messages deleted unseen at the retention period

    def __post_init__(self) -> None:
        self.group_of = array("i")
        self.sent_at = array("d")
        self.visible_at = array("d")
        self.receives = array("i")
        self.deleted = bytearray()
        self.members: list[list[int]] = []  # per group: its messages in order
        self.head: list[int] = []  # per group: index in members of its first undeleted message
        self.positions = _Positions()
        self.counted = bytearray()  # 1 while a message counts toward the in-flight cap
        self.available: list[tuple[int, int]] = []  # (head seq, group): head visible
        self.deadlines: list[tuple[float, int]] = []  # (visible_at, seq): in flight until then
        self.wakes: list[tuple[float, int]] = []  # (visible_at, seq): visible after then
        self.in_flight = 0
        self.undeleted = 0  # messages sent and not yet deleted
        self.oldest = 0  # first seq not yet checked for retention

    # ------------------------------------------------------------------ producer side
    def send(self, group: str, now: float) -> int:
        index = self.group_index.get(group)
        if index is None:
            index = self.group_index[group] = len(self.groups)
            self.groups.append(group)
            self.members.append([])
            self.head.append(0)
        seq = len(self.group_of)
        self.group_of.append(index)
        self.sent_at.append(now)
        self.visible_at.append(-1.0)  # visible at once (a message is visible once visible_at < now)
        self.receives.append(0)
        self.deleted.append(0)
        self.counted.append(0)
        self.undeleted += 1
        self.positions.append()
        self.members[index].append(seq)
        if self._head_seq(index) == seq:
            heapq.heappush(self.available, (seq, index))
        return seq

    # ------------------------------------------------------------------ consumer side
    def receive(self, count: int, now: float) -> list[int]:
        self._advance(now)
        if self.in_flight >= sqs_inflight.MAX_IN_FLIGHT:
            if self._waiting_group(now):
                self.stalled_by_cap += 1
            return []
        room = min(count, sqs_inflight.MAX_IN_FLIGHT - self.in_flight)
        popped: list[tuple[int, int]] = []
        taken: set[int] = set()
        while len(popped) < room:
            top = self._pop_available(now)
            if top is None:
                break
            if top[1] not in taken:  # a group may be listed more than once
                taken.add(top[1])
                popped.append(top)
        chosen: list[int] = []
        if popped:
            lead = popped[0][1]
            chosen = self._run(lead, room, now)
            merge = [(head, g, self.head[g]) for head, g in popped[1:]]
            heapq.heapify(merge)
            while merge and len(chosen) < room:
                seq, group, at = heapq.heappop(merge)
                if not self._in_scan(seq):
                    break
                chosen.append(seq)
                following = at + 1
                members = self.members[group]
                while following < len(members) and self.deleted[members[following]]:
                    following += 1
                if following < len(members) and self.visible_at[members[following]] < now:
                    heapq.heappush(merge, (members[following], group, following))
        if not chosen and self._waiting_group(now):
            self.stalled_by_scan += 1
        used = {self.group_of[s] for s in chosen}
        for seq, group in popped:
            if group not in used:
                heapq.heappush(self.available, (seq, group))
        for seq in chosen:
            self.receives[seq] += 1
            self._hide(seq, now + self.visibility_timeout)
        return chosen

    def handle(self, seq: int) -> str:
        return f"{seq}:{self.receives[seq]}"

    def seq_of(self, handle: str, now: float) -> int | None:
        """The message a receipt handle names, if it is still valid (FIFO: expired once visible)."""
        seq_text, receives = handle.split(":")
        seq = int(seq_text)
        if self.deleted[seq] or self.receives[seq] != int(receives) or self.visible_at[seq] < now:
            return None
        return seq

    def delete(self, seq: int, now: float) -> None:
        if self.deleted[seq]:
            return
        self._uncount(seq)
        self.deleted[seq] = 1
        self.undeleted -= 1
        self.positions.add(seq, -1)
        self._settle_head(self.group_of[seq], now)

    def change_visibility(self, seq: int, seconds: float, now: float) -> None:
        if seconds > 0:
            self._hide(seq, now + seconds)
            return
        self._uncount(seq)  # visibility 0: no longer in flight, visible from the next instant on
        self.visible_at[seq] = now
        heapq.heappush(self.wakes, (now, seq))

    def next_change(self) -> float | None:
        """When the next hidden message becomes visible (it is visible just after that instant)."""
        while self.wakes:
            at, seq = self.wakes[0]
            if self.deleted[seq] or self.visible_at[seq] != at:
                heapq.heappop(self.wakes)
                continue
            return at
        return None

    def _hide(self, seq: int, until: float) -> None:
        if not self.counted[seq]:
            self.counted[seq] = 1
            self.in_flight += 1
        self.visible_at[seq] = until
        heapq.heappush(self.deadlines, (until, seq))
        heapq.heappush(self.wakes, (until, seq))

    def _uncount(self, seq: int) -> None:
        if self.counted[seq]:
            self.counted[seq] = 0
            self.in_flight -= 1

    # ------------------------------------------------------------------ internals
    def _head_seq(self, group: int) -> int | None:
        members, at = self.members[group], self.head[group]
        return members[at] if at < len(members) else None

    def _settle_head(self, group: int, now: float) -> None:
        members = self.members[group]
        while self.head[group] < len(members) and self.deleted[members[self.head[group]]]:
            self.head[group] += 1
        head = self._head_seq(group)
        if head is not None and self.visible_at[head] < now:
            heapq.heappush(self.available, (head, group))

    def _in_scan(self, seq: int) -> bool:
        return self.positions.prefix(seq) < sqs_inflight.FIFO_RECEIVE_SCAN

    def _advance(self, now: float) -> None:
        """Retention, then messages whose visibility timeout ended."""
        retention = self.retention_seconds
        while self.oldest < len(self.sent_at) and self.sent_at[self.oldest] + retention <= now:
            seq = self.oldest
            self.oldest += 1
            if not self.deleted[seq]:
                self.expired.append(seq)
                self.delete(seq, now)
        while self.deadlines and self.deadlines[0][0] < now:
            at, seq = heapq.heappop(self.deadlines)
            if not self.deleted[seq] and self.visible_at[seq] == at:
                self._uncount(seq)
        while self.wakes and self.wakes[0][0] < now:
            at, seq = heapq.heappop(self.wakes)
            if not self.deleted[seq] and self.visible_at[seq] == at and self._head_seq(self.group_of[seq]) == seq:
                heapq.heappush(self.available, (seq, self.group_of[seq]))

    def _valid(self, seq: int, group: int, now: float) -> bool:
        return self._head_seq(group) == seq and not self.deleted[seq] and self.visible_at[seq] < now

    def _pop_available(self, now: float) -> tuple[int, int] | None:
        while self.available:
            seq, group = heapq.heappop(self.available)
            if self._valid(seq, group, now):
                if not self._in_scan(seq):
                    heapq.heappush(self.available, (seq, group))
                    return None  # the earliest available group is past the scan: so is every other
                return seq, group
        return None

    @property
    def stalled(self) -> int:
        return self.stalled_by_cap + self.stalled_by_scan

    def _waiting_group(self, now: float) -> bool:
        """Whether some group could be received but for the cap or the scan."""
        while self.available:
            seq, group = self.available[0]
            if self._valid(seq, group, now):
                return True
            heapq.heappop(self.available)
        return False

    def _run(self, group: int, room: int, now: float) -> list[int]:
        """The group's visible messages from its head, in order, up to the first in flight."""
        members, out = self.members[group], list[int]()
        at = self.head[group]
        while at < len(members) and len(out) < room:
            seq = members[at]
            if not self.deleted[seq]:
                if self.visible_at[seq] >= now or not self._in_scan(seq):
                    break
                out.append(seq)
            at += 1
        return out
