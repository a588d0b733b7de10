"""``python -m local simulate``: play a scenario against the stack's plan in the embedded emulator.

The plan is captured (with the scenario's config overrides), its resources are created in moto
from the captured inputs, each enabled event source mapping becomes a poller that invokes the
real handler with the real SQS event shape (``local.emulator.lambda_sqs``: deleting what the
handler did not report failed, as Lambda does),
and time jumps from one interesting instant to the next: a producer send, a message becoming
visible again, a delivery stream's buffer filling up. Hours of scenario take seconds.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

from local.account import ACCOUNT_ID
from local.capture import PROJECT_ROOT, REGION, Capture, capture
from local.emulator import VirtualClock, emulator, sqs_backend
from local.emulator.errors import AwsError
from local.emulator.faults import Latency, Outage
from local.emulator.firehose import FirehoseEmulator
from local.emulator.lambda_scheduler import Scheduler
from local.emulator.lambda_sqs import Poller
from local.simulate.actions import redrive_dlq
from local.simulate.dump import DumpError, write_dump
from local.simulate.invokers import BufferInvoker, FaultBook, make_invoker, partitions_module
from local.simulate.provision import FunctionInfo, Topology, provision
from local.simulate.report import build_report, format_report
from local.simulate.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

MAX_ROUNDS_PER_INSTANT = 10_000


def _next_visible(queue_names: list[str], now_ms: float) -> float | None:
    """Earliest epoch second at which a waiting message of these queues becomes receivable."""
    backend = sqs_backend()
    best: float | None = None
    for name in queue_names:
        for message in backend.get_queue(name)._messages:
            for instant in (message.visible_at, message.delayed_until):
                if instant and instant >= now_ms and (best is None or instant < best):
                    best = instant
    return None if best is None else best / 1000.0 + 0.001


@dataclass
class Run:
    """Everything the report is built from."""

    scenario: Scenario
    plan: Capture
    topology: Topology
    clock: VirtualClock
    state: Any
    pollers: list[Poller]
    firehose: FirehoseEmulator
    buffer: Any
    faults: FaultBook
    sent: list[str]
    wall_seconds: float = 0.0
    refused: dict[str, str] = field(default_factory=dict)  # event id -> SQS's error to the producer
    queue_dedup: list[tuple[str, str]] = field(default_factory=list)  # (group, id) SQS dropped as a duplicate
    concurrency_peaks: dict[str, int] = field(default_factory=dict)  # function -> most invocations at once
    redriven: list[dict[str, Any]] = field(default_factory=list)  # events put back by redriveDlq actions


def simulate(
    scenario: Scenario,
    stack: str = "dev",
    project_dir: Path = PROJECT_ROOT,
    buffer_invoker: Callable[[FunctionInfo, VirtualClock, FaultBook, Capture], Any] | None = None,
    after_provision: Callable[[Topology, Capture], None] | None = None,
    dump_dir: Path | None = None,
) -> dict[str, Any]:
    """Play ``scenario`` and return the report (docs/local.md format plus diagnostics).

    ``buffer_invoker`` replaces the buffer function (benchmarks run a baseline through the same
    emulator); ``after_provision`` may adjust the created resources before the first event.
    """
    started = time.perf_counter()
    plan = _plan(project_dir, stack, scenario.config)
    clock = VirtualClock(scenario.start_at)
    with emulator(clock) as state:
        if scenario.existing_topic is not None:
            _create_existing_topic(plan, scenario.existing_topic, state)
        topology = provision(plan)
        state.per_group_topics |= set(topology.per_group_topics)
        primary = str(plan.outputs.get("primaryQueueUrl", "")).rsplit("/", 1)[-1]
        state.observed_queues = {primary}
        faults = FaultBook.of(scenario.faults)
        _arm_dependency_faults(state, scenario)
        _seed_table(plan, scenario.table_items)
        if after_provision is not None:
            after_provision(topology, plan)
        invokers = {}
        for arn, info in topology.functions.items():
            if buffer_invoker is not None and (info.code_dir / "processor.py").is_file():
                invokers[arn] = buffer_invoker(info, clock, faults, plan)
            else:
                invokers[arn] = make_invoker(info, clock, faults)
        s3 = boto3.client("s3")
        firehose = FirehoseEmulator(
            topology.streams, clock, s3, lambda arn, event: _invoke_by_arn(invokers, arn, event)
        )
        state.firehose_sink = firehose.put
        scheduler = Scheduler(clock, scenario.seed)
        state.scheduler = scheduler
        pollers = [
            Poller(
                m,
                invokers[m.function.arn],
                state,
                scheduler=scheduler,
                max_concurrency=m.max_concurrency,
                atomic=not isinstance(invokers[m.function.arn], BufferInvoker),
            )
            for m in topology.mappings
            if m.enabled
        ]
        buffer = next((i for i in invokers.values() if hasattr(i, "outcomes")), None)
        run = Run(scenario, plan, topology, clock, state, pollers, firehose, buffer, faults, [])
        try:
            _play(run, scheduler)
        finally:
            scheduler.close()
            state.scheduler = None
        run.concurrency_peaks = dict(scheduler.peaks)
        if dump_dir is not None:
            write_dump(dump_dir, s3, firehose)
        run.wall_seconds = time.perf_counter() - started
        return build_report(run, s3)


_PLANS: dict[tuple[str, str, str], Capture] = {}


def _plan(project_dir: Path, stack: str, config: dict[str, Any]) -> Capture:
    """Plans are pure functions of project, stack and config: capture each once per process."""
    key = (str(Path(project_dir).resolve()), stack, json.dumps(config, sort_keys=True))
    if key not in _PLANS:
        _PLANS[key] = capture(project_dir, stack, config_overrides=config)
    return _PLANS[key]


def _arm_dependency_faults(state: Any, scenario: Scenario) -> None:
    """Outages and slow calls of AWS services, in scenario time, for every client in the emulator."""
    for f in scenario.dependency_faults:
        if f.kind == "outage":
            state.outages.append(Outage(f.service, f.operation, f.error, f.start, f.end))
        else:
            state.latencies.append(Latency(f.service, f.operation, f.seconds, f.start, f.end))


def _create_existing_topic(plan: Capture, options: dict[str, Any], state: Any) -> None:
    """The topic a pipelines-only stack subscribes to, as its owner would have created it."""
    fanout = plan.config.get("eventfork:fanout") or {}
    arn = str(fanout.get("existingTopicArn") or "")
    if not arn:
        raise ScenarioError("existingTopic: the stack sets no eventfork:fanout.existingTopicArn to create")
    _, _, _, region, account, name = arn.split(":", 5)
    if (region, account) != (REGION, ACCOUNT_ID):
        raise ScenarioError(f"existingTopic: {arn} is not in the emulator's account {ACCOUNT_ID} and region {REGION}")
    attributes: dict[str, str] = {}
    if name.endswith(".fifo"):
        attributes = {"FifoTopic": "true", "ContentBasedDeduplication": "false"}
        if options.get("fifoThroughputScope") == "MessageGroup":
            state.per_group_topics.add(arn)
    if fanout.get("existingTopicKmsKeyArn"):
        attributes["KmsMasterKeyId"] = str(fanout["existingTopicKmsKeyArn"])
    if options.get("archiveRetentionDays") is not None:
        attributes["ArchivePolicy"] = json.dumps({"MessageRetentionPeriod": options["archiveRetentionDays"]})
    boto3.client("sns").create_topic(Name=name, Attributes=attributes)


def _seed_table(plan: Capture, items: list[dict[str, Any]]) -> None:
    """Put the scenario's ``tableItems`` into the buffer table (e.g. an item restored or edited by hand)."""
    if not items:
        return
    table = str(plan.outputs.get("bufferTableName", ""))
    if not table:
        raise ScenarioError("tableItems: the plan exports no bufferTableName to put them in")
    client = boto3.client("dynamodb")
    for item in items:
        client.put_item(TableName=table, Item=item)


def _invoke_by_arn(invokers: dict[str, Any], arn: str, event: dict[str, Any]) -> Any:
    base = arn.split(":$LATEST")[0]
    if base not in invokers:
        raise KeyError(f"delivery stream transform {arn} is not a function of this plan")
    return invokers[base](event)


def _play(run: Run, scheduler: Scheduler) -> None:
    buffer_url = str(run.plan.outputs.get("bufferQueueUrl", ""))
    partition_urls = [str(u) for u in run.plan.outputs.get("bufferQueueUrls") or [buffer_url]]
    topic_arn = str(run.plan.outputs.get("topicArn", ""))
    if not buffer_url and not topic_arn:
        raise RuntimeError("the plan exports no bufferQueueUrl or topicArn: nothing to send events to")
    events = sorted(run.scenario.events, key=lambda e: e.at)
    replays = sorted(run.scenario.archive_replays, key=lambda r: r.at)
    actions = sorted(run.scenario.actions, key=lambda a: a.at)
    arns = {p.mapping.queue_name: f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{p.mapping.queue_name}" for p in run.pollers}
    watched = [p.mapping.queue_name for p in run.pollers]
    index = 0
    while True:
        while replays and replays[0].at <= run.clock.t:
            _replay_from_archive(run, replays.pop(0))
        while actions and actions[0].at <= run.clock.t:
            run.redriven.extend(redrive_dlq(run, actions.pop(0)))
        while index < len(events) and events[index].at <= run.clock.t:
            if buffer_url:
                url = partition_urls[_partition(events[index], len(partition_urls))]
                drops = len(run.state.queue_dedup_drops)
                refused = _send(url.rsplit("/", 1)[-1], events[index])
                if len(run.state.queue_dedup_drops) > drops:
                    run.queue_dedup.append((events[index].group, events[index].id))
            else:  # pipelines only: the existing topic's publishers publish straight to it
                refused = _publish(topic_arn, events[index])
            if refused:
                run.refused[events[index].id] = refused
            else:
                run.sent.append(events[index].id)
            index += 1
        for _ in range(MAX_ROUNDS_PER_INSTANT):
            progressed = False
            for poller in run.pollers:
                progressed = poller.poll(arns[poller.mapping.queue_name]) or progressed
            progressed = scheduler.run_until(run.clock.t) or progressed
            if not progressed:
                break
        run.firehose.flush_due()
        candidates = [
            c
            for c in (
                events[index].at if index < len(events) else None,
                replays[0].at if replays else None,
                actions[0].at if actions else None,
                _relative(_next_visible(watched, run.clock.now() * 1000.0), run.clock),
                run.firehose.next_due(),
                scheduler.next_wake(),
                _next_fault_boundary(run),
            )
            if c is not None
        ]
        if not candidates:
            break
        upcoming = max(min(candidates), run.clock.t)
        if upcoming > run.scenario.run_for:
            break
        run.clock.advance_to(upcoming if upcoming > run.clock.t else run.clock.t + 0.001)


def _next_fault_boundary(run: Run) -> float | None:
    """The next instant a dependency fault starts or ends: e.g. the pollers receive again after an SQS outage."""
    later = [
        edge
        for fault in run.scenario.dependency_faults
        for edge in (fault.start, fault.end)
        if edge > run.clock.t and edge <= run.scenario.run_for
    ]
    return min(later, default=None)


def _partition(event: Any, partitions: int) -> int:
    """The group's partition queue (as producers must route), or the one the scenario's producer chose."""
    if event.partition is None:
        return int(partitions_module().partition_of(event.group, partitions))
    if event.partition >= partitions:
        raise ScenarioError(
            f"event {event.id}: partition {event.partition}; allowed: 0..{partitions - 1} (the plan's bufferQueueUrls)"
        )
    return int(event.partition)


def _producer_attributes(event: Any) -> dict[str, Any]:
    """The message attributes a producer sends: ``occurredAt`` (unless the scenario omits it) and the event's."""
    attributes: dict[str, Any] = {}
    if event.sends_occurred_at:
        attributes["occurredAt"] = {"DataType": "Number", "StringValue": repr(event.occurred_at)}
    for name, value in event.attributes.items():
        if "BinaryValue" in value:  # what the SQS API carries is the bytes, base64 only on the wire
            value = {**value, "BinaryValue": base64.b64decode(value["BinaryValue"])}
        attributes[name] = value
    return attributes


def _relative(epoch: float | None, clock: VirtualClock) -> float | None:
    return None if epoch is None else epoch - clock.start


def _send(queue_name: str, event: Any) -> str:
    """The producer's SendMessage (straight to the emulator: producers are outside the system).

    Returns the error SQS answered when it refused the message (the producer got it, nothing was queued).
    """
    attributes = _producer_attributes(event)
    try:
        sqs_backend().send_message(
            queue_name, event.body, message_attributes=attributes, deduplication_id=event.id, group_id=event.group
        )
    except AwsError as error:
        return f"{error.spec.code}: {error.message}"
    return ""


def _publish(topic_arn: str, event: Any) -> str:
    """A publisher's Publish to the topic (group = the event's group, deduplication id = its id on FIFO)."""
    attributes = _producer_attributes(event)
    fifo: dict[str, str] = {}
    if topic_arn.endswith(".fifo"):
        fifo = {"MessageGroupId": event.group, "MessageDeduplicationId": event.id}
    envelope = json.dumps({"eventId": event.id, "groupId": event.group, "payload": json.loads(event.body)})
    try:
        boto3.client("sns").publish(TopicArn=topic_arn, Message=envelope, MessageAttributes=attributes, **fifo)
    except (botocore.exceptions.ClientError, ValueError) as error:
        return str(error)
    return ""


def _replay_from_archive(run: Run, replay: Any) -> None:
    """Set the replay policy on the subscription of ``replay.queue`` ("primary": the primary queue)."""
    queue = replay.queue
    if queue == "primary":
        queue = str(run.plan.outputs.get("primaryQueueUrl", "")).rsplit("/", 1)[-1]
    sns = boto3.client("sns")
    topic_arn = str(run.plan.outputs.get("topicArn", ""))
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    found = [s["SubscriptionArn"] for s in subscriptions if s["Endpoint"].endswith(f":{queue}")]
    if not found:
        raise ScenarioError(f"archiveReplays: no subscription of {topic_arn} delivers to queue {queue!r}")

    def instant(t: float) -> str:
        return datetime.fromtimestamp(run.clock.start + t, tz=UTC).isoformat(timespec="milliseconds")

    policy: dict[str, str] = {"PointType": "Timestamp", "StartingPoint": instant(replay.start)}
    if replay.end is not None:
        policy["EndingPoint"] = instant(replay.end)
    sns.set_subscription_attributes(
        SubscriptionArn=found[0], AttributeName="ReplayPolicy", AttributeValue=json.dumps(policy)
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", default="dev", help="stack whose config is used (default: dev)")
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="project directory (default: this one)")
    parser.add_argument("--scenario", required=True, help="scenario JSON file (format in docs/local.md)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--dump-dir", help="write every stored S3 object and indexed document here (docs/local.md)")


def run(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    dump_dir = Path(args.dump_dir) if getattr(args, "dump_dir", None) else None
    try:
        report = simulate(scenario, args.stack, Path(args.project), dump_dir=dump_dir)
    except (ScenarioError, DumpError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=False))
    else:
        print(format_report(report))
    return 0


__all__ = ["simulate", "parse_scenario", "add_arguments", "run"]
