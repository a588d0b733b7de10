"""The bench's scale section: the real buffer function on a compact FIFO queue at SQS's limits.

Two workloads, each played with today's buffer and with the previous design (every record of a
waiting group held in flight until its window ends, and no backlog limit):

- waiting users: ``users`` users each get one event delivered, then ``batch`` more at once, with a
  one-hour interval so they all wait at the same time; measured is how many users wait at the
  moment a receive first returns nothing because of the 120,000 in-flight cap
  (``waitingUsersBeforeStall``; every user, if it never stalls);
- hot user: one user sends ``hot`` events at once, then ``others`` users two events each, at a
  60 s interval; measured is the other users' delivery minus the end of their own window, p99
  (``hotUserOthersDelayP99Seconds``; an event never delivered counts as the run's length).

The handler is ``BufferFunction`` from ``functions/buffer`` with in-memory SNS and DynamoDB and
the queue of ``compact_fifo``; ``maxConcurrency`` invocations run per 50 ms of virtual time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from local.bench.compact_fifo import CompactFifo
from local.simulate.invokers import load_module

BUFFER_DIR = Path(__file__).resolve().parents[2] / "functions" / "buffer"
INVOCATION_SECONDS = 0.05
CONCURRENCY = 10
VISIBILITY_TIMEOUT = 180.0
RETENTION = 1_209_600.0
DEFAULT_BACKLOG_LIMIT = RETENTION - 86_400
_modules: dict[str, Any] = {}


def _processor() -> Any:
    if "processor" not in _modules:
        _modules["processor"] = load_module(BUFFER_DIR, "buffer_processor", "eventfork_scale_buffer_processor")
    return _modules["processor"]


def _settle_holding(settle: Callable[..., Any]) -> Callable[..., Any]:
    """The previous design: later records of a retried group stay in flight until its first one returns."""

    def holding(*args: Any) -> Any:
        outcomes = settle(*args)
        first: dict[str, float] = {}
        for outcome in outcomes:
            if outcome.group is None or outcome.kind not in ("delayed", "waiting", "failed"):
                continue
            if outcome.group in first:
                outcome.visible_at = first[outcome.group]
            else:
                first[outcome.group] = outcome.visible_at
        return outcomes

    return holding


class _Table:
    """The buffer table, for the statements ``buffer_state`` writes (INSERT ... VALUE, UPDATE ... SET ... WHERE)."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's names
        (table, request), *_ = RequestItems.items()
        keys = [k["messageGroupId"]["S"] for k in request["Keys"]]
        return {"Responses": {table: [self.items[k] for k in keys if k in self.items]}}

    def batch_execute_statement(self, Statements: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        return {"Responses": [self._execute(s["Statement"], s["Parameters"]) for s in Statements]}

    def _execute(self, statement: str, parameters: list[Any]) -> dict[str, Any]:
        if statement.startswith("INSERT"):
            names = re.findall(r"'(\w+)': \?", statement)
            item = dict(zip(names, parameters, strict=True))
            key = item["messageGroupId"]["S"]
            if key in self.items:
                return {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}}
            self.items[key] = item
            return {}
        sets_text, where_text = statement.split(" WHERE ")
        sets = re.findall(r'SET "(\w+)" = \?', sets_text)
        conditions = re.findall(r'"(\w+)" = \?', where_text)
        values = dict(zip(sets, parameters[: len(sets)], strict=True))
        expected = dict(zip(conditions, parameters[len(sets) :], strict=True))
        current = self.items.get(expected["messageGroupId"]["S"])
        if current is None or any(current.get(k) != v for k, v in expected.items()):
            return {"Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}}
        current.update(values)
        return {}


class _World:
    """The queue, the topic, the DLQ and the clock the buffer function sees."""

    def __init__(self, interval: float, backlog_limit: float, holding: bool) -> None:
        self.now = 0.0
        self.queue = CompactFifo(VISIBILITY_TIMEOUT, RETENTION)
        self.table = _Table()
        self.delivered_at: dict[str, float] = {}
        self.dead_lettered: dict[str, str] = {}
        self.invocations = 0
        processor = _processor()
        settings = processor.BufferSettings(
            group_table="buffer",
            topic_arn="arn:aws:sns:us-east-1:123456789012:fan.fifo",
            topic_fifo=True,
            source_queue_url="buffer",
            dlq_url="buffer-dlq",
            interval_seconds=interval,
            max_attempts=5,
            event_ttl_seconds=2_592_000,
            group_ttl_seconds=2_592_000,
            max_group_backlog_seconds=backlog_limit,
        )
        self.function = processor.BufferFunction(
            sqs=self, sns=self, dynamodb=self.table, settings=settings, clock=lambda: self.now, sleep=lambda s: None
        )
        self.holding = holding

    # SNS and SQS as the function calls them
    def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        for entry in PublishBatchRequestEntries:
            self.delivered_at.setdefault(entry["MessageDeduplicationId"], self.now)
        return {"Successful": [{"Id": e["Id"]} for e in PublishBatchRequestEntries], "Failed": []}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        for entry in Entries:
            attributes = entry["MessageAttributes"]
            self.dead_lettered[attributes["eventId"]["StringValue"]] = attributes["reason"]["StringValue"]
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        failed = []
        for entry in Entries:
            seq = self.queue.seq_of(entry["ReceiptHandle"], self.now)
            if seq is None:
                failed.append({"Id": entry["Id"], "Code": "InvalidParameterValue", "Message": "expired"})
            else:
                self.queue.change_visibility(seq, float(entry["VisibilityTimeout"]), self.now)
        return {"Successful": [], "Failed": failed}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        for entry in Entries:
            seq = self.queue.seq_of(entry["ReceiptHandle"], self.now)
            if seq is not None:
                self.queue.delete(seq, self.now)
        return {"Successful": [], "Failed": []}

    # the event source mapping
    def record(self, seq: int) -> dict[str, Any]:
        queue = self.queue
        return {
            "messageId": f"m{seq}",
            "receiptHandle": queue.handle(seq),
            "body": f'{{"n": {seq}}}',
            "attributes": {
                "MessageGroupId": queue.groups[queue.group_of[seq]],
                "MessageDeduplicationId": f"e{seq}",
                "ApproximateReceiveCount": str(queue.receives[seq]),
                "SentTimestamp": str(int(queue.sent_at[seq] * 1000)),
            },
            "messageAttributes": {},
        }

    def tick(self) -> bool:
        """Up to ``CONCURRENCY`` invocations at the current instant; False when nothing was received."""
        processor = _processor()
        original = processor.settle
        if self.holding:
            processor.settle = _settle_holding(original)
        try:
            busy = False
            for _ in range(CONCURRENCY):
                seqs = self.queue.receive(10, self.now)
                if not seqs:
                    break
                busy = True
                event = {"Records": [self.record(s) for s in seqs]}
                result = self.function.handle(event)
                self.invocations += 1
                failed = {f["itemIdentifier"] for f in result.response["batchItemFailures"]}
                for seq in seqs:
                    if f"m{seq}" not in failed:
                        self.queue.delete(seq, self.now)
            return busy
        finally:
            processor.settle = original


def _run(world: _World, sends: list[tuple[float, str]], until: float, stop: Callable[[], bool]) -> None:
    pending = 0
    while world.now <= until and not stop():
        while pending < len(sends) and sends[pending][0] <= world.now:
            world.queue.send(sends[pending][1], sends[pending][0])
            pending += 1
        if world.tick():
            world.now += INVOCATION_SECONDS
            continue
        upcoming = [t for t in (world.queue.next_change(),) if t is not None]
        if pending < len(sends):
            upcoming.append(sends[pending][0])
        if not upcoming:
            return
        world.now = max(world.now + INVOCATION_SECONDS, min(upcoming) + 0.001)


def waiting_users(users: int, batch: int, holding: bool) -> dict[str, Any]:
    world = _World(interval=3600.0, backlog_limit=0.0 if holding else DEFAULT_BACKLOG_LIMIT, holding=holding)
    first = [(0.0, f"user-{u}") for u in range(users)]
    later = [(1.0, name) for _, name in first]  # one tuple per user, repeated: no copy per event
    sends = first + [send for send in later for _ in range(batch)]
    started = time.perf_counter()
    _run(world, sends, until=3500.0, stop=lambda: world.queue.stalled > 0)
    first_events = users  # the first event of each user is sent first: seqs 0..users-1
    waiting = len(
        {world.queue.group_of[s] for s in range(first_events, len(world.queue.group_of)) if world.queue.receives[s]}
    )
    return {
        "users": users,
        "stalledByInFlightCap": world.queue.stalled_by_cap > 0,
        "stalledByReceiveScan": world.queue.stalled_by_scan > 0,
        "waitingUsersBeforeStall": waiting,
        "inFlightAtEnd": world.queue.in_flight,
        "invocations": world.invocations,
        "wallSeconds": round(time.perf_counter() - started, 1),
    }


def hot_user(hot: int, others: int, holding: bool, backlog_limit: float, run_for: float) -> dict[str, Any]:
    interval = 60.0
    world = _World(interval=interval, backlog_limit=backlog_limit, holding=holding)
    sends = [(0.0, "user-hot")] * hot
    for i in range(others):
        sends += [(10.0 + i * 0.5, f"user-{i}"), (11.0 + i * 0.5, f"user-{i}")]
    first_other = hot
    started = time.perf_counter()

    def others_done() -> bool:
        return all(
            f"e{s}" in world.delivered_at or f"e{s}" in world.dead_lettered for s in range(first_other, len(sends))
        )

    _run(world, sends, until=run_for, stop=lambda: world.now > 20.0 and world.invocations % 50 == 0 and others_done())
    delays = []
    for i in range(others):
        first, second = f"e{first_other + 2 * i}", f"e{first_other + 2 * i + 1}"
        sent_first, sent_second = 10.0 + i * 0.5, 11.0 + i * 0.5
        end = world.now
        got_first = world.delivered_at.get(first, end)
        delays.append(got_first - sent_first)
        window_end = max(sent_second, got_first + interval)
        delays.append(world.delivered_at.get(second, end) - window_end)
    delays.sort()
    p99 = delays[min(len(delays) - 1, int(round(0.99 * (len(delays) - 1))))]
    hot_delivered = sum(1 for s in range(hot) if f"e{s}" in world.delivered_at)
    return {
        "hotEvents": hot,
        "otherUsers": others,
        "backlogLimitSeconds": backlog_limit,
        "othersDelayP99Seconds": round(p99, 3),
        "othersDelivered": sum(1 for s in range(first_other, len(sends)) if f"e{s}" in world.delivered_at),
        "othersEvents": 2 * others,
        "hotDelivered": hot_delivered,
        "hotDeadLettered": sum(1 for s in range(hot) if f"e{s}" in world.dead_lettered),
        "expiredUnseen": len(world.queue.expired),
        "simulatedSeconds": round(world.now, 1),
        "invocations": world.invocations,
        "wallSeconds": round(time.perf_counter() - started, 1),
    }


def run_scale(users: int = 130_000, hot: int = 200_000, others: int = 1_000) -> dict[str, Any]:
    """Both workloads, today's buffer ("ours") and the previous design ("held"), side by side."""
    run_for = RETENTION + 86_400
    results: dict[str, Any] = {
        "waitingUsers": {
            "ours": waiting_users(users, 10, holding=False),
            "held": waiting_users(users, 10, holding=True),
        },
        "hotUser": {
            "ours": hot_user(hot, others, holding=False, backlog_limit=DEFAULT_BACKLOG_LIMIT, run_for=run_for),
            "oursLimit3600": hot_user(hot, others, holding=False, backlog_limit=3600.0, run_for=run_for),
            "held": hot_user(hot, others, holding=True, backlog_limit=0.0, run_for=run_for),
        },
    }
    return results


if __name__ == "__main__":  # pragma: no cover - a quick look: python -m local.bench.scale
    print(json.dumps(run_scale(users=2_000, hot=2_000, others=50), indent=2))
