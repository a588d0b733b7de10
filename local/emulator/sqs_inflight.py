"""Amazon SQS receives, visibility timeouts and receipt handles, as AWS documents them.

Sources: the botocore model ``botocore/data/sqs/2012-11-05/service-2.json`` (ReceiveMessage,
ChangeMessageVisibility(Batch), DeleteMessage documentation strings and error shapes);
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html;
.../FIFO-queues-understanding-logic.html (FIFO delivery logic);
.../avoid-backlog-with-the-same-message-group-id.html (FIFO in-flight cap and receive scan).

Contract enforced (moto differs on each point):
- a FIFO receive returns messages of a group in order and nothing of a group past a message of it
  that is in flight ("no more messages for the same message group ID are returned unless you
  delete the message or it becomes visible"); it is filled with the first available group's
  messages first, then other groups' in queue order;
- a FIFO queue holds at most 120,000 in-flight messages: at the cap a receive returns nothing, with
  no error; a FIFO receive looks only at the first 120,000 messages of the queue for available
  groups; a standard queue at about 120,000 in flight returns ``OverLimit``;
- a visibility timeout is 0-43,200 s, and a message stays invisible at most 12 hours counted from
  the receive that returned it: a ``ChangeMessageVisibility`` past what is left fails with
  ``InvalidParameterValue`` (moto counts from the send); in ``ChangeMessageVisibilityBatch`` each
  entry succeeds or fails on its own (moto fails the whole call);
- a FIFO receipt handle expires when its visibility timeout ends (or the message is received
  again): delete or visibility change with it fails ("The receipt handle has expired"); a standard
  queue accepts an expired handle, and a handle older than the last receive deletes nothing;
- a message past the queue's retention period is deleted, not returned; a message received more
  than ``maxReceiveCount`` times moves to the dead-letter queue at its next receive (from a FIFO
  queue with its deduplication id replaced by its message id and a new enqueue time:
  ``sqs_move_tasks.dead_letter``);
- a queue encrypted with a KMS key fails receives with the key's error (``kms.py``).
Lookups by receipt handle and the in-flight count are indexed, so a queue of 10^5 messages
receives, deletes and changes visibility without scanning itself.
"""

from __future__ import annotations

import copy
import heapq
import itertools
from contextlib import ExitStack
from typing import Any
from unittest import mock

from local.emulator import kms, sqs_move_tasks
from local.emulator.errors import AwsError
from local.emulator.sqs_messages import batch_problem

MAX_VISIBILITY_SECONDS = 43_200
MAX_IN_FLIGHT = 120_000
FIFO_RECEIVE_SCAN = 120_000
_ticket = itertools.count()


def _error(code: str, message: str) -> AwsError:
    return AwsError("sqs", code, message)


class InFlight:
    """Per-queue index: receipt handle -> message, and visibility deadlines in a heap."""

    def __init__(self) -> None:
        self.handles: dict[str, Any] = {}
        self.deadlines: list[tuple[float, int, Any]] = []

    @staticmethod
    def of(queue: Any) -> InFlight:
        index = getattr(queue, "_emu_in_flight", None)
        if index is None:
            index = InFlight()
            queue._emu_in_flight = index
        return index

    def track(self, message: Any) -> None:
        heapq.heappush(self.deadlines, (message.visible_at, next(_ticket), message))

    def forget(self, message: Any) -> None:
        for handle in message.all_receipt_handles:
            self.handles.pop(handle, None)

    def expire(self, queue: Any, now_ms: float) -> None:
        """Forget in-flight messages whose visibility timeout has ended."""
        while self.deadlines and self.deadlines[0][0] < now_ms:
            _, _, message = heapq.heappop(self.deadlines)
            if message.visible_at < now_ms:
                queue.pending_messages.discard(message)


def _visibility_problem(timeout: Any) -> AwsError | None:
    try:
        value = int(timeout)
    except (TypeError, ValueError):
        value = -1
    if 0 <= value <= MAX_VISIBILITY_SECONDS:
        return None
    return _error(
        "InvalidParameterValue",
        f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and "
        f"{MAX_VISIBILITY_SECONDS}, if provided.",
    )


def _expired_handle(handle: str) -> AwsError:
    return _error(
        "InvalidParameterValue",
        f"Value {handle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
    )


def install(stack: ExitStack, state: Any) -> None:
    """Replace moto's receive, delete and visibility changes with the contract above."""
    import moto.sqs.models as sqs_models
    from moto.sqs.exceptions import ReceiptHandleIsInvalid

    backend_class = sqs_models.SQSBackend

    def now_ms() -> float:
        return state.clock.now() * 1000.0

    def retained(queue: Any, message: Any, now: float) -> bool:
        period = int(getattr(queue, "message_retention_period", 345_600) or 345_600)
        return message.sent_timestamp / 1000.0 + period > now / 1000.0

    def candidates(queue: Any, count: int, now: float) -> list[Any]:
        """The messages a receive returns, in order, before dead-letter moves."""
        if not queue.fifo_queue:
            ready = (m for m in queue._messages if m.visible_at < now and m.delayed_until <= now)
            return list(itertools.islice(ready, count))
        blocked: set[str] = set()
        lead_group: str | None = None
        lead: list[Any] = []
        others: list[Any] = []
        for message in itertools.islice(queue._messages, FIFO_RECEIVE_SCAN):
            group = message.group_id
            if group in blocked:
                continue
            if message.visible_at >= now or message.delayed_until > now:
                blocked.add(group)  # in flight (or delayed): later messages of its group wait behind it
                continue
            if lead_group is None:
                lead_group = group
            if group == lead_group:
                lead.append(message)
                if len(lead) >= count:
                    break
            elif len(others) < count:
                others.append(message)
        return (lead + others)[:count]

    def receive_message(
        backend: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        queue = backend.get_queue(queue_name)
        kms.check_queue(state, queue, "ReceiveMessage")
        now = now_ms()
        index = InFlight.of(queue)
        index.expire(queue, now)
        if len(queue.pending_messages) >= MAX_IN_FLIGHT:
            if queue.fifo_queue:
                return []
            raise _error("OverLimit", f"The maximum number of in flight messages ({MAX_IN_FLIGHT}) is reached.")
        while queue._messages and not retained(queue, queue._messages[0], now):
            queue.pending_messages.discard(queue._messages.pop(0))  # retention is counted from the send
        result: list[Any] = []
        room = min(int(count), MAX_IN_FLIGHT - len(queue.pending_messages))
        while len(result) < room:
            chosen = candidates(queue, room - len(result), now)
            if not chosen:
                break
            moved = False
            for message in chosen:
                policy = queue.redrive_policy
                if (
                    queue.dead_letter_queue is not None
                    and policy
                    and message.approximate_receive_count >= policy["maxReceiveCount"]
                ):
                    queue._messages.remove(message)
                    queue.pending_messages.discard(message)
                    index.forget(message)
                    sqs_move_tasks.dead_letter(queue, message, now)
                    queue.dead_letter_queue.add_message(message)
                    moved = True
                    continue
                old_handle = message.receipt_handle
                message.mark_received(visibility_timeout=visibility_timeout)
                message._emu_received_ms = now
                if old_handle:
                    index.handles[old_handle] = message
                index.handles[message.receipt_handle] = message
                queue.pending_messages.add(message)
                index.track(message)
                result.append(message)
            if not moved:
                break
        return [_with_attributes(message, message_attribute_names or []) for message in result]

    def delete_message(backend: Any, queue_name: str, receipt_handle: str) -> None:
        queue = backend.get_queue(queue_name)
        message = InFlight.of(queue).handles.get(receipt_handle)
        if message is None:
            if receipt_handle in queue.deleted_messages:
                return
            raise ReceiptHandleIsInvalid()
        current = message.receipt_handle == receipt_handle
        if queue.fifo_queue and (not current or message.visible_at < now_ms()):
            raise _expired_handle(receipt_handle)
        if not current:
            return  # an older receive's handle: the request succeeds but deletes nothing (standard queues)
        InFlight.of(queue).forget(message)
        queue.pending_messages.discard(message)
        queue.deleted_messages.update(h for h in message.all_receipt_handles if h)
        try:
            queue._messages.remove(message)
        except ValueError:
            pass  # already gone (moved to the dead-letter queue)

    def delete_message_batch(backend: Any, queue_name: str, receipts: list[dict[str, Any]]) -> Any:
        if problem := batch_problem(receipts, "DeleteMessage"):
            raise problem
        success, failed = [], []
        for entry in receipts:
            try:
                delete_message(backend, queue_name, entry["ReceiptHandle"])
            except AwsError as error:
                failed.append(error.batch_entry(entry["Id"]))
                continue
            except ReceiptHandleIsInvalid:
                failed.append(
                    {
                        "Id": entry["Id"],
                        "SenderFault": True,
                        "Code": "ReceiptHandleIsInvalid",
                        "Message": f'The input receipt handle "{entry["ReceiptHandle"]}" is not a valid receipt '
                        "handle.",
                    }
                )
                continue
            success.append(entry["Id"])
        return success, failed

    def change_message_visibility(backend: Any, queue_name: str, receipt_handle: str, visibility_timeout: Any) -> None:
        queue = backend.get_queue(queue_name)
        if problem := _visibility_problem(visibility_timeout):
            raise problem
        index = InFlight.of(queue)
        message = index.handles.get(receipt_handle)
        if message is None:
            raise ReceiptHandleIsInvalid()
        now = now_ms()
        current = message.receipt_handle == receipt_handle
        if queue.fifo_queue and (not current or message.visible_at < now):
            raise _expired_handle(receipt_handle)
        if not current:
            return
        timeout = int(visibility_timeout)
        received = float(getattr(message, "_emu_received_ms", now))
        if (now - received) / 1000.0 + timeout > MAX_VISIBILITY_SECONDS:
            raise _error(
                "InvalidParameterValue",
                f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for "
                f"the message is beyond the limit [{MAX_VISIBILITY_SECONDS} seconds]",
            )
        message.visible_at = now + timeout * 1000.0
        if timeout == 0:
            queue.pending_messages.discard(message)
        else:
            queue.pending_messages.add(message)
            index.track(message)

    def change_message_visibility_batch(backend: Any, queue_name: str, entries: list[dict[str, Any]]) -> Any:
        if problem := batch_problem(entries, "ChangeMessageVisibility"):
            raise problem
        success, failed = [], []
        for entry in entries:
            try:
                change_message_visibility(backend, queue_name, entry["ReceiptHandle"], entry.get("VisibilityTimeout"))
            except AwsError as error:
                failed.append(error.batch_entry(entry["Id"]))
                continue
            except ReceiptHandleIsInvalid:
                failed.append(
                    {
                        "Id": entry["Id"],
                        "SenderFault": True,
                        "Code": "ReceiptHandleIsInvalid",
                        "Message": "The input receipt handle is invalid.",
                    }
                )
                continue
            success.append(entry["Id"])
        return success, failed

    stack.enter_context(mock.patch.object(backend_class, "receive_message", receive_message))
    stack.enter_context(mock.patch.object(backend_class, "delete_message", delete_message))
    stack.enter_context(mock.patch.object(backend_class, "delete_message_batch", delete_message_batch))
    stack.enter_context(mock.patch.object(backend_class, "change_message_visibility", change_message_visibility))
    stack.enter_context(
        mock.patch.object(backend_class, "change_message_visibility_batch", change_message_visibility_batch)
    )


def _with_attributes(message: Any, names: list[str]) -> Any:
    """A shallow copy carrying only the requested message attributes (the body is shared, not copied)."""
    from moto.sqs.models import _filter_message_attributes

    shown = copy.copy(message)
    shown.message_attributes = dict(message.message_attributes or {})
    _filter_message_attributes(shown, names)
    return shown
