"""Lambda's SQS event source mapping: poll a queue, invoke a function, delete what succeeded.

Sources: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (the event's shape: each
record's ``messageId``, ``receiptHandle``, ``body``, ``attributes``, ``messageAttributes`` with
``stringValue``, ``binaryValue`` as base64 text, ``stringListValues``, ``binaryListValues``,
``dataType``, ``md5OfBody``, ``eventSource``, ``eventSourceARN``, ``awsRegion``) and
https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html (partial batch
responses).

Contract enforced:
- a function error, a crash, or a run longer than the function's timeout returns the whole batch:
  nothing is deleted and every message comes back when its visibility timeout ends;
- with ``ReportBatchItemFailures`` the batch is a complete success when the response is empty,
  null, or has an empty or null ``batchItemFailures``; it is a complete failure (nothing deleted)
  when the response is not a JSON object, or an ``itemIdentifier`` is empty, null, under another key,
  or not the ``messageId`` of a record of the batch; otherwise every record not listed is deleted.
  Without ``ReportBatchItemFailures`` any response is a success;
- the poller receives and deletes through SQS (``sqs_inflight.py``): an expired FIFO receipt
  handle fails its delete and the message is received again; an outage of SQS ``ReceiveMessage``
  stops polling and one of ``DeleteMessageBatch`` leaves the batch to come back.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from local.account import REGION
from local.emulator.errors import AwsError
from local.emulator.faults import active_outage
from local.emulator.lambda_scheduler import DEFAULT_MAX_CONCURRENCY, Abandoned, FunctionTimedOut

DELETE_BATCH = 10


def lambda_record(message: Any, queue_arn: str) -> dict[str, Any]:
    """One SQS message as Lambda hands it to the function."""
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": "AIDAEVENTFORK",
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if message.group_id:
        attributes["MessageGroupId"] = message.group_id
    if message.deduplication_id:
        attributes["MessageDeduplicationId"] = message.deduplication_id
    if getattr(message, "sequence_number", None):
        attributes["SequenceNumber"] = message.sequence_number
    message_attributes = {}
    for name, value in (message.message_attributes or {}).items():
        binary = value.get("BinaryValue")
        if isinstance(binary, bytes | bytearray):
            binary = base64.b64encode(binary).decode("ascii")
        message_attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": binary,
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(response: Any, message_ids: list[str], report_item_failures: bool) -> set[str]:
    """Records Lambda leaves in the queue after the function returned ``response``."""
    if not report_item_failures or response is None:
        return set()
    everything = set(message_ids)
    if not isinstance(response, dict):
        return everything
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return everything
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in everything:
            return everything
        failed.add(identifier)
    return failed


def _reports_item_failures(mapping: Any) -> bool:
    types = getattr(mapping, "function_response_types", None)
    return True if types is None else "ReportBatchItemFailures" in types


@dataclass
class Poller:
    """One event source mapping (``mapping``: ``queue_name``, ``batch_size``, ``function.name``,
    ``function.timeout``, optionally ``function_response_types``) feeding ``invoke``."""

    mapping: Any
    invoke: Any
    state: Any = None
    invocations: int = 0
    receives: int = 0
    delete_batches: int = 0
    crashes: int = 0
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)
    error_times: list[float] = field(default_factory=list)  # scenario seconds of invocations that failed
    batch_sizes: dict[int, int] = field(default_factory=dict)  # records per invocation -> invocations
    scheduler: Any = None  # lambda_scheduler.Scheduler: invocations run concurrently on the virtual clock
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    atomic: bool = False  # each invocation runs to its end without handing over (see lambda_scheduler)
    in_flight: int = 0
    max_in_flight: int = 0  # most invocations of this mapping running at the same instant

    def _down(self, operation: str) -> bool:
        state = self.state
        return state is not None and active_outage(state.outages, "sqs", operation, state.clock.t) is not None

    def poll(self, arn: str) -> bool:
        """Receive one batch and invoke the function with it; False when there was nothing to receive.

        With a ``scheduler`` the invocation is started, not run: it runs with the others (``run_until``),
        at most ``max_concurrency`` at once for this mapping.
        """
        from local.emulator.core import sqs_backend

        if self.scheduler is not None and self.in_flight >= self.max_concurrency:
            return False
        if self._down("ReceiveMessage"):
            return False
        backend = sqs_backend()
        queue_name = self.mapping.queue_name
        queue = backend.get_queue(queue_name)
        try:
            messages = backend.receive_message(
                queue_name, self.mapping.batch_size, 0, queue.visibility_timeout, ["All"]
            )
        except AwsError as error:
            self.errors.append(f"receive failed: {error}")
            return False
        if not messages:
            return False
        self.receives += 1
        self.invocations += 1
        self.batch_sizes[len(messages)] = self.batch_sizes.get(len(messages), 0) + 1
        if self.scheduler is None:
            self._invoke(messages, arn)
            return True
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

        def invocation() -> None:
            try:
                self._invoke(messages, arn)
            finally:
                self.in_flight -= 1

        timeout = float(getattr(self.mapping.function, "timeout", 0) or 0)
        self.scheduler.start(invocation, timeout, atomic=self.atomic, label=self.mapping.function.name)
        return True

    def _invoke(self, messages: list[Any], arn: str) -> None:
        """One invocation: the function, then the deletes of what it did not report failed."""
        records = [lambda_record(m, arn) for m in messages]
        clock = self.state.clock if self.state is not None else None
        started = clock.t if clock is not None else 0.0
        timeout = float(getattr(self.mapping.function, "timeout", 0) or 0)
        try:
            response = self.invoke({"Records": records})
        except Exception as error:  # noqa: BLE001 - a function error returns the whole batch, as in Lambda
            self.errors.append(f"{self.mapping.function.name}: {type(error).__name__}: {error}")
            self.error_times.append(round(clock.t, 3) if clock is not None else 0.0)
            return
        except FunctionTimedOut:
            self._timed_out(started + timeout if clock is not None else 0.0)
            return
        except BaseException as crash:
            if isinstance(crash, KeyboardInterrupt | Abandoned):
                raise
            self.crashes += 1  # the process died: Lambda reports the whole batch as failed
            return
        if clock is not None and timeout and clock.t - started > timeout:
            self._timed_out(started + timeout)
            return
        failed = failed_ids(response, [m.id for m in messages], _reports_item_failures(self.mapping))
        done = [m for m in messages if m.id not in failed]
        if done:
            if self.scheduler is not None:
                self.scheduler.checkpoint(kill=False)  # the poller's DeleteMessageBatch is an AWS call too
            self.delete_batches += 1
            self._delete(self.mapping.queue_name, done)

    def _timed_out(self, at: float) -> None:
        """Lambda stopped the invocation at its timeout: an invocation error (``error_times``, what the errors
        alarm counts; not in ``errors``, which holds what the function raised), nothing deleted."""
        self.timeouts += 1
        self.error_times.append(round(at, 3))

    def _delete(self, queue_name: str, messages: list[Any]) -> None:
        from local.emulator.core import sqs_backend

        if self._down("DeleteMessageBatch"):
            self.errors.append("delete failed: SQS DeleteMessageBatch is unavailable")
            return
        backend = sqs_backend()
        for start in range(0, len(messages), DELETE_BATCH):
            chunk = messages[start : start + DELETE_BATCH]
            entries = [{"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(chunk)]
            _, failed = backend.delete_message_batch(queue_name, entries)
            for failure in failed:  # e.g. an expired receipt handle: the message comes back, as in SQS
                self.errors.append(f"delete failed: {failure['Code']}: {failure['Message']}")
