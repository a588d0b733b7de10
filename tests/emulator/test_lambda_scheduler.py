"""Lambda's concurrency and timeout (``local/emulator/lambda_scheduler.py`` with ``lambda_sqs.Poller``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from local.emulator import EmulatorState, sqs_backend
from local.emulator.faults import Latency
from local.emulator.lambda_scheduler import DEFAULT_MAX_CONCURRENCY, Scheduler
from local.emulator.lambda_sqs import Poller
from tests.emulator.conftest import client, fifo_queue

SCALING_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html"
TIMEOUT_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html"
ARN = "arn:aws:sqs:us-east-1:123456789012:q.fifo"


@dataclass
class _Function:
    name: str = "f"
    timeout: int = 30


@dataclass
class _Mapping:
    queue_name: str = "q.fifo"
    batch_size: int = 1
    function: _Function = field(default_factory=_Function)
    function_response_types: list[str] = field(default_factory=lambda: ["ReportBatchItemFailures"])


@dataclass
class _SlowFunction:
    """Makes ``calls`` GetQueueAttributes calls (slow when the test adds a latency) and logs when it ran."""

    state: EmulatorState
    calls: int = 1
    spans: list[tuple[float, float]] = field(default_factory=list)
    trace: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        started = self.state.clock.t
        body = event["Records"][0]["body"]
        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName="q.fifo")["QueueUrl"]
        for n in range(self.calls):
            self.trace.append((body, n))
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        self.spans.append((started, self.state.clock.t))
        return {"batchItemFailures": []}


def _queue(groups: list[str], visibility: int = 30) -> None:
    sqs = client("sqs")
    url = fifo_queue(sqs, VisibilityTimeout=str(visibility))
    for i, group in enumerate(groups):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId=group, MessageDeduplicationId=f"m{i}")


def _drive(state: EmulatorState, pollers: list[Poller], until: float, step: float = 1.0) -> None:
    """What the simulate runner does: poll, run what is due, move to the next instant."""
    scheduler = state.scheduler
    while True:
        while True:
            progressed = any([p.poll(ARN) for p in pollers])
            progressed = scheduler.run_until(state.clock.t) or progressed
            if not progressed:
                break
        if state.clock.t >= until:
            break
        wake = scheduler.next_wake()
        state.clock.advance_to(min(wake, state.clock.t + step) if wake is not None else state.clock.t + step)


def _overlap(spans: list[tuple[float, float]]) -> int:
    edges = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1]))
    most = now = 0
    for _, delta in edges:
        now += delta
        most = max(most, now)
    return most


def _scheduled(aws: EmulatorState, seed: int = 0) -> Scheduler:
    aws.scheduler = Scheduler(aws.clock, seed)
    return aws.scheduler


def test_invocations_overlap_up_to_the_mappings_maximum_concurrency(aws: EmulatorState) -> None:
    """SCALING_DOC: maximum concurrency limits the number of concurrent instances of the function an SQS
    event source can invoke (2..1000); a FIFO batch may hold several groups, each in one batch at a time."""
    _queue([f"g{i}" for i in range(6)])
    aws.latencies.append(Latency("sqs", "GetQueueAttributes", 5.0, 0, 1000))
    function = _SlowFunction(aws)
    poller = Poller(_Mapping(), function, aws, scheduler=_scheduled(aws), max_concurrency=2)
    _drive(aws, [poller], until=30)
    assert len(function.spans) == 6 and poller.delete_batches == 6
    assert _overlap(function.spans) == 2 == poller.max_in_flight
    assert sorted(s for s, _ in function.spans) == [0, 0, 5, 5, 10, 10]


def test_without_maximum_concurrency_every_group_runs_at_once_and_one_group_never_twice(aws: EmulatorState) -> None:
    """SCALING_DOC: without maximum concurrency a mapping processes up to 1,000 batches at once; for FIFO
    queues concurrent invocations are limited by the number of message groups."""
    _queue([f"g{i}" for i in range(30)] + ["one", "one", "one"])
    aws.latencies.append(Latency("sqs", "GetQueueAttributes", 5.0, 0, 1000))
    function = _SlowFunction(aws)
    poller = Poller(_Mapping(), function, aws, scheduler=_scheduled(aws))
    assert poller.max_concurrency == DEFAULT_MAX_CONCURRENCY == 1000
    _drive(aws, [poller], until=30)
    assert poller.max_in_flight == 31  # 30 groups and the first message of "one"
    one = [span for span, record in zip(function.spans, function.trace, strict=True) if record[0] in ("m30", "m31")]
    assert _overlap(one) == 1


def test_invocations_at_one_instant_interleave_at_aws_calls_in_an_order_fixed_by_the_seed(aws: EmulatorState) -> None:
    _queue([f"g{i}" for i in range(4)])
    function = _SlowFunction(aws, calls=3)
    poller = Poller(_Mapping(), function, aws, scheduler=_scheduled(aws, seed=1), max_concurrency=4)
    for _ in range(4):  # the poller fills its free concurrency from one instant's messages
        poller.poll(ARN)
    aws.scheduler.run_until(0.0)
    assert poller.max_in_flight == 4 and len(function.spans) == 4
    bodies = [body for body, _ in function.trace]
    assert bodies != sorted(bodies)  # not one invocation after the other: they interleaved at calls
    assert all(bodies.count(b) == 3 for b in set(bodies))


def test_the_same_seed_gives_the_same_interleaving() -> None:
    from local.emulator import VirtualClock, emulator

    def order(seed: int) -> list[tuple[str, int]]:
        with emulator(VirtualClock()) as state:
            _queue([f"g{i}" for i in range(4)])
            function = _SlowFunction(state, calls=3)
            poller = Poller(_Mapping(), function, state, scheduler=_scheduled(state, seed), max_concurrency=4)
            for _ in range(4):
                poller.poll(ARN)
            state.scheduler.run_until(0.0)
            return function.trace

    assert order(3) == order(3)
    assert len({tuple(order(seed)) for seed in range(6)}) > 1


@dataclass
class _TwoSends:
    """Sends to queue ``out`` twice; the second send is wrapped in ``except Exception`` as handlers do."""

    state: EmulatorState
    caught: list[str] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName="out")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="first")
        try:
            sqs.send_message(QueueUrl=url, MessageBody="second")
        except Exception as error:  # noqa: BLE001 - the kill must not be catchable as an error
            self.caught.append(str(error))
        return {"batchItemFailures": []}


def test_the_function_is_stopped_at_its_timeout(aws: EmulatorState) -> None:
    """TIMEOUT_DOC: Lambda runs the function until the timeout, then stops it and the invocation fails; an SQS
    batch whose invocation failed is not deleted and returns after its visibility timeout. A call started
    before the deadline has its effect; no call is made after it."""
    _queue(["g"], visibility=60)
    client("sqs").create_queue(QueueName="out")
    aws.latencies.append(Latency("sqs", "SendMessage", 5.0, 0, 1000))
    function = _TwoSends(aws)
    poller = Poller(_Mapping(function=_Function(timeout=3)), function, aws, scheduler=_scheduled(aws))
    _drive(aws, [poller], until=20)
    sent = [m.body for m in sqs_backend().get_queue("out")._messages]
    assert sent == ["first"]  # started at 0, completed at 5 (after the deadline); the second never started
    assert function.caught == []
    assert poller.timeouts == 1 and poller.error_times == [3.0] and poller.delete_batches == 0
    assert [m.body for m in sqs_backend().get_queue("q.fifo")._messages] == ["m0"]  # back after visibility


def test_visibility_that_expires_during_a_slow_call_hands_the_message_to_another_invocation(
    aws: EmulatorState,
) -> None:
    """SQS: a message not deleted within its visibility timeout is received again (here by a second invocation
    while the first is still in its call)."""
    _queue(["g"], visibility=10)
    aws.latencies.append(Latency("sqs", "GetQueueAttributes", 15.0, 0, 5))
    function = _SlowFunction(aws)
    poller = Poller(_Mapping(function=_Function(timeout=60)), function, aws, scheduler=_scheduled(aws))
    _drive(aws, [poller], until=40)
    assert poller.invocations == 2 and poller.max_in_flight == 2
    assert sorted(function.spans) == [(0.0, 15.0), (11.0, 11.0)]
    assert poller.delete_batches == 2
    assert sqs_backend().get_queue("q.fifo")._messages == []  # the second invocation deleted it


def test_an_error_escaping_an_invocation_reaches_the_runner(aws: EmulatorState) -> None:
    scheduler = _scheduled(aws)

    def broken() -> None:
        raise LookupError("a defect in the poller, not a function error")

    scheduler.start(broken, timeout=3)
    with pytest.raises(LookupError, match="defect"):
        scheduler.run_until(0.0)
    assert scheduler.running == []
