"""The world the scale section's buffer function runs in: P partition queues, one table, one clock.

Each partition is a compact FIFO queue (``compact_fifo``) with its own event source mapping, which
runs up to ``CONCURRENCY`` invocations per 50 ms of virtual time; records carry their queue's
``eventSourceARN`` as Lambda's do, and the function's visibility changes and deletes go to the
queue its ``QueueUrl`` names. Producers route each group to ``partition_of(group, P)``. All
partitions share one buffer function, one buffer table and the virtual clock, so they are played
together and a stall in any one of them is seen at the moment it happens.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable
from typing import Any

from local.bench.compact_fifo import CompactFifo
from local.emulator.dynamodb import parse_statement
from local.simulate.invokers import BUFFER_DIR, load_module, partitions_module

INVOCATION_SECONDS = 0.05
CONCURRENCY = 10  # per event source mapping, i.e. per partition queue
VISIBILITY_TIMEOUT = 180.0
RETENTION = 1_209_600.0
DEFAULT_BACKLOG_LIMIT = RETENTION - 86_400
FIRST_QUEUE = "buffer.fifo"
ACCOUNT_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/"
ACCOUNT_ARN = "arn:aws:sqs:us-east-1:123456789012:"
_modules: dict[str, Any] = {}


def processor_module() -> Any:
    if "processor" not in _modules:
        _modules["processor"] = load_module(BUFFER_DIR, "processor", "eventfork_scale_buffer_processor")
    return _modules["processor"]


def settle_holding(settle: Callable[..., Any]) -> Callable[..., Any]:
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


class Table:
    """The buffer table, for the statements ``group_state`` builds (INSERT ... VALUE, UPDATE ... SET ... WHERE)."""

    def __init__(self, calls: Counter[str]) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.calls = calls

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's names
        self.calls["dynamodb:BatchGetItem"] += 1
        (table, request), *_ = RequestItems.items()
        keys = [k["messageGroupId"]["S"] for k in request["Keys"]]
        return {"Responses": {table: [self.items[k] for k in keys if k in self.items]}}

    def batch_execute_statement(self, Statements: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls["dynamodb:BatchExecuteStatement"] += 1
        return {"Responses": [self._execute(s["Statement"], s["Parameters"]) for s in Statements]}

    def _execute(self, statement: str, parameters: list[Any]) -> dict[str, Any]:
        kind, _, written, where = parse_statement(statement, parameters)
        if kind == "INSERT":
            key = written["messageGroupId"]["S"]
            if key in self.items:
                return {"Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}}
            self.items[key] = written
            return {}
        current = self.items.get(where["messageGroupId"]["S"])
        if current is None or any(current.get(k) != v for k, v in where.items()):
            return {"Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}}
        current.update(written)
        return {}


class World:
    """The partition queues, the topic, the DLQ and the clock the buffer function sees.

    Events are named by their index in the workload's send list (``e<index>``), whatever queue
    carries them; ``ids[p][seq]`` is that index for partition ``p``'s message ``seq``.
    """

    def __init__(
        self, interval: float, backlog_limit: float, holding: bool, partitions: int = 1, clearing: bool = False
    ) -> None:
        self.now = 0.0
        self.partitions = partitions
        names = [partitions_module().partition_queue_name(FIRST_QUEUE, i) for i in range(partitions)]
        self.queues = [CompactFifo(VISIBILITY_TIMEOUT, RETENTION) for _ in names]
        self.arns = [ACCOUNT_ARN + name for name in names]
        self.by_url = {ACCOUNT_URL + name: index for index, name in enumerate(names)}
        self.ids = [array("i") for _ in names]
        self.route: dict[str, int] = {}
        self.calls: Counter[str] = Counter()
        self.table = Table(self.calls)
        self.delivered_at: dict[str, float] = {}
        self.dead_lettered: dict[str, str] = {}
        self.invocations = 0
        self.stalled = False  # some partition's receive returned nothing while messages waited
        processor = processor_module()
        settings = processor.BufferSettings(
            group_table="buffer",
            topic_arn="arn:aws:sns:us-east-1:123456789012:fan.fifo",
            topic_fifo=True,
            source_queue_url=ACCOUNT_URL + FIRST_QUEUE,
            dlq_url=ACCOUNT_URL + "buffer-dlq.fifo",
            interval_seconds=interval,
            max_attempts=5,
            event_ttl_seconds=2_592_000,
            group_ttl_seconds=2_592_000,
            max_group_backlog_seconds=backlog_limit,
            partitions=partitions,
        )
        clock, sleep = (lambda: self.now), (lambda s: None)
        edge = processor.AwsEdge(sqs=self, sns=self, dynamodb=self.table, settings=settings, clock=clock, sleep=sleep)
        self.function = processor.BufferFunction(
            edge=edge,
            settings=settings,
            clock=clock,
            sleep=sleep,
            settle=settle_holding(processor.settle) if holding else processor.settle,
        )
        # A bound, not a design: every record the function leaves for later is deleted in the
        # receive that found it, as the fastest overflow store or side queue would take it off.
        self.clearing = clearing
        self.cleared: dict[str, float] = {}  # event -> when it left the queue

    # the producer
    def partition(self, group: str) -> int:
        index = self.route.get(group)
        if index is None:
            index = self.route[group] = partitions_module().partition_of(group, self.partitions)
        return index

    def send(self, index: int, group: str, at: float) -> None:
        partition = self.partition(group)
        self.queues[partition].send(group, at)
        self.ids[partition].append(index)

    # SNS and SQS as the function calls them
    def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls["sns:PublishBatch"] += 1
        for entry in PublishBatchRequestEntries:
            self.delivered_at.setdefault(entry["MessageDeduplicationId"], self.now)
        return {"Successful": [{"Id": e["Id"]} for e in PublishBatchRequestEntries], "Failed": []}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls["sqs:SendMessageBatch"] += 1
        for entry in Entries:
            attributes = entry["MessageAttributes"]
            self.dead_lettered[attributes["eventId"]["StringValue"]] = attributes["reason"]["StringValue"]
        return {"Successful": [{"Id": e["Id"]} for e in Entries], "Failed": []}

    def _message(self, url: str, handle: str) -> tuple[CompactFifo, int | None]:
        """The queue a URL names and the message of a receipt handle (None: not valid for that queue)."""
        if url not in self.by_url:
            raise LookupError(f"AWS.SimpleQueueService.NonExistentQueue: {url}")
        partition = self.by_url[url]
        queue = self.queues[partition]
        issuer, _, queue_handle = handle.partition("/")
        if issuer != f"p{partition}":  # a receipt handle is valid only for the queue that issued it
            return queue, None
        return queue, queue.seq_of(queue_handle, self.now)

    def _each_message(
        self, url: str, entries: list[dict[str, Any]], act: Callable[[CompactFifo, int, dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Apply ``act`` to each entry's message; a handle not valid for the queue fails its entry."""
        failed = []
        for entry in entries:
            queue, seq = self._message(url, entry["ReceiptHandle"])
            if seq is None:
                failed.append({"Id": entry["Id"], "Code": "ReceiptHandleIsInvalid", "Message": "not in flight"})
            else:
                act(queue, seq, entry)
        return {"Successful": [], "Failed": failed}

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls["sqs:ChangeMessageVisibilityBatch"] += 1
        return self._each_message(
            QueueUrl,
            Entries,
            lambda queue, seq, entry: queue.change_visibility(seq, float(entry["VisibilityTimeout"]), self.now),
        )

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls["sqs:DeleteMessageBatch"] += 1
        return self._each_message(QueueUrl, Entries, lambda queue, seq, entry: queue.delete(seq, self.now))

    # the event source mappings
    def record(self, partition: int, seq: int) -> dict[str, Any]:
        queue = self.queues[partition]
        return {
            "messageId": f"m{partition}-{seq}",
            "receiptHandle": f"p{partition}/{queue.handle(seq)}",
            "body": f'{{"n": {seq}}}',
            "attributes": {
                "MessageGroupId": queue.groups[queue.group_of[seq]],
                "MessageDeduplicationId": f"e{self.ids[partition][seq]}",
                "ApproximateReceiveCount": str(queue.receives[seq]),
                "SentTimestamp": str(int(queue.sent_at[seq] * 1000)),
            },
            "messageAttributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arns[partition],
        }

    def active(self) -> list[int]:
        """Partitions with messages: an empty queue receives nothing and never stalls."""
        return [p for p, queue in enumerate(self.queues) if queue.undeleted]

    def tick(self) -> bool:
        """Up to ``CONCURRENCY`` invocations per partition at the current instant; False when nothing was received."""
        busy = False
        for partition in self.active():
            busy = self._poll(partition) or busy
        return busy

    def _poll(self, partition: int) -> bool:
        queue, busy = self.queues[partition], False
        clear: list[int] = []  # taken off when this step's invocations end, so the group stays busy until then
        for _ in range(CONCURRENCY):
            stalls = queue.stalled
            seqs = queue.receive(10, self.now)
            if not seqs:
                self.stalled = self.stalled or queue.stalled > stalls
                break
            busy = True
            result = self.function.handle({"Records": [self.record(partition, s) for s in seqs]})
            self.invocations += 1
            failed = {f["itemIdentifier"] for f in result.response["batchItemFailures"]}
            for seq in seqs:
                if f"m{partition}-{seq}" not in failed:
                    queue.delete(seq, self.now)
                elif self.clearing:
                    clear.append(seq)
        for seq in clear:
            queue.delete(seq, self.now)
            self.cleared.setdefault(f"e{self.ids[partition][seq]}", self.now + INVOCATION_SECONDS)
        return busy

    def next_change(self) -> float | None:
        changes = [at for p in self.active() if (at := self.queues[p].next_change()) is not None]
        return min(changes) if changes else None

    def received_events(self) -> int:
        return sum(sum(1 for r in queue.receives if r) for queue in self.queues)

    def function_calls(self) -> dict[str, Any]:
        """The buffer function's AWS calls, by API, and per event it received (the mappings' deletes excluded)."""
        received = self.received_events()
        settled = len(self.delivered_at) + len(self.dead_lettered)
        total = sum(self.calls.values())
        return {
            "functionCalls": dict(sorted(self.calls.items())),
            "eventsReceived": received,
            "eventsSettled": settled,  # delivered or dead-lettered
            "functionCallsPerEventReceived": round(total / max(received, 1), 3),
            "functionCallsPerEventSettled": round(total / max(settled, 1), 3),
        }


def run(world: World, sends: list[tuple[float, str]], until: float, stop: Callable[[], bool]) -> None:
    """Send on time, poll every partition each 50 ms while busy, else jump to the next change."""
    pending = 0
    while world.now <= until and not stop():
        while pending < len(sends) and sends[pending][0] <= world.now:
            world.send(pending, sends[pending][1], sends[pending][0])
            pending += 1
        if world.tick():
            world.now += INVOCATION_SECONDS
            continue
        upcoming = [t for t in (world.next_change(),) if t is not None]
        if pending < len(sends):
            upcoming.append(sends[pending][0])
        if not upcoming:
            return
        world.now = max(world.now + INVOCATION_SECONDS, min(upcoming) + 0.001)
