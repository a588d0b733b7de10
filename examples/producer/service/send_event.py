"""How a producing service sends one event to an eventfork buffer (any number of partitions).

Reads the stack's ``bufferQueueUrls`` output (for example passed in as JSON in an environment
variable) and sends each event to its group's partition, as eventfork's README documents.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any


def buffer_queue_url(group_id: str, queue_urls: list[str]) -> str:
    """Partition = first 8 bytes of SHA-256(UTF-8 group id), big-endian, modulo the partition count."""
    digest = hashlib.sha256(group_id.encode("utf-8")).digest()
    return queue_urls[int.from_bytes(digest[:8], "big") % len(queue_urls)]


def send_event(sqs: Any, queue_urls: list[str], user_id: str, event_id: str, payload: dict[str, Any]) -> None:
    """One event: group = user, deduplication id = event id, occurredAt in epoch seconds."""
    sqs.send_message(
        QueueUrl=buffer_queue_url(user_id, queue_urls),
        MessageBody=json.dumps(payload),
        MessageGroupId=user_id,
        MessageDeduplicationId=event_id,
        MessageAttributes={
            # the event id also as an attribute: it survives SQS's own dead-lettering (docs/operations.md)
            "eventId": {"DataType": "String", "StringValue": event_id},
            "occurredAt": {"DataType": "Number", "StringValue": f"{time.time():.3f}"},
        },
    )
