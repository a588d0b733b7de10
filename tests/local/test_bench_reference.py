"""The bench's reference is the published sample's handler and settings (``local/bench/baseline.py``
cites the sample's files): a GetItem for every record, whole seconds compared strictly, no
deduplication id sent, SQS's redrive after 5 receives; and its settings never reach our own runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.bench.baseline import (
    MAX_RECEIVE_COUNT,
    TABLE_NAME,
    BaselineInvoker,
    create_customer_table,
    reference_setup,
)
from local.bench.runner import measure
from local.capture import PROJECT_ROOT
from local.emulator import VirtualClock, emulator, sqs_backend
from local.simulate.runner import _plan, simulate
from local.simulate.scenario import Scenario, parse_scenario

DOWNSTREAM = "downstream.fifo"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(start=1_767_225_600.0)  # a whole second


@pytest.fixture
def downstream_url(clock: VirtualClock) -> Iterator[str]:
    with emulator(clock):
        create_customer_table()
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        yield str(boto3.client("sqs").create_queue(QueueName=DOWNSTREAM, Attributes=attributes)["QueueUrl"])


def record(group: str, event_id: str) -> dict[str, Any]:
    return {
        "messageId": f"m-{event_id}",
        "body": json.dumps({"id": event_id}),
        "attributes": {"MessageGroupId": group, "MessageDeduplicationId": event_id},
    }


def last_delivery(group: str, ttl: int) -> None:
    boto3.client("dynamodb").put_item(TableName=TABLE_NAME, Item={"customer_id": {"S": group}, "ttl": {"N": str(ttl)}})


def failed(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def test_every_record_of_a_blocked_group_still_costs_a_get_item(clock: VirtualClock, downstream_url: str) -> None:
    last_delivery("blocked", int(clock.now()) + 30)
    invoker = BaselineInvoker(clock, downstream_url)
    batch = [record("blocked", "b1"), record("blocked", "b2"), record("free", "f1"), record("free", "f2")]
    response = invoker({"Records": batch})
    assert failed(response) == ["m-b1", "m-b2", "m-f2"]  # f2: f1's new item blocks it
    assert invoker.counter.calls == {"dynamodb:GetItem": 4, "sqs:SendMessage": 1, "dynamodb:PutItem": 1}


def test_the_ttl_is_whole_seconds_and_must_be_strictly_past(clock: VirtualClock, downstream_url: str) -> None:
    invoker = BaselineInvoker(clock, downstream_url)
    clock.advance_to(0.9)  # delivered at .9: ttl = int(now) + 60
    assert failed(invoker({"Records": [record("g", "e1")]})) == []
    item = boto3.client("dynamodb").get_item(TableName=TABLE_NAME, Key={"customer_id": {"S": "g"}})["Item"]
    assert item == {"customer_id": {"S": "g"}, "ttl": {"N": str(int(clock.start) + 60)}}
    clock.advance_to(60.95)  # 60.05 s later, but int(now) == ttl: not < 0
    assert failed(invoker({"Records": [record("g", "e2")]})) == ["m-e2"]
    clock.advance_to(61.0)  # 60.1 s later, int(now) == ttl + 1
    assert failed(invoker({"Records": [record("g", "e2")]})) == []
    clock.advance_to(121.999)  # delivered at 61.0 (ttl 121): 60.999 s later still blocked
    assert failed(invoker({"Records": [record("g", "e3")]})) == ["m-e3"]


def test_no_deduplication_id_is_sent_downstream(clock: VirtualClock, downstream_url: str) -> None:
    invoker = BaselineInvoker(clock, downstream_url)
    sent: list[dict[str, Any]] = []
    invoker.sqs.meta.events.register("provide-client-params.sqs.SendMessage", lambda params, **_: sent.append(params))
    assert failed(invoker({"Records": [record("g", "e1")]})) == []
    assert sent and "MessageDeduplicationId" not in sent[0] and sent[0]["MessageGroupId"] == "g"
    plain = boto3.client("sqs").create_queue(QueueName="plain.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    without_content_dedup = BaselineInvoker(clock, str(plain))
    assert failed(without_content_dedup({"Records": [record("h", "e2")]})) == ["m-e2"]  # SQS refuses the send


def one_group_at_once(events: int) -> Scenario:
    """``events`` of one group sent together, and one of another group."""
    sent = [{"at": 0.0, "group": "throttled", "id": f"t{i}", "body": {"i": i}} for i in range(events)]
    sent.append({"at": 0.0, "group": "other", "id": "o0", "body": {"i": -1}})
    config = {name: {"enabled": False} for name in ("eventfork:backup", "eventfork:analytics", "eventfork:replay")}
    return parse_scenario({"name": "reference-redrive", "events": sent, "runFor": 3_000, "config": config})


def test_a_throttled_groups_record_reaches_the_dlq_after_5_receives() -> None:
    scenario = one_group_at_once(4)
    report = simulate(scenario, buffer_invoker=BaselineInvoker.for_plan, after_provision=reference_setup_checked)
    # back every 60 s, through a 60..61 s whole-second window: a delivery every second return
    assert report["delivered"] == {"throttled": ["t0", "t1", "t2"], "other": ["o0"]}
    assert [round(report["deliveredAt"][i]) for i in ("t0", "t1", "t2")] == [0, 120, 240]
    assert report["deadLettered"] == ["t3"]  # received at 0, 60, 120, 180, 240; the 6th receive moves it
    assert report["deadLetterReasons"]["t3"] == "redriven by SQS after maxReceiveCount receives"
    ours = measure(scenario, baseline=False)
    assert (ours["delivered"], ours["deadLettered"], ours["deadLetteredHealthy"]) == (5, 0, 0)
    reference = measure(scenario, baseline=True)
    assert (reference["delivered"], reference["deadLettered"], reference["deadLetteredHealthy"]) == (4, 1, 1)


def reference_setup_checked(topology: Any, plan: Any) -> None:
    """The reference setup, then what it left on the buffer queue."""
    reference_setup(topology, plan)
    queue = sqs_backend().get_queue(str(plan.outputs["bufferQueueUrl"]).rsplit("/", 1)[-1])
    assert queue.redrive_policy["maxReceiveCount"] == MAX_RECEIVE_COUNT
    assert int(queue.visibility_timeout) == 60


def test_the_reference_settings_stay_out_of_the_cached_plan() -> None:
    scenario = one_group_at_once(2)
    plan = _plan(PROJECT_ROOT, "dev", scenario.config)
    before = json.dumps([r.inputs for r in plan.resources], sort_keys=True, default=str)
    measure(scenario, baseline=True)
    assert json.dumps([r.inputs for r in plan.resources], sort_keys=True, default=str) == before
