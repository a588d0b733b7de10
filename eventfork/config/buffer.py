"""``eventfork:buffer`` settings: their ranges and the combinations AWS or the buffer's guarantees refuse.

Used by the stack config (``eventfork:buffer``) and by ``FifoEventBuffer`` itself, so a program in
any language that passes the component a value AWS would refuse gets the same one-line problem
before anything is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from eventfork.config.schema import Rule, setting

# SNS FIFO topics and SQS FIFO queues forget a deduplication id after five minutes.
DEDUP_WINDOW_SECONDS = 300
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


# Attempts in a row that may meet a failing dependency (throttling, an outage) without SQS's redrive
# dead-lettering a healthy event; retries back off to 120 s, so 120 attempts span about 4 hours.
DEPENDENCY_FAILURE_ATTEMPTS = 120
# Time left, besides a window and a visibility timeout, for a backlog over its limit to drain to the DLQ.
BACKLOG_DRAIN_SECONDS = 3600


@dataclass(frozen=True)
class BufferConfig:
    """``eventfork:buffer``: the FIFO event buffer."""

    enabled: bool = setting(
        True, Rule("bool", doc="declare the buffer and the fan-out (false: pipelines on fanout.existingTopicArn)")
    )
    intervalSeconds: int = setting(60, Rule("int", 0, 43200, doc="minimum seconds between two deliveries of one group"))
    highThroughput: bool = setting(True, Rule("bool", doc="dedup scope messageGroup + throughput perMessageGroupId"))
    contentBasedDeduplication: bool = setting(False, Rule("bool", doc="dedup by body hash when a producer sends no id"))
    maxAttempts: int = setting(5, Rule("int", 1, 50, doc="failed processing attempts before an event is dead-lettered"))
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 40, doc="buffer function timeout (<= 40: see README)"))
    memorySize: int = setting(256, Rule("int", 128, 10240, doc="buffer function memory (MB)"))
    maxConcurrency: int = setting(10, Rule("int", 2, 1000, doc="event source mapping maximum concurrency"))
    batchSize: int = setting(10, Rule("int", 1, 10, doc="records per invocation (FIFO allows at most 10)"))
    partitions: int = setting(
        1,
        Rule(
            "int",
            1,
            256,
            doc="buffer queues; producers send each group to one of them (SHA-256 of the group id modulo "
            "this), so a group's backlog only blocks the groups of its own partition; see README",
        ),
    )
    retentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="buffer queue message retention"))
    redriveMaxReceiveCount: int | None = setting(
        None, Rule("int", 1, 1000, nullable=True, doc="SQS redrive backstop; default derived, see README")
    )
    maxGroupBacklogSeconds: int | None = setting(
        None,
        Rule(
            "int",
            0,
            1209600,
            nullable=True,
            doc="an event that waited longer than this behind its group's backlog is dead-lettered with a "
            "reason, before the queue's retention could expire it; default derived, see README",
        ),
    )
    maxFutureSkewSeconds: int = setting(
        300,
        Rule(
            "int",
            0,
            86400,
            doc="how far ahead of the buffer's clock an occurredAt may be; a later one is dead-lettered as "
            "in the future (an event stamped ahead orders by its stamp, so keep this small)",
        ),
    )
    idempotencyTtlSeconds: int = setting(
        2592000, Rule("int", 86400, 31536000, doc="how long delivered event ids are remembered")
    )
    groupStateTtlSeconds: int = setting(
        2592000, Rule("int", 86400, 31536000, doc="how long a group's last delivery is remembered")
    )
    pointInTimeRecovery: bool = setting(True, Rule("bool", doc="DynamoDB point-in-time recovery"))
    deletionProtection: bool = setting(False, Rule("bool", doc="DynamoDB deletion protection"))
    logRetentionDays: int = setting(
        30, Rule("int", choices=LOG_RETENTION_DAYS, doc="log retention of every function and delivery stream")
    )

    # The buffer function's environment: each variable and the setting (or the value derived from the
    # settings) it carries. The function reads the same names (functions/buffer/settings.py);
    # tests/infra/test_buffer_settings_path.py holds the two together.
    FUNCTION_ENVIRONMENT: ClassVar[dict[str, str]] = {
        "BUFFER_PARTITIONS": "partitions",
        "INTERVAL_SECONDS": "intervalSeconds",
        "MAX_ATTEMPTS": "maxAttempts",
        "IDEMPOTENCY_TTL_SECONDS": "idempotencyTtlSeconds",
        "GROUP_TTL_SECONDS": "groupStateTtlSeconds",
        "RETRY_VISIBILITY_SECONDS": "retry_visibility_seconds",
        "MAX_GROUP_BACKLOG_SECONDS": "max_group_backlog_seconds",
        "MAX_FUTURE_SKEW_SECONDS": "maxFutureSkewSeconds",
    }

    def function_environment(self) -> dict[str, str]:
        """The settings part of the buffer function's environment, as ``FUNCTION_ENVIRONMENT`` names it."""
        return {variable: str(getattr(self, source)) for variable, source in self.FUNCTION_ENVIRONMENT.items()}

    @property
    def retry_visibility_seconds(self) -> int:
        """A record the function leaves for a later attempt comes back once the attempt's timeout is over."""
        return self.functionTimeoutSeconds + 5

    @property
    def visibility_timeout_seconds(self) -> int:
        """Six times the function timeout, as AWS recommends for SQS event sources."""
        return 6 * self.functionTimeoutSeconds

    @property
    def redrive_max_receive_count(self) -> int:
        """SQS's redrive is only a backstop: the buffer dead-letters poison itself, with a reason."""
        return self.redriveMaxReceiveCount or 1000

    @property
    def backlog_drain_seconds(self) -> int:
        """What an event over the backlog limit may still wait before it is seen and dead-lettered: its
        group's head may be in flight for a window (intervalSeconds) or a crashed attempt (the queue's
        visibility timeout), and an hour drains the backlog ahead of it."""
        return self.intervalSeconds + self.visibility_timeout_seconds + BACKLOG_DRAIN_SECONDS

    @property
    def max_group_backlog_seconds(self) -> int:
        """Past this wait an event is dead-lettered, not expired: by default a day (at most half the
        retention, at least the drain time) before the queue's retention."""
        if self.maxGroupBacklogSeconds is not None:
            return self.maxGroupBacklogSeconds
        return self.retentionSeconds - max(min(86400, self.retentionSeconds // 2), self.backlog_drain_seconds)

    @property
    def minimum_receive_count(self) -> int:
        """Receives a healthy event may need: each failed attempt, each window it waits behind, and
        ``DEPENDENCY_FAILURE_ATTEMPTS`` attempts that meet a failing dependency (an outage)."""
        return (self.maxAttempts + 1) * (self.batchSize + 1) + DEPENDENCY_FAILURE_ATTEMPTS

    @staticmethod
    def _backlog_problems(buffer: BufferConfig, key: str) -> list[str]:
        """No accepted combination of retention, backlog limit, interval and visibility lets SQS expire an
        event unseen: the limit must leave the drain time before the retention."""
        lowest = max(1, buffer.intervalSeconds)
        highest = buffer.retentionSeconds - buffer.backlog_drain_seconds
        drain = (
            f"intervalSeconds ({buffer.intervalSeconds}) + the queue's visibility timeout "
            f"(6 x functionTimeoutSeconds = {buffer.visibility_timeout_seconds}) + {BACKLOG_DRAIN_SECONDS}"
        )
        backlog = buffer.maxGroupBacklogSeconds
        if backlog is None:
            if buffer.max_group_backlog_seconds >= lowest:
                return []
            shortest = max(lowest + buffer.backlog_drain_seconds, 2 * lowest)
            return [
                f"{key}.retentionSeconds: got {buffer.retentionSeconds}; allowed: at least {shortest} with the default "
                f"maxGroupBacklogSeconds, so that a backlog waiting at least intervalSeconds is dead-lettered with a "
                f"reason while {drain} s remain before the queue's retention would expire it unseen"
            ]
        if backlog == 0:
            return [
                f"{key}.maxGroupBacklogSeconds: got 0; 0 (no limit) is not accepted: a group's backlog longer than "
                f"retentionSeconds ({buffer.retentionSeconds}) would expire in the queue, neither delivered nor "
                f"dead-lettered; allowed: from {lowest} to retentionSeconds - ({drain}) = {highest}"
                + ("" if highest >= lowest else " (none: raise retentionSeconds)")
            ]
        if not lowest <= backlog <= highest:
            return [
                f"{key}.maxGroupBacklogSeconds: got {backlog}; allowed: from intervalSeconds ({lowest}) to "
                f"retentionSeconds ({buffer.retentionSeconds}) - ({drain}) = {highest}, so an over-limit backlog is "
                "dead-lettered before the queue's retention expires it"
                + ("" if highest >= lowest else " (none: raise retentionSeconds)")
            ]
        return []

    @staticmethod
    def cross_check(buffer: BufferConfig, key: str) -> list[str]:
        """Combinations of valid values that AWS or the buffer's guarantees refuse (``key``: the section)."""
        problems: list[str] = []
        if buffer.redriveMaxReceiveCount is not None and buffer.redriveMaxReceiveCount < buffer.minimum_receive_count:
            problems.append(
                f"{key}.redriveMaxReceiveCount: got {buffer.redriveMaxReceiveCount}; allowed: at least "
                f"{buffer.minimum_receive_count} = (maxAttempts + 1) x (batchSize + 1) + "
                f"{DEPENDENCY_FAILURE_ATTEMPTS}, "
                "or SQS would dead-letter healthy events that waited behind their group's window or met an outage"
            )
        problems.extend(BufferConfig._backlog_problems(buffer, key))
        if buffer.visibility_timeout_seconds + buffer.functionTimeoutSeconds >= DEDUP_WINDOW_SECONDS:
            problems.append(
                f"{key}.functionTimeoutSeconds: got {buffer.functionTimeoutSeconds}; allowed: at most 42 so "
                "a crashed attempt is retried inside the 5-minute FIFO deduplication window"
            )
        return problems
