"""Dependency faults in virtual time: outages and slow calls of AWS services.

An ``Outage`` makes every call to a service (or one operation of it) fail, while
``start <= clock.t < end``, with an AWS error code returned exactly as that service's protocol
returns it (``errors.render``: status, code, sender fault from the botocore model). A ``Latency``
makes such a call take ``seconds`` of scenario time before it is served.

Both apply to every boto3 client created inside the emulator: moto answers boto3 through a
botocore ``before-send`` handler, which ``install`` wraps. botocore's own retries then behave as
configured (botocore's default is standard mode: 3 attempts with jittered exponential backoff, up
to 20 s; legacy mode: 5 attempts, DynamoDB 10), except that a backoff advances the virtual clock
instead of sleeping (``VirtualSleep``), with jitter drawn from a generator seeded per emulator so a
run is reproducible. A retried call therefore meets the outage
again until it ends, exactly as in AWS, and a long outage costs scenario time, not wall time.

``service`` is botocore's service id (``sqs``, ``sns``, ``dynamodb``, ``kms``, ``firehose``).
An outage of ``kms`` is what SQS and SNS see when they call KMS for an encrypted queue or topic:
their calls on resources under a KMS key fail with the matching code of their own model
(``ThrottlingException`` -> SQS ``KmsThrottled`` / SNS ``KMSThrottlingException``, and so on, see
``kms.py``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from local.emulator.clock import VirtualClock
from local.emulator.errors import error_spec, render


@dataclass(frozen=True)
class Outage:
    """Calls to ``service`` (``operation`` or all of them) fail with ``error`` while start <= t < end."""

    service: str
    operation: str | None
    error: str
    start: float
    end: float
    message: str = "Service is unavailable (scenario outage)"

    def covers(self, service: str, operation: str, t: float) -> bool:
        return self.service == service and self.operation in (None, operation) and self.start <= t < self.end


@dataclass(frozen=True)
class Latency:
    """Calls to ``service`` (``operation`` or all of them) take ``seconds`` while start <= t < end."""

    service: str
    operation: str | None
    seconds: float
    start: float
    end: float

    def covers(self, service: str, operation: str, t: float) -> bool:
        return self.service == service and self.operation in (None, operation) and self.start <= t < self.end


@dataclass
class FaultLog:
    """What the faults did: failed calls and scenario seconds spent waiting, by service:operation."""

    failed: dict[str, int] = field(default_factory=dict)
    delayed_seconds: dict[str, float] = field(default_factory=dict)
    backoff_seconds: float = 0.0

    def count_failure(self, service: str, operation: str) -> None:
        key = f"{service}:{operation}"
        self.failed[key] = self.failed.get(key, 0) + 1


def active_outage(outages: list[Outage], service: str, operation: str, t: float) -> Outage | None:
    return next((o for o in outages if o.covers(service, operation, t)), None)


def delay_for(latencies: list[Latency], service: str, operation: str, t: float) -> float:
    return sum(latency.seconds for latency in latencies if latency.covers(service, operation, t))


class VirtualSleep:
    """Stands in for the ``time`` module in botocore's endpoint: a retry backoff advances the clock."""

    def __init__(self, clock: VirtualClock, log: FaultLog) -> None:
        self._clock, self._log = clock, log

    def sleep(self, seconds: float) -> None:
        self._clock.advance(seconds)
        self._log.backoff_seconds += seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def answer(state: Any, service: str, operation: str) -> tuple[int, dict[str, str], str] | None:
    """Apply latency to this call, then the error response of an outage covering it (or None)."""
    delay = delay_for(state.latencies, service, operation, state.clock.t)
    if delay > 0:
        state.clock.advance(delay)
        key = f"{service}:{operation}"
        state.fault_log.delayed_seconds[key] = state.fault_log.delayed_seconds.get(key, 0.0) + delay
    outage = active_outage(state.outages, service, operation, state.clock.t)
    if outage is None:
        return None
    state.fault_log.count_failure(service, operation)
    return render(error_spec(service, outage.error), outage.message)


def install(stack: ExitStack, state: Any, seed: int = 0) -> None:
    """Route every boto3 call through ``answer`` and make botocore's retry backoff virtual."""
    import botocore.endpoint
    import botocore.retries.standard
    import botocore.retryhandler
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

    served: Callable[..., Any] = BotocoreStubber.__call__

    def call(stubber: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        scheduler = getattr(state, "scheduler", None)
        if stubber.enabled:
            if scheduler is not None:  # an AWS call boundary: other invocations may run, none past a deadline
                scheduler.checkpoint()
            _, service, operation = event_name.split(".", 2)
            response = answer(state, service, operation)
            if response is not None:
                status, headers, body = response
                return AWSResponse(request.url, status, headers, MockRawResponse(body))
        if scheduler is None:
            return served(stubber, event_name, request, **kwargs)
        scheduler.enter_call()
        try:
            return served(stubber, event_name, request, **kwargs)
        finally:
            scheduler.exit_call()

    stack.enter_context(mock.patch.object(BotocoreStubber, "__call__", call))
    stack.enter_context(mock.patch.object(botocore.endpoint, "time", VirtualSleep(state.clock, state.fault_log)))
    jitter = random.Random(seed)
    stack.enter_context(mock.patch.object(botocore.retryhandler, "random", jitter))
    backoff_init = botocore.retries.standard.ExponentialBackoff.__init__

    def seeded_backoff(backoff: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["random"] = jitter.random
        backoff_init(backoff, *args, **kwargs)

    stack.enter_context(mock.patch.object(botocore.retries.standard.ExponentialBackoff, "__init__", seeded_backoff))
