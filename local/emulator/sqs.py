"""Amazon SQS sends, as AWS documents them, on top of moto's queues.

Sources: the botocore model ``botocore/data/sqs/2012-11-05/service-2.json`` (SendMessage,
SendMessageBatch) and
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html
(5-minute deduplication interval).

Contract enforced (moto is laxer on each point), by part:
- what a message and a batch may hold (sizes in bytes, body characters, message attributes,
  numbers, FIFO group and deduplication ids, batch entries): ``sqs_messages.py``, checked here on
  every ``SendMessage`` and ``SendMessageBatch`` in the order SQS reports them;
- FIFO: a deduplication id seen in the last 5 minutes (per queue, or per group with
  ``DeduplicationScope=messageGroup``) is accepted and dropped, even after the first was deleted
  (here);
- a queue encrypted with a KMS key fails sends with the key's error (``kms.py``);
- receives, visibility and receipt handles: ``sqs_inflight.py``; queue attributes set after
  creation (``RedriveAllowPolicy``): ``sqs_attributes.py``.
Errors carry SQS's codes and statuses (``errors.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from unittest import mock

from local.emulator import kms, sqs_inflight
from local.emulator.errors import AwsError
from local.emulator.sqs_messages import (
    batch_problem,
    batch_size_problem,
    fifo_requirements_problem,
    message_problem,
)

DEDUP_WINDOW_SECONDS = 300.0


def install(stack: ExitStack, state: Any) -> None:
    """Wrap moto's SQS sends with the contract above, and add the deduplication window."""
    import moto.sqs.models as sqs_models

    backend_class = sqs_models.SQSBackend
    original_send: Callable[..., Any] = backend_class.send_message
    original_add: Callable[..., Any] = sqs_models.Queue.add_message
    counting = {"skip": False}
    seen: dict[tuple[str, str, str], float] = {}

    def send_message(
        backend: Any,
        queue_name: str,
        message_body: str,
        message_attributes: dict[str, Any] | None = None,
        delay_seconds: Any = None,
        deduplication_id: str | None = None,
        group_id: str | None = None,
        system_attributes: dict[str, Any] | None = None,
        validate_group_id: bool = True,
        in_batch: bool = False,
    ) -> Any:
        queue = backend.get_queue(queue_name)
        if not in_batch:
            kms.check_queue(state, queue, "SendMessage")
            if problem := fifo_requirements_problem(queue, group_id, deduplication_id, in_batch=False):
                raise problem
        problem = message_problem(
            queue, message_body, message_attributes, delay_seconds, deduplication_id, group_id, in_batch=in_batch
        )
        if problem:
            raise problem
        # moto computes every queue attribute (a full scan for the counts) to read one: skip the counts.
        counting["skip"] = True
        try:
            return original_send(
                backend,
                queue_name,
                message_body,
                message_attributes=message_attributes,
                delay_seconds=delay_seconds,
                deduplication_id=deduplication_id,
                group_id=group_id,
                system_attributes=system_attributes,
                validate_group_id=validate_group_id,
            )
        finally:
            counting["skip"] = False

    def send_message_batch(backend: Any, queue_name: str, entries: dict[str, dict[str, Any]]) -> Any:
        queue = backend.get_queue(queue_name)
        listed = list(entries.values())
        if problem := batch_problem(listed, "SendMessage"):
            raise problem
        for entry in listed:
            group_id, deduplication_id = entry.get("MessageGroupId"), entry.get("MessageDeduplicationId")
            if problem := fifo_requirements_problem(queue, group_id, deduplication_id, in_batch=True):
                raise problem
        if problem := batch_size_problem(listed):
            raise problem
        kms.check_queue(state, queue, "SendMessageBatch")
        messages, failed = [], []
        for entry in listed:
            try:
                message = send_message(
                    backend,
                    queue_name,
                    entry.get("MessageBody"),  # type: ignore[arg-type]
                    message_attributes=entry.get("MessageAttributes") or {},
                    delay_seconds=entry.get("DelaySeconds"),
                    deduplication_id=entry.get("MessageDeduplicationId"),
                    group_id=entry.get("MessageGroupId"),
                    in_batch=True,
                )
            except AwsError as error:
                failed.append(error.batch_entry(entry["Id"]))
                continue
            message.user_id = entry["Id"]
            messages.append(message)
        return messages, failed

    def add_message(queue: Any, message: Any) -> None:
        now = state.clock.now()
        if queue.fifo_queue and message.deduplication_id:
            per_group = getattr(queue, "deduplication_scope", None) == "messageGroup"
            key = (queue.name, (message.group_id or "") if per_group else "", message.deduplication_id)
            first = seen.get(key)
            if first is not None and now - first < DEDUP_WINDOW_SECONDS:
                state.queue_dedup_drops.append((queue.name, message.deduplication_id))
                return
            seen[key] = now
        state.on_arrival(queue, message)
        if queue.lambda_event_source_mappings:
            original_add(queue, message)
            return
        # moto's own duplicate scan is O(queue length) and weaker than the window above: append directly.
        with queue._messages_lock:
            queue._messages.append(message)
            queue._messages_lock.notify_all()

    def lazy_count(original: property) -> property:
        return property(lambda queue: 0 if counting["skip"] else original.fget(queue))  # type: ignore[misc]

    stack.enter_context(
        mock.patch.object(
            sqs_models,
            "camelcase_to_underscores",
            functools.lru_cache(maxsize=None)(sqs_models.camelcase_to_underscores),
        )
    )
    for name in ("unix_time", "unix_time_millis"):
        stack.enter_context(mock.patch.object(sqs_models, name, getattr(state.clock, name)))
    stack.enter_context(mock.patch.object(backend_class, "send_message", send_message))
    stack.enter_context(mock.patch.object(backend_class, "send_message_batch", send_message_batch))
    stack.enter_context(mock.patch.object(sqs_models.Queue, "add_message", add_message))
    for name in (
        "approximate_number_of_messages",
        "approximate_number_of_messages_delayed",
        "approximate_number_of_messages_not_visible",
    ):
        stack.enter_context(mock.patch.object(sqs_models.Queue, name, lazy_count(getattr(sqs_models.Queue, name))))
    sqs_inflight.install(stack, state)
