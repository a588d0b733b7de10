"""SQS dead-letter queue redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.

moto does not implement them. Sources: the botocore model ``botocore/data/sqs/2012-11-05/service-2.json``
(the three operations, ``ListMessageMoveTasksResultEntry``) and
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html.

Contract enforced:
- the source must exist (``ResourceNotFoundException``) and be the dead-letter queue of some queue
  ("only ARNs of dead-letter queues (DLQs) whose sources are other Amazon SQS queues are accepted",
  else ``InvalidParameterValue``); a destination must exist and be of the source's kind ("if the
  dead-letter queue is a FIFO queue, the redrive destination queue must be a FIFO queue as well");
  ``MaxNumberOfMessagesPerSecond`` 1..500; "Only one active message movement task is supported per
  queue at any given time" (``UnsupportedOperation``);
- the messages in the DLQ when the task starts are moved (``ApproximateNumberOfMessagesToMove``),
  oldest first, at the given rate on the virtual clock (without one, at once: "the system will optimize
  the rate"), each to ``DestinationArn`` or, without it, back to the queue SQS dead-lettered it from;
  a message a consumer sent to the DLQ itself has no such queue: the task fails with a reason and the
  message stays (AWS does not say; the stricter reading);
- "All redriven messages are considered new messages with a new messageID and enqueueTime": body,
  attributes, group and deduplication id are kept (a FIFO destination applies its deduplication
  window to that id, the stricter reading), the receive count starts again;
- a task is cancelled only while RUNNING (``ResourceNotFoundException`` otherwise, as for an unknown
  handle); what was moved stays moved; ``TaskHandle`` is listed only for RUNNING tasks, and
  ``DestinationArn``/``MaxNumberOfMessagesPerSecond`` only when the request gave them; at most the 10
  most recent tasks are listed (``MaxResults`` 1..10, default 1).
Progress is made whenever an SQS call reaches the emulator (and at ``advance``), so a rate-limited
task moves as virtual time passes.

SQS's own dead-lettering of a FIFO message (``maxReceiveCount``, in ``sqs_inflight``) replaces its
deduplication id with its message id and resets its enqueue time (``dead_letter``, here).
"""

from __future__ import annotations

import itertools
import math
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from local.emulator.errors import AwsError

MAX_RATE = 500
MAX_LISTED = 10
SOURCE_NOT_FOUND = "The resource that you specified for the SourceArn parameter doesn't exist."
SOURCE_ATTRIBUTE = "_emu_dead_letter_source"  # the ARN of the queue SQS dead-lettered the message from
_sequence = itertools.count(10**19)


@dataclass
class MoveTask:
    handle: str
    source_arn: str
    destination_arn: str | None
    rate: int | None
    started_ms: int
    messages: list[Any] = field(default_factory=list)  # the DLQ's messages when the task started
    moved: int = 0
    status: str = "RUNNING"
    failure_reason: str | None = None

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Status": self.status,
            "SourceArn": self.source_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": len(self.messages),
            "StartedTimestamp": self.started_ms,
        }
        if self.status == "RUNNING":
            out["TaskHandle"] = self.handle
        if self.destination_arn is not None:
            out["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            out["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure_reason is not None:
            out["FailureReason"] = self.failure_reason
        return out


def _error(code: str, message: str) -> AwsError:
    return AwsError("sqs", code, message)


def dead_letter(source: Any, message: Any, now_ms: float) -> None:
    """What SQS does to a message it moves to a dead-letter queue (before adding it there)."""
    setattr(message, SOURCE_ATTRIBUTE, source.queue_arn)
    message._emu_original_deduplication_id = message.deduplication_id  # for reports only: AWS forgets it
    if source.fifo_queue:
        message.deduplication_id = message.id
        message.sent_timestamp = int(now_ms)


def _queue_by_arn(backend: Any, arn: str | None) -> Any:
    for queue in backend.queues.values():
        if queue.queue_arn == arn:
            return queue
    return None


def _copy(message: Any) -> Any:
    """The redriven message: a new message id and enqueue time, the rest as it was."""
    import moto.sqs.models as sqs_models

    new = sqs_models.Message(str(uuid.uuid4()), message.body, system_attributes=dict(message.system_attributes))
    new.message_attributes = dict(message.message_attributes or {})
    new.group_id, new.deduplication_id = message.group_id, message.deduplication_id
    if message.group_id is not None:
        new.sequence_number = str(next(_sequence))
    new.mark_sent()
    return new


def install(stack: ExitStack, state: Any) -> None:
    """Add the three operations to moto's SQS, and make tasks progress on every SQS call."""
    import moto.sqs.models as sqs_models
    import moto.sqs.responses as sqs_responses
    from moto.core.responses import ActionResult

    tasks: list[MoveTask] = []
    state.sqs_move_tasks = tasks

    def backend_of(response: Any) -> Any:
        return response.sqs_backend

    def advance(backend: Any) -> None:
        now_ms = state.clock.now() * 1000.0
        for task in tasks:
            if task.status != "RUNNING":
                continue
            source = _queue_by_arn(backend, task.source_arn)
            if source is None:
                task.status, task.failure_reason = "FAILED", "the source queue no longer exists"
                continue
            due = len(task.messages)
            if task.rate is not None:
                due = min(due, math.floor((now_ms - task.started_ms) / 1000.0 * task.rate + 1e-9))
            left = [m for m in task.messages if m in source._messages]
            for message in left:
                if task.moved >= due:
                    break
                if message.visible_at >= now_ms:
                    continue  # in flight: moved once it is visible again
                destination = _queue_by_arn(backend, task.destination_arn or getattr(message, SOURCE_ATTRIBUTE, None))
                if destination is None:
                    task.status = "FAILED"
                    task.failure_reason = (
                        "a message has no source queue to be redriven to (it was not dead-lettered by SQS); "
                        "give a DestinationArn"
                    )
                    break
                source._messages.remove(message)
                source.pending_messages.discard(message)
                destination.add_message(_copy(message))
                task.moved += 1
            if task.status == "RUNNING" and not any(m in source._messages for m in task.messages):
                task.status = "COMPLETED"

    def start_message_move_task(response: Any) -> Any:
        backend = backend_of(response)
        advance(backend)
        source_arn = response._get_param("SourceArn")
        destination_arn = response._get_param("DestinationArn") or None
        rate = response._get_param("MaxNumberOfMessagesPerSecond")
        source = _queue_by_arn(backend, source_arn)
        if source is None:
            raise _error("ResourceNotFoundException", SOURCE_NOT_FOUND)
        if not any((q.redrive_policy or {}).get("deadLetterTargetArn") == source_arn for q in backend.queues.values()):
            raise _error("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
        if rate is not None and not 1 <= int(rate) <= MAX_RATE:
            raise _error(
                "InvalidParameterValue",
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: must be 1 to {MAX_RATE}.",
            )
        if destination_arn is not None:
            destination = _queue_by_arn(backend, destination_arn)
            if destination is None:
                raise _error(
                    "ResourceNotFoundException",
                    "The resource that you specified for the DestinationArn parameter doesn't exist.",
                )
            if bool(destination.fifo_queue) != bool(source.fifo_queue):
                raise _error(
                    "InvalidParameterValue", "The destination queue must be of the same type as the source queue."
                )
        if any(t.source_arn == source_arn and t.status == "RUNNING" for t in tasks):
            raise _error("UnsupportedOperation", "There is already a task running. Only one active task is allowed.")
        task = MoveTask(
            handle=str(uuid.uuid4()),
            source_arn=source_arn,
            destination_arn=destination_arn,
            rate=int(rate) if rate is not None else None,
            started_ms=int(state.clock.now() * 1000),
            messages=list(source._messages),
        )
        tasks.insert(0, task)
        advance(backend)
        return ActionResult({"TaskHandle": task.handle})

    def list_message_move_tasks(response: Any) -> Any:
        backend = backend_of(response)
        advance(backend)
        source_arn = response._get_param("SourceArn")
        limit = response._get_param("MaxResults")
        if _queue_by_arn(backend, source_arn) is None:
            raise _error("ResourceNotFoundException", SOURCE_NOT_FOUND)
        count = 1 if limit is None else int(limit)
        if not 1 <= count <= MAX_LISTED:
            raise _error(
                "InvalidParameterValue", f"Value {limit} for parameter MaxResults is invalid. Reason: must be 1 to 10."
            )
        listed = [t.entry() for t in tasks if t.source_arn == source_arn][: min(count, MAX_LISTED)]
        return ActionResult({"Results": listed})

    def cancel_message_move_task(response: Any) -> Any:
        backend = backend_of(response)
        advance(backend)
        handle = response._get_param("TaskHandle")
        task = next((t for t in tasks if t.handle == handle and t.status == "RUNNING"), None)
        if task is None:
            raise _error("ResourceNotFoundException", "The specified task handle doesn't exist or isn't running.")
        task.status = "CANCELLED"
        return ActionResult({"ApproximateNumberOfMessagesMoved": task.moved})

    original_call = sqs_responses.SQSResponse.call_action

    def call_action(response: Any) -> Any:
        action = response._get_action()
        if action not in ("StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask"):
            advance(backend_of(response))
        return original_call(response)

    state.advance_sqs_move_tasks = lambda: advance(sqs_models.sqs_backends[_account()][_region()])
    for name, function in (
        ("start_message_move_task", start_message_move_task),
        ("list_message_move_tasks", list_message_move_tasks),
        ("cancel_message_move_task", cancel_message_move_task),
    ):
        stack.enter_context(mock.patch.object(sqs_responses.SQSResponse, name, function, create=True))
    stack.enter_context(mock.patch.object(sqs_responses.SQSResponse, "call_action", call_action))


def _account() -> str:
    from local.account import ACCOUNT_ID

    return ACCOUNT_ID


def _region() -> str:
    from local.account import REGION

    return REGION
