"""The embedded AWS emulator: moto in-process, on a virtual clock, made as strict as AWS's contracts.

``emulator(clock)`` starts moto with every boto3 client answered in-process, points moto's SQS and
SNS time at the virtual clock, and composes the service modules, each of which states the
contract it enforces and where AWS documents it: ``sqs`` and ``sqs_inflight`` (SQS), ``sns``,
``dynamodb``, ``kms``, ``firehose``, ``lambda_sqs`` (Lambda's SQS event source) and ``faults``
(outages and slow calls in virtual time). Nothing here changes a contract; it only wires them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from local.account import ACCOUNT_ID, REGION
from local.emulator import dynamodb, faults, firehose, sns, sns_archive, sqs, sqs_attributes, sqs_move_tasks
from local.emulator.clock import VirtualClock
from local.emulator.faults import FaultLog, Latency, Outage


@dataclass
class Arrival:
    """A message that entered an observed queue."""

    queue: str
    t: float
    body: str
    group: str | None
    attributes: dict[str, Any]
    archive_replay: bool = False  # redelivered from an SNS topic archive by a replay policy


@dataclass
class EmulatorState:
    """What a run can observe and steer: arrivals, drops, faults (appendable at any time)."""

    clock: VirtualClock
    arrivals: list[Arrival] = field(default_factory=list)
    queue_dedup_drops: list[tuple[str, str]] = field(default_factory=list)
    topic_dedup_drops: list[tuple[str, str]] = field(default_factory=list)
    sns_delivery_failures: list[tuple[str, str, str]] = field(default_factory=list)  # subscription, message, why
    observed_queues: set[str] = field(default_factory=set)
    per_group_topics: set[str] = field(default_factory=set)
    outages: list[Outage] = field(default_factory=list)
    latencies: list[Latency] = field(default_factory=list)
    kms_key_states: dict[str, str] = field(default_factory=dict)  # key id/ARN/alias -> Enabled|Disabled|...
    fault_log: FaultLog = field(default_factory=FaultLog)
    scheduler: Any = None  # lambda_scheduler.Scheduler while invocations run concurrently
    sns_archives: dict[str, list[Any]] = field(default_factory=dict)  # topic ARN -> archived messages
    sns_paused_subscriptions: set[str] = field(default_factory=set)  # paused after a replay with an end
    sns_replays: list[tuple[str, str, float]] = field(default_factory=list)  # subscription, message id, when
    archive_replaying: bool = False
    firehose_sink: Callable[[str, list[dict[str, Any]]], dict[str, Any]] | None = None
    sqs_move_tasks: list[Any] = field(default_factory=list)  # StartMessageMoveTask tasks, most recent first
    advance_sqs_move_tasks: Callable[[], None] = lambda: None  # let the tasks move what is due by now

    def on_arrival(self, queue: Any, message: Any) -> None:
        if queue.name in self.observed_queues:
            attributes = {name: dict(value) for name, value in (message.message_attributes or {}).items()}
            self.arrivals.append(
                Arrival(queue.name, self.clock.t, message.body, message.group_id, attributes, self.archive_replaying)
            )


def _aws_env() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "MOTO_ACCOUNT_ID": ACCOUNT_ID,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        "POWERTOOLS_DEV": "false",
    }


@contextmanager
def emulator(clock: VirtualClock) -> Iterator[EmulatorState]:
    """Start moto in-process on ``clock`` with every service's contract enforced."""
    from moto import mock_aws

    state = EmulatorState(clock=clock)
    with ExitStack() as stack:
        stack.enter_context(mock.patch.dict(os.environ, _aws_env()))
        stack.enter_context(mock_aws())
        # sns_archive wraps sns
        for service in (faults, sqs, sqs_attributes, sqs_move_tasks, sns, sns_archive, dynamodb, firehose):
            service.install(stack, state)
        yield state


def sqs_backend() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT_ID][REGION]


def s3_backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["global"]
