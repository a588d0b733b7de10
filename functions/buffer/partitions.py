"""Buffer partitions: which of a stack's buffer queues carries a message group, and their URLs.

A stack with ``buffer.partitions: P`` has P buffer queues. Partition 0 is ``<prefix>-buffer.fifo``,
partition i >= 1 is ``<prefix>-buffer-p<i>.fifo``; all are in one account and region, share one
DLQ and one buffer function. A producer sends each event to the queue of its message group:

    partition = int.from_bytes(SHA-256(UTF-8 message group id)[:8], "big") % P

so one group's events stay in one queue, in order, and a group's backlog can only hide the groups
of its own partition behind SQS FIFO's 120,000-message receive scan. The rule is plain SHA-256 so
producers in any language compute it the same way (``examples/producer`` has it in Python).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

FIFO_SUFFIX = ".fifo"


def partition_of(group_id: str, partitions: int) -> int:
    """The partition (0..partitions-1) that carries this message group's events."""
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    digest = hashlib.sha256(group_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % partitions


def partition_queue_name(first_queue_name: str, index: int) -> str:
    """Partition ``index``'s queue name, given partition 0's (``<base>.fifo`` -> ``<base>-p<index>.fifo``)."""
    if index == 0:
        return first_queue_name
    return f"{first_queue_name.removesuffix(FIFO_SUFFIX)}-p{index}{FIFO_SUFFIX}"


def partition_index(queue_name: str, first_queue_name: str) -> int | None:
    """Which partition a buffer queue is (None: not one of this stack's partition queues)."""
    if queue_name == first_queue_name:
        return 0
    base = re.escape(first_queue_name.removesuffix(FIFO_SUFFIX))
    found = re.fullmatch(rf"{base}-p([1-9][0-9]*){re.escape(FIFO_SUFFIX)}", queue_name)
    return int(found.group(1)) if found else None


def queue_url_for_arn(queue_arn: str, first_queue_url: str) -> str:
    """The URL of a queue in the same account and region as partition 0, from its ARN.

    SQS queue URLs are ``https://sqs.<region>.<domain>/<account>/<name>`` ("Amazon SQS queue and
    message identifiers"); the partition queues differ from partition 0's only in the name, so the
    URL is partition 0's with the name replaced, which also holds in every AWS partition's domain.
    """
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs":
        raise ValueError(f"not an SQS queue ARN: {queue_arn!r}")
    account, name = parts[4], parts[5]
    base, _, _first_name = first_queue_url.rpartition("/")
    if base.rpartition("/")[2] != account:
        raise ValueError(f"queue {queue_arn!r} is not in the account of {first_queue_url!r}")
    return f"{base}/{name}"


@dataclass(frozen=True)
class BatchSource:
    """Where one batch came from: its queue's URL and partition, and records of other partitions' groups."""

    queue_url: str
    partition: int | None
    outside_records: int = 0
    outside_groups: list[str] = field(default_factory=list)


def batch_source(records: list[dict[str, Any]], first_queue_url: str, partitions: int) -> BatchSource:
    """One event source mapping reads one queue, so a batch's first record names its queue.

    A record whose group belongs to another partition is still decided as usual (the buffer table
    serialises a group's deliveries whatever queue they come from), but its group is no longer
    isolated to one partition: the caller counts it (``records_outside_partition``).
    """
    arn = str(records[0].get("eventSourceARN", "")) if records else ""
    if not arn:
        return BatchSource(first_queue_url, 0)
    url = queue_url_for_arn(arn, first_queue_url)
    index = partition_index(arn.rpartition(":")[2], first_queue_url.rpartition("/")[2])
    if index is None or (index == 0 and partitions == 1):  # one queue: every group belongs to it, no hashing
        return BatchSource(url, index)
    outside = [
        group
        for record in records
        if (group := str((record.get("attributes") or {}).get("MessageGroupId", "")))
        and partition_of(group, partitions) != index
    ]
    return BatchSource(url, index, len(outside), sorted(set(outside)))
