"""Load the real handlers from ``functions/`` and invoke them as Lambda would, with faults injected.

The buffer function is built through its own factory with emulator clients, the virtual clock
and the scenario's faults (botocore event hooks make calls fail or the process "die"). Every
other function is imported from its folder and called through ``lambda_handler`` with the
environment captured from the plan.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from botocore.exceptions import ClientError

from local.emulator import VirtualClock
from local.emulator.dynamodb import parse_statement
from local.emulator.lambda_scheduler import FunctionTimedOut
from local.simulate.provision import FunctionInfo
from local.simulate.scenario import Fault


class SimulatedCrash(BaseException):  # noqa: N818 - a crash, not an error the handler may catch
    """The function's process died: Lambda reports the whole batch as failed."""


@dataclass
class FaultBook:
    """Remaining injections per (kind, event id, group or None for any group)."""

    remaining: dict[tuple[str, str, str | None], int | None] = field(default_factory=dict)
    injected: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, faults: list[Fault]) -> FaultBook:
        return cls({(f.kind, f.id, f.group): f.times for f in faults})

    def take(self, kind: str, ids: list[str], group: str | None = None) -> str | None:
        """If a fault of ``kind`` is armed for one of ``ids`` (of ``group``, when the fault names one),
        use it up and return that id."""
        for event_id in ids:
            keys = [(kind, event_id, group), (kind, event_id, None)] if group else [(kind, event_id, None)]
            for key in keys:
                if key in self.remaining:
                    left = self.remaining[key]
                    if left is None or left > 0:
                        if left is not None:
                            self.remaining[key] = left - 1
                        self.injected.append((kind, event_id))
                        return event_id
        return None


@dataclass
class MetricsRecorder:
    """Stands in for Powertools' ``Metrics``: the total of each metric the function emits, by name."""

    totals: dict[str, float] = field(default_factory=dict)

    def add_metric(self, name: str, unit: str = "Count", value: float = 1, **_: Any) -> None:
        self.totals[name] = self.totals.get(name, 0) + value


@dataclass
class CallCounter:
    """AWS API calls a function made, by operation, with the time spent in them and DynamoDB units."""

    calls: dict[str, int] = field(default_factory=dict)
    seconds_in_calls: float = 0.0
    read_units: float = 0.0
    write_units: float = 0.0
    _started: dict[int, float] = field(default_factory=dict)  # by thread: invocations interleave

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_name

        def before(**kwargs: Any) -> None:
            name = f"{service}:{kwargs['model'].name}"
            self.calls[name] = self.calls.get(name, 0) + 1
            self._started[threading.get_ident()] = time.perf_counter()

        def after(**_: Any) -> None:
            self.seconds_in_calls += time.perf_counter() - self._started.pop(threading.get_ident())

        def units(params: dict[str, Any], model: Any, **_: Any) -> None:
            reads, writes = capacity_units(model.name, params)
            self.read_units += reads
            self.write_units += writes

        client.meta.events.register("before-call", before)
        client.meta.events.register("after-call", after)
        if service == "dynamodb":
            client.meta.events.register("before-parameter-build.dynamodb", units)
        return client

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB bills for one attribute value (its documented item-size rules)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in inner)
    return sum(len(str(v).encode()) for v in inner)  # sets


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def _write_units(size: int) -> float:
    return float(max(1, -(-size // 1024)))


def _statement_item(statement: dict[str, Any]) -> dict[str, Any]:
    """The item a buffer PartiQL write statement leaves: its key and every attribute it writes."""
    _, _, written, where = parse_statement(statement["Statement"], statement.get("Parameters", []))
    return {**where, **written}


def capacity_units(operation: str, params: dict[str, Any]) -> tuple[float, float]:
    """On-demand request units of a DynamoDB call (reads of items under 4 KB; writes by item size)."""
    if operation == "BatchGetItem":
        keys = sum(len(t.get("Keys", [])) for t in params.get("RequestItems", {}).values())
        consistent = all(t.get("ConsistentRead") for t in params.get("RequestItems", {}).values())
        return keys * (1.0 if consistent else 0.5), 0.0
    if operation == "GetItem":
        return (1.0 if params.get("ConsistentRead") else 0.5), 0.0
    if operation == "TransactWriteItems":
        return 0.0, 2.0 * len(params.get("TransactItems", []))
    if operation == "BatchWriteItem":
        return 0.0, float(sum(len(v) for v in params.get("RequestItems", {}).values()))
    if operation == "BatchExecuteStatement":
        # A write statement is billed like the single-item write it performs, failed conditions included.
        return 0.0, sum(_write_units(item_size(_statement_item(s))) for s in params.get("Statements", []))
    if operation in ("PutItem", "UpdateItem", "DeleteItem"):
        item = params.get("Item")
        return 0.0, _write_units(item_size(item)) if item else 1.0
    return 0.0, 0.0


def _throttled(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected fault: throttled"}}, operation)


def _envelope_ids(entries: list[dict[str, Any]]) -> list[str]:
    ids = []
    for entry in entries:
        try:
            ids.append(json.loads(entry.get("Message", "{}")).get("eventId", ""))
        except ValueError:
            continue
    return ids


SHARED_DIR = Path(__file__).resolve().parents[2] / "functions" / "shared"


def load_module(code_dir: Any, module: str, unique: str) -> Any:
    """Import ``<code_dir>/<module>.py`` under a unique name, its folder first on sys.path.

    ``functions/shared`` comes next: its modules sit at the root of the archives that ship them
    (``FunctionSpec.shared_modules``).
    """
    path = code_dir / f"{module}.py"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[unique] = loaded
    sys.path[:0] = [str(code_dir), str(SHARED_DIR)]
    try:
        spec.loader.exec_module(loaded)
    finally:
        sys.path.remove(str(code_dir))
        sys.path.remove(str(SHARED_DIR))
    return loaded


BUFFER_DIR = Path(__file__).resolve().parents[2] / "functions" / "buffer"


@functools.cache
def partitions_module() -> Any:
    """The producers' routing rule (``functions/buffer/partitions.py``, the reference), loaded once."""
    return load_module(BUFFER_DIR, "partitions", "eventfork_buffer_partitions")


class BufferInvoker:
    """The buffer function with emulator clients, virtual clock and faults."""

    def __init__(self, info: FunctionInfo, clock: VirtualClock, faults: FaultBook) -> None:
        processor = load_module(info.code_dir, "processor", f"eventfork_fn_{info.name}_processor")
        self.faults = faults
        self.counter = CallCounter()
        sqs, sns, ddb = (self.counter.attach(boto3.client(s)) for s in ("sqs", "sns", "dynamodb"))
        settings = processor.BufferSettings.from_env(info.environment)
        self._armed_after: dict[int, list[str]] = {}  # by thread: concurrent invocations each publish
        sns.meta.events.register("before-parameter-build.sns.PublishBatch", self._before_publish)
        sns.meta.events.register("after-call.sns.PublishBatch", self._after_publish)
        ddb.meta.events.register("before-parameter-build.dynamodb.BatchExecuteStatement", self._before_write)
        sqs.meta.events.register("before-parameter-build.sqs.SendMessageBatch", self._before_dlq_send)
        self.clock = clock
        self.metrics = MetricsRecorder()  # what CloudWatch would receive (late_republish, ...)

        prepare = processor.prepare_delivery

        def prepare_or_fail(event: Any, topic_fifo: bool) -> dict[str, Any]:
            """The fail_processing fault, at the real point where the function builds an event's message."""
            if self.faults.take("fail_processing", [event.event_id], event.group):
                raise RuntimeError(f"injected processing failure for {event.event_id}")
            return prepare(event, topic_fifo)

        def new_environment() -> Any:
            edge = processor.AwsEdge(
                sqs=sqs, sns=sns, dynamodb=ddb, settings=settings, clock=clock.now, sleep=self._sleep
            )
            return processor.BufferFunction(
                edge=edge,
                settings=settings,
                clock=clock.now,
                sleep=self._sleep,
                metrics=self.metrics,
                prepare_delivery=prepare_or_fail,
            )

        # Lambda runs one invocation at a time per execution environment and reuses an idle one: the
        # function's per-invocation state (its source queue, ...) is never shared by overlapping calls.
        self._new_environment = new_environment
        self._idle: list[Any] = []
        self._environments = threading.Lock()
        self.outcomes: list[Any] = []
        self.handler_seconds = 0.0

    def _sleep(self, seconds: float) -> None:
        """The function pausing between retries: scenario time passes, wall time does not."""
        self.clock.advance_to(self.clock.t + seconds)

    def _before_publish(self, params: dict[str, Any], **_: Any) -> None:
        ids = _envelope_ids(params.get("PublishBatchRequestEntries", []))
        if self.faults.take("crash_before_publish", ids):
            raise SimulatedCrash("crash before publish")
        if self.faults.take("publish_fail", ids):
            raise _throttled("PublishBatch")
        self._armed_after[threading.get_ident()] = ids

    def _after_publish(self, **_: Any) -> None:
        ids = self._armed_after.pop(threading.get_ident(), [])
        if self.faults.take("crash_after_publish", ids):
            raise SimulatedCrash("crash after publish")

    def _before_write(self, params: dict[str, Any], **_: Any) -> None:
        ids = [_statement_item(s).get("lastEventId", {}).get("S", "") for s in params.get("Statements", [])]
        if self.faults.take("table_write_fail", ids):
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "injected fault: throttled"}},
                "BatchExecuteStatement",
            )

    def _before_dlq_send(self, params: dict[str, Any], **_: Any) -> None:
        ids = [
            e.get("MessageAttributes", {}).get("eventId", {}).get("StringValue", "") for e in params.get("Entries", [])
        ]
        if self.faults.take("dlq_send_fail", ids):
            raise _throttled("SendMessageBatch")

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            with self._environments:
                function = self._idle.pop() if self._idle else self._new_environment()
            result = function.handle(event)  # an invocation that dies takes its environment with it
            with self._environments:
                self._idle.append(function)
        finally:
            self.handler_seconds += time.perf_counter() - started
        self.outcomes.extend(result.outcomes)
        ids = [o.event_id for o in result.outcomes if o.event_id]
        if self.faults.take("timeout", ids):
            raise FunctionTimedOut("function timed out")
        result.raise_for_dependency_failures()  # as app.lambda_handler does: the invocation fails, alarmed
        return result.response


class HandlerInvoker:
    """Any other function: ``lambda_handler(event, context)`` under its captured environment."""

    def __init__(self, info: FunctionInfo) -> None:
        self.info = info
        module_name, _, function_name = (info.handler or "app.lambda_handler").rpartition(".")
        with mock.patch.dict(os.environ, info.environment):
            self.module = load_module(info.code_dir, module_name, f"eventfork_fn_{info.name.replace('-', '_')}")
        self.handler: Callable[[dict[str, Any], Any], Any] = getattr(self.module, function_name)
        self.logs = io.StringIO()

    def __call__(self, event: dict[str, Any]) -> Any:
        context = _Context(self.info)
        with mock.patch.dict(os.environ, self.info.environment), contextlib.redirect_stdout(self.logs):
            return self.handler(event, context)


@dataclass
class _Context:
    info: FunctionInfo
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"

    @property
    def function_name(self) -> str:
        return self.info.name

    @property
    def invoked_function_arn(self) -> str:
        return self.info.arn

    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return self.info.timeout * 1000


def make_invoker(info: FunctionInfo, clock: VirtualClock, faults: FaultBook) -> Callable[[dict[str, Any]], Any]:
    if (info.code_dir / "processor.py").is_file():
        return BufferInvoker(info, clock, faults)
    return HandlerInvoker(info)
