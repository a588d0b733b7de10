"""The embedded AWS emulator: moto in-process, on a virtual clock, with AWS's FIFO dedup window.

moto keeps SQS/SNS time with ``unix_time``/``unix_time_millis``; both are redirected to a
``VirtualClock`` so visibility timeouts and retention follow scenario time. The behaviours AWS
has and moto approximates are made exact here, because the buffer's guarantees rest on them:
- SQS FIFO queues drop a message whose deduplication id was seen in the last 5 minutes, even if
  the first message was already deleted (moto only compares with messages still queued);
- SNS FIFO topics do the same at the topic (moto does not deduplicate at the topic at all);
- DynamoDB PartiQL batch writes evaluate their WHERE conditions per statement (moto's ignore them);
- a FIFO group's messages are received in order once its in-flight messages time out (moto
  could hand out a later message first), and a receive is filled with one group's messages first,
  as SQS documents (moto takes messages in queue order across groups).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from local.account import ACCOUNT_ID, REGION
from local.emulator.clock import VirtualClock

DEDUP_WINDOW_SECONDS = 300.0


@dataclass
class Arrival:
    """A message that entered an observed queue."""

    queue: str
    t: float
    body: str
    group: str | None
    attributes: dict[str, Any]


@dataclass
class EmulatorState:
    clock: VirtualClock
    arrivals: list[Arrival] = field(default_factory=list)
    queue_dedup_drops: list[tuple[str, str]] = field(default_factory=list)
    topic_dedup_drops: list[tuple[str, str]] = field(default_factory=list)
    observed_queues: set[str] = field(default_factory=set)
    per_group_topics: set[str] = field(default_factory=set)
    firehose_sink: Callable[[str, list[dict[str, Any]]], dict[str, Any]] | None = None


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
    """Start moto in-process with the virtual clock and the exact FIFO dedup window."""
    import moto.sns.models as sns_models
    import moto.sqs.models as sqs_models
    from moto import mock_aws
    from moto.dynamodb.models import DynamoDBBackend
    from moto.firehose.models import FirehoseBackend

    from local.emulator.dynamodb import batch_execute_statement

    state = EmulatorState(clock=clock)
    queue_seen: dict[tuple[str, str, str], float] = {}
    topic_seen: dict[tuple[str, str, str], float] = {}
    original_add = sqs_models.Queue.add_message
    original_topic_publish = sns_models.Topic.publish

    def add_message(queue: Any, message: Any) -> None:
        if queue.fifo_queue and message.deduplication_id:
            per_group = getattr(queue, "deduplication_scope", None) == "messageGroup"
            key = (queue.name, (message.group_id or "") if per_group else "", message.deduplication_id)
            seen = queue_seen.get(key)
            if seen is not None and clock.now() - seen < DEDUP_WINDOW_SECONDS:
                state.queue_dedup_drops.append((queue.name, message.deduplication_id))
                return
            queue_seen[key] = clock.now()
        if queue.name in state.observed_queues:
            attributes = {name: dict(value) for name, value in (message.message_attributes or {}).items()}
            state.arrivals.append(Arrival(queue.name, clock.t, message.body, message.group_id, attributes))
        if queue.lambda_event_source_mappings:
            original_add(queue, message)
            return
        # moto's own duplicate scan is O(queue length) and weaker than the window above: append directly.
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()

    def topic_publish(
        topic: Any,
        message: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> str:
        if topic.fifo_topic:
            dedup = deduplication_id or hashlib.sha256(message.encode()).hexdigest()
            per_group = topic.arn in state.per_group_topics
            key = (topic.arn, (group_id or "") if per_group else "", dedup)
            seen = topic_seen.get(key)
            if seen is not None and clock.now() - seen < DEDUP_WINDOW_SECONDS:
                state.topic_dedup_drops.append((topic.arn, dedup))
                return hashlib.sha256(f"{topic.arn}{dedup}".encode()).hexdigest()[:36]
            topic_seen[key] = clock.now()
        return original_topic_publish(
            topic,
            message,
            subject=subject,
            message_attributes=message_attributes,
            group_id=group_id,
            deduplication_id=deduplication_id,
            message_structure=message_structure,
        )

    counting = {"skip": False}
    original_send = sqs_models.SQSBackend.send_message

    def send_message(backend: Any, *args: Any, **kwargs: Any) -> Any:
        # SendMessage reads one queue attribute, but moto computes them all, message counts included,
        # scanning the whole queue on every send; counts are not needed there.
        counting["skip"] = True
        try:
            return original_send(backend, *args, **kwargs)
        finally:
            counting["skip"] = False

    def lazy_count(original: property) -> property:
        return property(lambda queue: 0 if counting["skip"] else original.fget(queue))  # type: ignore[misc]

    original_receive = sqs_models.SQSBackend.receive_message

    def receive_message(backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        # A group is blocked only while one of its messages is in flight. moto forgets an expired
        # in-flight message only when it reaches it, so a later message of the group could
        # overtake an earlier one; forget them all first, as SQS does.
        queue = backend.get_queue(queue_name)
        for message in list(queue.pending_messages):
            if message.visible:
                queue.pending_messages.discard(message)
        if not queue.fifo_queue:
            return original_receive(backend, queue_name, *args, **kwargs)
        # SQS fills a FIFO receive with one group's messages first: the group of the oldest
        # receivable message leads, the rest follow in queue order (each group keeps its order).
        blocked = queue.pending_message_groups
        lead = next((m.group_id for m in queue.messages if m.group_id not in blocked), None)
        if lead is None:
            return original_receive(backend, queue_name, *args, **kwargs)
        original = queue._messages
        ordered = [m for m in original if m.group_id == lead] + [m for m in original if m.group_id != lead]
        queue._messages = ordered
        try:
            return original_receive(backend, queue_name, *args, **kwargs)
        finally:
            kept = {id(m) for m in ordered}  # moto removes messages it moves to the DLQ
            queue._messages = original
            original[:] = [m for m in original if id(m) in kept]

    def put_record_batch(backend: Any, name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        if state.firehose_sink is None:
            raise RuntimeError("no delivery streams are emulated")
        return state.firehose_sink(name, records)

    with ExitStack() as stack:
        stack.enter_context(mock.patch.dict(os.environ, _aws_env()))
        stack.enter_context(mock_aws())
        # moto recomputes attribute names on every access; the conversion is pure, so cache it.
        stack.enter_context(
            mock.patch.object(
                sqs_models,
                "camelcase_to_underscores",
                functools.lru_cache(maxsize=None)(sqs_models.camelcase_to_underscores),
            )
        )
        for module in (sqs_models, sns_models):
            for name in ("unix_time", "unix_time_millis"):
                if hasattr(module, name):
                    stack.enter_context(mock.patch.object(module, name, getattr(clock, name)))
        stack.enter_context(mock.patch.object(sqs_models.Queue, "add_message", add_message))
        stack.enter_context(mock.patch.object(sns_models.Topic, "publish", topic_publish))
        stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "receive_message", receive_message))
        stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "send_message", send_message))
        for name in (
            "approximate_number_of_messages",
            "approximate_number_of_messages_delayed",
            "approximate_number_of_messages_not_visible",
        ):
            stack.enter_context(mock.patch.object(sqs_models.Queue, name, lazy_count(getattr(sqs_models.Queue, name))))
        stack.enter_context(mock.patch.object(DynamoDBBackend, "batch_execute_statement", batch_execute_statement))
        stack.enter_context(mock.patch.object(FirehoseBackend, "put_record_batch", put_record_batch))
        yield state


def sqs_backend() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT_ID][REGION]


def s3_backend() -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["global"]
