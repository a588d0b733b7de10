"""The buffer function's environment, read once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from messages import TOPIC_MAX_MESSAGE_BYTES
from records import MAX_FUTURE_SKEW_SECONDS

DLQ_MAX_MESSAGE_BYTES = 1_048_576


@dataclass(frozen=True)
class BufferSettings:
    """Environment of the buffer function."""

    group_table: str
    topic_arn: str
    topic_fifo: bool
    source_queue_url: str
    dlq_url: str
    interval_seconds: float
    max_attempts: int
    event_ttl_seconds: int
    group_ttl_seconds: int
    retry_visibility_seconds: int = 0
    max_group_backlog_seconds: float = 0.0  # 0: no limit
    topic_max_message_bytes: int = TOPIC_MAX_MESSAGE_BYTES
    dlq_max_message_bytes: int = DLQ_MAX_MESSAGE_BYTES
    partitions: int = 1  # buffer queues the producers spread groups over (partitions)
    max_future_skew_seconds: float = MAX_FUTURE_SKEW_SECONDS  # how far ahead an occurredAt may be

    @classmethod
    def from_env(cls, env: dict[str, str]) -> BufferSettings:
        """Every variable is required: the component sets each one, so the stack config's default is the only one."""
        missing = [name for name in ENVIRONMENT.values() if not env.get(name)]
        if missing:
            raise RuntimeError(f"buffer function is missing environment variables: {', '.join(missing)}")
        read: dict[str, Callable[[str], Any]] = {
            "str": str,
            "int": int,
            "float": float,
            "bool": lambda value: value == "true",
        }
        return cls(**{f.name: read[str(f.type)](env[ENVIRONMENT[f.name]]) for f in fields(cls)})


# Field -> the environment variable it is read from. The settings among them are named by the buffer
# config's FUNCTION_ENVIRONMENT (eventfork/config/buffer.py); a test holds the two together.
ENVIRONMENT = {
    "group_table": "BUFFER_TABLE",
    "topic_arn": "TOPIC_ARN",
    "topic_fifo": "TOPIC_FIFO",
    "source_queue_url": "SOURCE_QUEUE_URL",
    "dlq_url": "DLQ_URL",
    "interval_seconds": "INTERVAL_SECONDS",
    "max_attempts": "MAX_ATTEMPTS",
    "event_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "group_ttl_seconds": "GROUP_TTL_SECONDS",
    "retry_visibility_seconds": "RETRY_VISIBILITY_SECONDS",
    "max_group_backlog_seconds": "MAX_GROUP_BACKLOG_SECONDS",
    "topic_max_message_bytes": "TOPIC_MAX_MESSAGE_BYTES",
    "dlq_max_message_bytes": "DLQ_MAX_MESSAGE_BYTES",
    "partitions": "BUFFER_PARTITIONS",
    "max_future_skew_seconds": "MAX_FUTURE_SKEW_SECONDS",
}
