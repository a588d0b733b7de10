"""The buffer function's environment, read once."""

from __future__ import annotations

from dataclasses import dataclass

from buffer_limits import TOPIC_MAX_MESSAGE_BYTES
from buffer_records import MAX_FUTURE_SKEW_SECONDS

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
    partitions: int = 1  # buffer queues the producers spread groups over (buffer_partitions)
    max_future_skew_seconds: float = MAX_FUTURE_SKEW_SECONDS  # how far ahead an occurredAt may be

    @classmethod
    def from_env(cls, env: dict[str, str]) -> BufferSettings:
        missing = [k for k in ("BUFFER_TABLE", "TOPIC_ARN", "SOURCE_QUEUE_URL", "DLQ_URL") if not env.get(k)]
        if missing:
            raise RuntimeError(f"buffer function is missing environment variables: {', '.join(missing)}")
        return cls(
            group_table=env["BUFFER_TABLE"],
            topic_arn=env["TOPIC_ARN"],
            topic_fifo=env.get("TOPIC_FIFO", "true") == "true",
            source_queue_url=env["SOURCE_QUEUE_URL"],
            dlq_url=env["DLQ_URL"],
            interval_seconds=float(env.get("INTERVAL_SECONDS", "60")),
            max_attempts=int(env.get("MAX_ATTEMPTS", "5")),
            event_ttl_seconds=int(env.get("IDEMPOTENCY_TTL_SECONDS", "2592000")),
            group_ttl_seconds=int(env.get("GROUP_TTL_SECONDS", "2592000")),
            retry_visibility_seconds=int(env.get("RETRY_VISIBILITY_SECONDS", "0")),
            max_group_backlog_seconds=float(env.get("MAX_GROUP_BACKLOG_SECONDS", "0")),
            topic_max_message_bytes=int(env.get("TOPIC_MAX_MESSAGE_BYTES", str(TOPIC_MAX_MESSAGE_BYTES))),
            dlq_max_message_bytes=int(env.get("DLQ_MAX_MESSAGE_BYTES", str(DLQ_MAX_MESSAGE_BYTES))),
            partitions=int(env.get("BUFFER_PARTITIONS", "1")),
            max_future_skew_seconds=float(env.get("MAX_FUTURE_SKEW_SECONDS", str(MAX_FUTURE_SKEW_SECONDS))),
        )
