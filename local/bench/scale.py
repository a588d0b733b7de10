"""The bench's scale section: the real buffer function on compact FIFO queues at SQS's limits.

Two workloads, each played with the buffer partitioned over P queues (``buffer.partitions``, the
prod configuration: 128), with one queue, and with the previous design (one queue, every record
of a waiting group held in flight until its window ends, and no backlog limit):

- waiting users: ``users`` users each get one event delivered, then ``batch`` more at once, with a
  one-hour interval so they all wait at the same time; measured is how many users (over all
  partitions) wait at the moment any partition's receive first returns nothing while messages
  wait, because of the 120,000 in-flight cap or the 120,000-message receive scan
  (``waitingUsersBeforeStall``; every user, if it never stalls);
- hot user: one user sends ``hot`` events at once, then ``others`` users two events each, at a
  60 s interval; measured is the other users' delivery minus the end of their own window, p99
  over all of them (``hotUserOthersDelayP99Seconds``; an event never delivered counts as the
  run's length), and apart for the users that share the hot user's partition. Besides the three
  designs it is played once more on one queue as a bound (``oneQueueBound``): every record the
  function leaves for later is taken off the queue in the receive that found it, the most any
  one-queue design (an overflow store, a side queue) could do, so the others wait only for the
  flood past the receive scan to be received, 10 records at a time, one receive of a group at once.

The handler is ``BufferFunction`` from ``functions/buffer`` with in-memory SNS and DynamoDB and
the queues of ``compact_fifo``; each partition's event source mapping runs ``CONCURRENCY``
invocations per 50 ms of virtual time (``scale_world``). The function's AWS calls are counted.
"""

from __future__ import annotations

import json
import time
from typing import Any

from local.bench.scale_world import DEFAULT_BACKLOG_LIMIT, RETENTION, World, run

PROD_PARTITIONS = 128


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] if ordered else 0.0


def waiting_users(users: int, batch: int, holding: bool, partitions: int = 1) -> dict[str, Any]:
    backlog_limit = 0.0 if holding else DEFAULT_BACKLOG_LIMIT
    world = World(interval=3600.0, backlog_limit=backlog_limit, holding=holding, partitions=partitions)
    first = [(0.0, f"user-{u}") for u in range(users)]
    later = [(1.0, name) for _, name in first]  # one tuple per user, repeated: no copy per event
    sends = first + [send for send in later for _ in range(batch)]
    started = time.perf_counter()
    run(world, sends, until=3500.0, stop=lambda: world.stalled)
    # A user waits once one of its later events (send index >= users) has been received.
    waiting = 0
    for queue, ids in zip(world.queues, world.ids, strict=True):
        waiting += len({queue.group_of[s] for s in range(len(ids)) if ids[s] >= users and queue.receives[s]})
    return {
        "users": users,
        "partitions": partitions,
        "stalledByInFlightCap": any(q.stalled_by_cap for q in world.queues),
        "stalledByReceiveScan": any(q.stalled_by_scan for q in world.queues),
        "stalledPartitions": sum(1 for q in world.queues if q.stalled),
        "waitingUsersBeforeStall": waiting,
        "inFlightAtEnd": sum(q.in_flight for q in world.queues),
        "inFlightAtEndLargestPartition": max(q.in_flight for q in world.queues),
        "simulatedSeconds": round(world.now, 1),
        "invocations": world.invocations,
        **world.function_calls(),
        "wallSeconds": round(time.perf_counter() - started, 1),
    }


def hot_user(
    hot: int,
    others: int,
    holding: bool,
    backlog_limit: float,
    run_for: float,
    partitions: int = 1,
    clearing: bool = False,
) -> dict[str, Any]:
    interval = 60.0
    world = World(
        interval=interval, backlog_limit=backlog_limit, holding=holding, partitions=partitions, clearing=clearing
    )
    sends = [(0.0, "user-hot")] * hot
    for i in range(others):
        sends += [(10.0 + i * 0.5, f"user-{i}"), (11.0 + i * 0.5, f"user-{i}")]
    first_other = hot
    started = time.perf_counter()

    def others_done() -> bool:
        return all(
            f"e{s}" in world.delivered_at or f"e{s}" in world.dead_lettered or f"e{s}" in world.cleared
            for s in range(first_other, len(sends))
        )

    run(world, sends, until=run_for, stop=lambda: world.now > 20.0 and world.invocations % 50 == 0 and others_done())
    hot_partition = world.partition("user-hot")
    inside: list[float] = []  # the others that share the hot user's partition
    outside: list[float] = []
    for i in range(others):
        first, second = f"e{first_other + 2 * i}", f"e{first_other + 2 * i + 1}"
        sent_first, sent_second = 10.0 + i * 0.5, 11.0 + i * 0.5
        end = world.now
        got_first = world.delivered_at.get(first, world.cleared.get(first, end))
        window_end = max(sent_second, got_first + interval)
        # A record taken off the queue (the bound) counts as delivered at its window's end at the earliest.
        got_second = world.delivered_at.get(second, max(world.cleared.get(second, end), window_end))
        pair = [got_first - sent_first, got_second - window_end]
        (inside if world.partition(f"user-{i}") == hot_partition else outside).extend(pair)
    result: dict[str, Any] = {
        "hotEvents": hot,
        "otherUsers": others,
        "partitions": partitions,
        "backlogLimitSeconds": backlog_limit,
        "othersDelayP99Seconds": round(_p99(inside + outside), 3),
        "othersDelivered": sum(1 for s in range(first_other, len(sends)) if f"e{s}" in world.delivered_at),
        "othersEvents": 2 * others,
        "hotDelivered": sum(1 for s in range(hot) if f"e{s}" in world.delivered_at),
        "hotDeadLettered": sum(1 for s in range(hot) if f"e{s}" in world.dead_lettered),
        "expiredUnseen": sum(len(q.expired) for q in world.queues),
        "clearedOffQueue": len(world.cleared),
        "simulatedSeconds": round(world.now, 1),
        "invocations": world.invocations,
        **world.function_calls(),
        "wallSeconds": round(time.perf_counter() - started, 1),
    }
    if partitions > 1:
        result |= {
            "hotPartition": hot_partition,
            "othersInHotPartition": len(inside) // 2,
            "othersInHotPartitionEventsOver1s": sum(1 for d in inside if d > 1.0),
            "othersInHotPartitionDelayMinSeconds": round(min(inside), 3) if inside else None,
            "othersInHotPartitionDelayMaxSeconds": round(max(inside), 3) if inside else None,
            "othersOutsideHotPartitionEventsOver1s": sum(1 for d in outside if d > 1.0),
            "othersOutsideHotPartitionDelayP99Seconds": round(_p99(outside), 3),
            "othersOutsideHotPartitionDelayMaxSeconds": round(max(outside), 3) if outside else None,
        }
    return result


def run_scale(
    users: int = 130_000, hot: int = 200_000, others: int = 1_000, partitions: int = PROD_PARTITIONS
) -> dict[str, Any]:
    """Both workloads: partitioned over ``partitions`` queues ("partitioned"), one queue ("ours"),
    and the previous design ("held"), side by side."""
    run_for, limit = RETENTION + 86_400, DEFAULT_BACKLOG_LIMIT
    results: dict[str, Any] = {
        "partitions": partitions,
        "waitingUsers": {
            "partitioned": waiting_users(users, 10, holding=False, partitions=partitions),
            "ours": waiting_users(users, 10, holding=False),
            "held": waiting_users(users, 10, holding=True),
        },
        "hotUser": {
            "partitioned": hot_user(
                hot, others, holding=False, backlog_limit=limit, run_for=run_for, partitions=partitions
            ),
            "ours": hot_user(hot, others, holding=False, backlog_limit=limit, run_for=run_for),
            "oursLimit3600": hot_user(hot, others, holding=False, backlog_limit=3600.0, run_for=run_for),
            "oneQueueBound": hot_user(hot, others, holding=False, backlog_limit=limit, run_for=run_for, clearing=True),
            "held": hot_user(hot, others, holding=True, backlog_limit=0.0, run_for=run_for),
        },
    }
    return results


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m local.bench.scale
    print(json.dumps(run_scale(users=2_000, hot=2_000, others=50, partitions=4), indent=2))
