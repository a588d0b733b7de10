"""The buffer function's AWS edge: every call it makes to DynamoDB, SQS and SNS, and nothing else.

Per batch it makes one read (``BatchGetItem``), one publish per round and per 10 entries or topic
size (``PublishBatch``), one write (``BatchExecuteStatement``, a conditional statement per group)
and, only when something waits, one ``ChangeMessageVisibilityBatch``. Each call splits its entries
as AWS counts them (at most 10, and by bytes: the topic's maximum for ``PublishBatch``, 1 MiB for
``SendMessageBatch``) and reports failures per record, never silently; what to send and what a
failure means is decided elsewhere. The processor gets an ``AwsEdge`` through its constructor, so a
test, the simulator or the bench give it clients of their own.

The group table: reads for a whole batch are one ``BatchGetItem`` (strongly consistent, retrying
only unprocessed keys); the writes recording a batch's deliveries are one ``BatchExecuteStatement``
of the PartiQL statements ``group_state`` builds. Unlike a transaction, every statement succeeds or
fails on its own and costs one write unit, not two.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from group_state import (
    GROUP_KEY,
    TTL_ATTRIBUTE,
    Delivery,
    GroupState,
    Snapshot,
    WriteFailure,
    failure_key,
    group_item_statements,
    has_version,
    is_live,
    overflow_key,
    parse_group,
    scalar_values,
)
from messages import SQS_MAX_BATCH_BYTES, batches, message_bytes
from settings import BufferSettings

MAX_READ_ATTEMPTS = 5
READ_BACKOFF_SECONDS = 0.05
STATEMENTS_PER_CALL = 25
CONFLICT_CODES = ("ConditionalCheckFailed", "DuplicateItem")
# Errors no retry can cure (a rejected statement, a missing table or permission): the function fails
# loudly so the errors alarm fires, instead of retrying quietly.
PERMANENT_CODES = (
    "ValidationError",
    "ValidationException",
    "ResourceNotFound",
    "ResourceNotFoundException",
    "AccessDenied",
    "AccessDeniedException",
)


class StateRejectedError(RuntimeError):
    """The buffer table refused a call in a way no retry cures; the invocation fails so it is alarmed."""


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore ``ClientError`` ("" for any other error)."""
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def is_permanent(error: Exception) -> bool:
    """Whether no retry can cure ``error`` (see ``PERMANENT_CODES``)."""
    return error_code(error) in PERMANENT_CODES


class GroupTable:
    """The buffer table: group items read and written, and attempt counts of failing events."""

    def __init__(
        self,
        client: Any,
        group_table: str,
        group_ttl: int,
        event_ttl: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.sleep = sleep
        self.group_table = group_table
        # The item is the idempotency memory too, so it lives as long as the longer of the two.
        self.item_ttl = max(group_ttl, event_ttl)
        self.event_ttl = event_ttl

    def _batch_get(self, keys: list[str]) -> list[dict[str, Any]]:
        """BatchGetItem (strongly consistent), retrying only unprocessed keys with a growing pause."""
        request: dict[str, Any] = (
            {self.group_table: {"Keys": [{GROUP_KEY: {"S": k}} for k in keys], "ConsistentRead": True}} if keys else {}
        )
        items: list[dict[str, Any]] = []
        for attempt in range(MAX_READ_ATTEMPTS):
            if not request:
                return items
            if attempt:
                self.sleep(READ_BACKOFF_SECONDS * 2 ** (attempt - 1))
            response = self.client.batch_get_item(RequestItems=request)
            items.extend(response.get("Responses", {}).get(self.group_table, []))
            request = response.get("UnprocessedKeys") or {}
        if request:
            raise RuntimeError(f"DynamoDB left keys unprocessed after {MAX_READ_ATTEMPTS} attempts")
        return items

    def read(self, groups: set[str], now: float) -> Snapshot:
        """One BatchGetItem (retrying only unprocessed keys) for every group of a batch."""
        live: dict[str, GroupState] = {}
        versions: dict[str, int] = {}
        unversioned: dict[str, dict[str, Any]] = {}
        for item in self._batch_get(sorted(groups)):
            group = item[GROUP_KEY]["S"]
            state = parse_group(item)
            if has_version(item):
                versions[group] = state.version
            else:
                unversioned[group] = scalar_values(item)
            if is_live(item, now):
                live[group] = state
        return Snapshot(groups=live, versions=versions, unversioned=unversioned)

    def recall(self, snapshot: Snapshot, candidates: list[tuple[str, str]]) -> Snapshot:
        """Look up ids that may sit in overflow items (rare: many events of one occurredAt); one read."""
        keys = sorted({overflow_key(group, event_id) for group, event_id in candidates})
        if not keys:
            return snapshot
        found: dict[str, set[str]] = {}
        for item in self._batch_get(keys):
            _, group, key = item[GROUP_KEY]["S"].split(" ", 2)
            found.setdefault(group, set()).add(key)
        groups = dict(snapshot.groups)
        for group, keys_found in found.items():
            if group in groups:
                state = groups[group]
                groups[group] = replace(state, seen_elsewhere=state.seen_elsewhere | frozenset(keys_found))
        return replace(snapshot, groups=groups)

    def statements(
        self,
        group: str,
        delivered: list[Delivery],
        snapshot: Snapshot,
        pending: dict[str, float] | None = None,
        written_version: int | None = None,
    ) -> list[dict[str, Any]]:
        """The PartiQL statements recording ``delivered`` (one group, in order) over ``snapshot``.

        The first is the group item's conditional write; any others insert overflow ids.
        ``pending`` marks ids recorded before their publish is confirmed. ``written_version`` is
        the version this invocation already wrote (a correction after the publish): the write is
        conditional on it instead of on what was read. With nothing ``delivered``, the group's
        state as read is restored (a publish that failed).
        """
        return group_item_statements(
            self.group_table,
            self.item_ttl,
            group,
            delivered,
            previous=snapshot.groups.get(group),
            seen_version=snapshot.versions.get(group) if written_version is None else written_version,
            unversioned=snapshot.unversioned.get(group) if written_version is None else None,
            pending=pending,
        )

    def record(
        self,
        deliveries: list[Delivery],
        snapshot: Snapshot,
        pending: dict[str, dict[str, float]] | None = None,
        written: dict[str, int] | None = None,
        restore: list[str] | None = None,
    ) -> dict[str, WriteFailure]:
        """Record deliveries, one conditional statement per group; returns the groups not recorded.

        A whole-call error propagates (nothing is known to be written); per-statement errors are
        returned by group, ``conflict`` set when the item changed since ``snapshot``. An overflow
        id that is already there (an earlier attempt wrote it) counts as written.
        """
        per_group: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            per_group.setdefault(delivery.group, []).append(delivery)
        for group in restore or []:
            per_group.setdefault(group, [])
        owned: list[tuple[str, bool, dict[str, Any]]] = []  # (group, is the group item, statement)
        for group, delivered in per_group.items():
            marks = (pending or {}).get(group)
            version = (written or {}).get(group)
            first, *rest = self.statements(group, delivered, snapshot, marks, version)
            owned.append((group, True, first))
            owned.extend((group, False, s) for s in rest)
        failures: dict[str, WriteFailure] = {}
        id_items: list[tuple[str, dict[str, Any], str]] = []  # ids let go of, not written, with their error
        for start in range(0, len(owned), STATEMENTS_PER_CALL):
            chunk = owned[start : start + STATEMENTS_PER_CALL]
            response = self.client.batch_execute_statement(Statements=[s for _, _, s in chunk])
            results = response.get("Responses", [])
            for index, (group, is_group_item, statement) in enumerate(chunk):
                error = results[index].get("Error") if index < len(results) else {"Code": "NoResult"}
                if not error or (not is_group_item and error.get("Code") == "DuplicateItem"):
                    continue
                code = error.get("Code", "")
                if not is_group_item and code not in PERMANENT_CODES:
                    id_items.append((group, statement, f"{code}: {error.get('Message', '')}"))
                    continue
                if group not in failures or is_group_item:
                    failures[group] = WriteFailure(
                        is_group_item and code in CONFLICT_CODES,
                        f"{code}: {error.get('Message', '')}",
                        code in PERMANENT_CODES,
                    )
        for group, reason in self._write_id_items([i for i in id_items if i[0] not in failures]).items():
            failures.setdefault(group, WriteFailure(False, f"id item not written: {reason}"))
        return failures

    def _write_id_items(self, pending: list[tuple[str, dict[str, Any], str]]) -> dict[str, str]:
        """Write again the id items a call left unwritten while their group item was written.

        Their ids are no longer in the group item, so they are retried on their own (an INSERT that
        finds the item already there counts as written); returns group -> error for those still not
        written after ``MAX_READ_ATTEMPTS`` tries."""
        for attempt in range(MAX_READ_ATTEMPTS):
            if not pending:
                return {}
            self.sleep(READ_BACKOFF_SECONDS * 2**attempt)
            try:
                response = self.client.batch_execute_statement(Statements=[s for _, s, _ in pending])
            except Exception as call_error:  # noqa: BLE001 - tried again
                pending = [(g, s, str(call_error)) for g, s, _ in pending]
                continue
            results = response.get("Responses", [])
            still: list[tuple[str, dict[str, Any], str]] = []
            for index, (group, statement, _) in enumerate(pending):
                error = results[index].get("Error") if index < len(results) else {"Code": "NoResult"}
                if error and error.get("Code") != "DuplicateItem":
                    still.append((group, statement, f"{error.get('Code', '')}: {error.get('Message', '')}"))
            pending = still
        return {group: reason for group, _, reason in pending}

    def count_failure(self, group: str, event_id: str, now: float) -> int:
        """Add one failed attempt for a group's event and return the total (kept for the event TTL)."""
        response = self.client.update_item(
            TableName=self.group_table,
            Key={GROUP_KEY: {"S": failure_key(group, event_id)}},
            UpdateExpression="ADD attempts :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(int(now) + self.event_ttl)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["attempts"]["N"])


class AwsEdge:
    """The buffer function's clients: the group table, the DLQ, the topic and the queue a batch came from."""

    def __init__(
        self,
        *,
        sqs: Any,
        sns: Any,
        dynamodb: Any,
        settings: BufferSettings,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sqs, self.sns, self.settings, self.clock = sqs, sns, settings, clock
        self.table = GroupTable(
            dynamodb, settings.group_table, settings.group_ttl_seconds, settings.event_ttl_seconds, sleep
        )

    def send_dead_letters(self, entries: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        """``SendMessageBatch`` to the DLQ, entries keyed by message id; returns message id -> error of failed sends."""
        failed: dict[str, str] = {}
        size = lambda pair: message_bytes(pair[1]["MessageBody"], pair[1]["MessageAttributes"])  # noqa: E731
        for chunk in batches(entries, size, SQS_MAX_BATCH_BYTES):
            request = [{"Id": str(i), **entry} for i, (_, entry) in enumerate(chunk)]
            try:
                response = self.sqs.send_message_batch(QueueUrl=self.settings.dlq_url, Entries=request)
                for failure in response.get("Failed", []):
                    failed[chunk[int(failure["Id"])][0]] = failure.get("Message", failure.get("Code", ""))
            except Exception as error:  # noqa: BLE001 - reported per record, retried later
                for message_id, _ in chunk:
                    failed[message_id] = str(error)
        return failed

    def publish(self, entries: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, str], dict[str, float]]:
        """``PublishBatch`` entries keyed by message id, in order, in chunks the topic accepts.

        Returns errors by message id, and when each published entry's call completed (the instant its
        group's next window is measured from).
        """
        errors: dict[str, str] = {}
        completed: dict[str, float] = {}
        size = lambda pair: message_bytes(pair[1]["Message"], pair[1]["MessageAttributes"])  # noqa: E731
        for chunk in batches(entries, size, self.settings.topic_max_message_bytes):
            chunk_errors = self._publish_chunk(chunk)
            done_at = self.clock()
            for message_id, _ in chunk:
                if message_id in chunk_errors:
                    errors[message_id] = chunk_errors[message_id]
                else:
                    completed[message_id] = done_at
        return errors, completed

    def _publish_chunk(self, chunk: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        entries = [{"Id": str(i), **entry} for i, (_, entry) in enumerate(chunk)]
        try:
            response = self.sns.publish_batch(TopicArn=self.settings.topic_arn, PublishBatchRequestEntries=entries)
        except Exception as error:  # noqa: BLE001 - the whole chunk is retried; FIFO dedup absorbs repeats
            return {message_id: str(error) for message_id, _ in chunk}
        ok = {s["Id"] for s in response.get("Successful", [])}
        errors = {chunk[int(f["Id"])][0]: f.get("Message", f.get("Code", "")) for f in response.get("Failed", [])}
        for index, (message_id, _) in enumerate(chunk):
            if str(index) not in ok and message_id not in errors:
                errors[message_id] = "no result for this entry"
        return errors

    def change_visibility(self, queue_url: str, changes: list[tuple[str, int]]) -> list[str]:
        """``ChangeMessageVisibilityBatch`` (receipt handle, seconds), 10 at a time; returns the changes not made."""
        entries = [
            {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
            for i, (handle, seconds) in enumerate(changes)
        ]
        not_set: list[str] = []
        for start in range(0, len(entries), 10):
            try:
                response = self.sqs.change_message_visibility_batch(
                    QueueUrl=queue_url, Entries=entries[start : start + 10]
                )
                not_set.extend(f"{f.get('Code', '')}: {f.get('Message', '')}" for f in response.get("Failed", []))
            except Exception as error:  # noqa: BLE001 - records come back after the queue's timeout: later, still safe
                not_set.extend(str(error) for _ in entries[start : start + 10])
        return not_set

    def delete_messages(self, queue_url: str, handles: list[str]) -> list[str]:
        """``DeleteMessageBatch``, 10 at a time; returns the error of each call that failed."""
        errors: list[str] = []
        for start in range(0, len(handles), 10):
            entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles[start : start + 10])]
            try:
                self.sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
            except Exception as error:  # noqa: BLE001 - they come back and are suppressed as duplicates
                errors.append(str(error))
        return errors
