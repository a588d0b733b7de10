"""Typed per-stack configuration under the ``eventfork:`` namespace, parsed once.

``load_settings`` reads every ``eventfork:*`` key, validates it and returns a frozen ``Settings``.
Any problem (wrong type, out of range, unknown key, inconsistent combination) raises
``ConfigError`` listing all problems before a single resource is declared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eventfork.config_schema import ConfigError, Rule, parse_section, setting
from eventfork.naming import PREFIX_PATTERN, default_prefix, name_problems
from eventfork.pipelines_config import (
    KMS_ARN,
    PIPELINE_SECTIONS,
    AlarmsConfig,
    AnalyticsConfig,
    BackupConfig,
    ReplayConfig,
)
from eventfork.service_rules import check_tags
from stack_shapes import shape_problems

NAMESPACE = "eventfork"
# CreateTopic: names of 1-256 letters, digits, '-' and '_', FIFO ones ending in .fifo (botocore sns model).
SNS_TOPIC_ARN = r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)"
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
            "reason (0: never); default derived, see README",
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

    @property
    def visibility_timeout_seconds(self) -> int:
        """Six times the function timeout, as AWS recommends for SQS event sources."""
        return 6 * self.functionTimeoutSeconds

    @property
    def redrive_max_receive_count(self) -> int:
        """SQS's redrive is only a backstop: the buffer dead-letters poison itself, with a reason."""
        return self.redriveMaxReceiveCount or 1000

    @property
    def max_group_backlog_seconds(self) -> int:
        """Past this wait an event is dead-lettered, not expired: by default a day (at most half the
        retention) before the queue's retention, time enough to drain any backlog to the DLQ."""
        if self.maxGroupBacklogSeconds is not None:
            return self.maxGroupBacklogSeconds
        return self.retentionSeconds - min(86400, self.retentionSeconds // 2)

    @property
    def minimum_receive_count(self) -> int:
        """Receives a healthy event may need: each failed attempt, each window it waits behind, and
        ``DEPENDENCY_FAILURE_ATTEMPTS`` attempts that meet a failing dependency (an outage)."""
        return (self.maxAttempts + 1) * (self.batchSize + 1) + DEPENDENCY_FAILURE_ATTEMPTS


@dataclass(frozen=True)
class FanOutConfig:
    """``eventfork:fanout``: the SNS topic and the downstream (primary) queue."""

    fifo: bool = setting(True, Rule("bool", doc="FIFO topic and primary queue (needed for ordered exactly-once)"))
    primaryName: str = setting(
        "primary", Rule("str", pattern=r"[a-z][a-z0-9-]{0,30}", doc="the downstream queue's name after the prefix")
    )
    primaryVisibilityTimeoutSeconds: int = setting(30, Rule("int", 0, 43200, doc="primary queue visibility timeout"))
    primaryRetentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="primary queue retention"))
    primaryMaxReceiveCount: int = setting(5, Rule("int", 1, 1000, doc="primary queue redrive threshold"))
    primaryHighThroughput: bool = setting(True, Rule("bool", doc="high-throughput FIFO on the primary queue"))
    existingTopicArn: str | None = setting(
        None,
        Rule(
            "str",
            pattern=SNS_TOPIC_ARN,
            nullable=True,
            doc="pipelines only: subscribe them to this topic (with buffer.enabled false); FIFO iff it ends in .fifo",
        ),
    )
    existingTopicKmsKeyArn: str | None = setting(
        None, Rule("str", pattern=KMS_ARN, nullable=True, doc="the existing topic's KMS key, when it is encrypted")
    )
    archiveRetentionDays: int | None = setting(
        None, Rule("int", 1, 365, nullable=True, doc="FIFO topic archive: days SNS keeps messages for replay")
    )

    @property
    def topic_fifo(self) -> bool:
        """An existing topic is FIFO exactly when its name ends in .fifo (SNS requires the suffix)."""
        if self.existingTopicArn is not None:
            return self.existingTopicArn.endswith(".fifo")
        return self.fifo


@dataclass(frozen=True)
class LambdaConfig:
    """``eventfork:lambda``: settings shared by every function."""

    runtime: str = setting("python3.12", Rule("str", choices=("python3.12", "python3.13")))
    architecture: str = setting("arm64", Rule("str", choices=("arm64", "x86_64")))


@dataclass(frozen=True)
class KmsConfig:
    """``eventfork:kms``: the stack's customer-managed key."""

    deletionWindowDays: int = setting(30, Rule("int", 7, 30))


@dataclass(frozen=True)
class Settings:
    """Every section of one stack's config."""

    namePrefix: str
    buffer: BufferConfig
    fanout: FanOutConfig
    lambda_: LambdaConfig
    kms: KmsConfig
    backup: BackupConfig
    analytics: AnalyticsConfig
    replay: ReplayConfig
    alarms: AlarmsConfig
    tags: dict[str, str]

    @property
    def pipelines_enabled(self) -> bool:
        """Whether any event fork pipeline is declared."""
        return self.backup.enabled or self.analytics.enabled or self.replay.enabled

    @property
    def shape(self) -> str:
        """``full`` (buffer, fan-out, pipelines), ``pipelines-only`` (on an existing topic) or ``buffer-only``."""
        if not self.buffer.enabled:
            return "pipelines-only"
        return "full" if self.pipelines_enabled else "buffer-only"


CORE_SECTIONS: dict[str, type] = {
    "buffer": BufferConfig,
    "fanout": FanOutConfig,
    "lambda": LambdaConfig,
    "kms": KmsConfig,
}
SCALAR_KEYS = {
    "namePrefix": Rule(
        "str",
        pattern=PREFIX_PATTERN,
        nullable=True,
        doc="prefix of physical names (default eventfork-<stack>); every derived name is checked (eventfork/naming.py)",
    ),
    "tags": Rule("dict", nullable=True, doc="extra tags on every taggable resource"),
}
ALL_KEYS = sorted([*CORE_SECTIONS, *PIPELINE_SECTIONS, *SCALAR_KEYS])


def _decode(value: Any) -> Any:
    """The engine hands objects to programs as JSON strings; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_settings(raw: dict[str, Any], stack: str) -> Settings:
    """Validate ``raw`` (keys without the namespace) into ``Settings`` or raise ConfigError."""
    problems: list[str] = []
    for key in raw:
        if key not in CORE_SECTIONS and key not in PIPELINE_SECTIONS and key not in SCALAR_KEYS:
            problems.append(f"{NAMESPACE}:{key}: unknown key; allowed keys: {', '.join(ALL_KEYS)}")
    sections: dict[str, Any] = {}
    for key, cls in {**CORE_SECTIONS, **PIPELINE_SECTIONS}.items():
        sections[key] = parse_section(f"{NAMESPACE}:{key}", _decode(raw.get(key)), cls, problems)
    prefix = _decode(raw.get("namePrefix"))
    tags = _decode(raw.get("tags"))
    for key, value in (("namePrefix", prefix), ("tags", tags)):
        from eventfork.config_schema import check_value

        problem = check_value(f"{NAMESPACE}:{key}", SCALAR_KEYS[key], value)
        if problem:
            problems.append(problem)
    if isinstance(tags, dict):
        problems.extend(check_tags(tags))
    buffer: BufferConfig = sections["buffer"]
    _check_buffer(buffer, problems)
    raw_fanout = _decode(raw.get("fanout"))
    problems.extend(shape_problems(sections, raw_fanout if isinstance(raw_fanout, dict) else {}))
    for key, cls in PIPELINE_SECTIONS.items():
        check = getattr(cls, "cross_check", None)
        if check is not None:
            problems.extend(check(sections[key], f"{NAMESPACE}:{key}"))
    prefix_ok = not any(p.startswith(f"{NAMESPACE}:namePrefix:") for p in problems)
    settings = Settings(
        namePrefix=prefix if isinstance(prefix, str) else default_prefix(stack),
        buffer=buffer,
        fanout=sections["fanout"],
        lambda_=sections["lambda"],
        kms=sections["kms"],
        backup=sections["backup"],
        analytics=sections["analytics"],
        replay=sections["replay"],
        alarms=sections["alarms"],
        tags=dict(tags) if isinstance(tags, dict) else {},
    )
    if prefix_ok:
        problems.extend(name_problems(settings, stack, prefix_from_config=isinstance(prefix, str)))
    if problems:
        raise ConfigError(problems)
    return settings


def _check_buffer(buffer: BufferConfig, problems: list[str]) -> None:
    key = f"{NAMESPACE}:buffer"
    if buffer.redriveMaxReceiveCount is not None and buffer.redriveMaxReceiveCount < buffer.minimum_receive_count:
        problems.append(
            f"{key}.redriveMaxReceiveCount: got {buffer.redriveMaxReceiveCount}; allowed: at least "
            f"{buffer.minimum_receive_count} = (maxAttempts + 1) x (batchSize + 1) + {DEPENDENCY_FAILURE_ATTEMPTS}, "
            "or SQS would dead-letter healthy events that waited behind their group's window or met an outage"
        )
    backlog = buffer.maxGroupBacklogSeconds
    if backlog and not buffer.intervalSeconds <= backlog <= buffer.retentionSeconds - 3600:
        problems.append(
            f"{key}.maxGroupBacklogSeconds: got {backlog}; allowed: 0 (no limit) or from intervalSeconds "
            f"({buffer.intervalSeconds}) to retentionSeconds - 3600 ({buffer.retentionSeconds - 3600}), so an "
            "over-limit backlog is dead-lettered before the queue's retention expires it"
        )
    if buffer.visibility_timeout_seconds + buffer.functionTimeoutSeconds >= DEDUP_WINDOW_SECONDS:
        problems.append(
            f"{key}.functionTimeoutSeconds: got {buffer.functionTimeoutSeconds}; allowed: at most 42 so "
            "a crashed attempt is retried inside the 5-minute FIFO deduplication window"
        )


def load_settings() -> Settings:
    """Read the current stack's ``eventfork:*`` config from the Pulumi runtime and parse it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    all_config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix) :]: value for key, value in all_config.items() if key.startswith(prefix)}
    secret_looking = [k for k in raw if k.startswith("config:")]
    for key in secret_looking:
        raw.pop(key)
    return parse_settings(raw, pulumi.get_stack())


__all__ = [
    "ConfigError",
    "Settings",
    "BufferConfig",
    "FanOutConfig",
    "LambdaConfig",
    "KmsConfig",
    "load_settings",
    "parse_settings",
    "DEDUP_WINDOW_SECONDS",
]
