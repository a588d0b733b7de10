"""``eventfork:replay``: the replay pipeline's settings and how its destination is named.

SQS retention is 60..1,209,600 s; a FIFO event source mapping takes at most 10 records a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventfork.components.parts.hosting import schema_view
from eventfork.config.schema import Rule, setting
from eventfork.config.shared import KMS_ARN, SQS_ARN, filter_policy_setting, filter_scope_setting, log_level_setting
from eventfork.service_rules import check_filter_policy


@schema_view
@dataclass(frozen=True)
class ReplayConfig:
    """``eventfork:replay``: replay pipeline (archive queue -> replay function -> destination)."""

    enabled: bool = setting(True, Rule("bool", doc="declare the pipeline"))
    """Declare the pipeline."""
    active: bool = setting(False, Rule("bool", doc="turn the replay event source mapping on"))
    """Turn the replay event source mapping on."""
    retentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="how long events stay replayable"))
    """How long events stay replayable."""
    destinationQueueArn: str | None = setting(
        None, Rule("str", pattern=SQS_ARN, nullable=True, doc="destination queue ARN; default: the primary queue")
    )
    """Destination queue ARN; default: the primary queue."""
    destinationQueueUrl: str | None = setting(
        None, Rule("str", pattern=r"https://sqs\.\S+", nullable=True, doc="destination queue URL (with its ARN)")
    )
    """Destination queue URL (with its ARN)."""
    destinationQueueName: str | None = setting(
        None,
        Rule(
            "str",
            pattern=r"[A-Za-z0-9_-]{1,75}(\.fifo)?",
            nullable=True,
            doc="destination queue in this account and region, by name (instead of ARN + URL)",
        ),
    )
    """Destination queue in this account and region, by name (instead of ARN + URL)."""
    destinationKmsKeyArn: str | None = setting(
        None, Rule("str", pattern=KMS_ARN, nullable=True, doc="the destination's CMK; default: the stack's key")
    )
    """The destination's CMK; default: the stack's key."""
    batchSize: int = setting(10, Rule("int", 1, 10, doc="records per replay invocation (FIFO: at most 10)"))
    """Records per replay invocation (FIFO: at most 10)."""
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900, doc="replay timeout (queue visibility is 6x)"))
    """Replay timeout (queue visibility is 6x)."""
    filterPolicy: dict[str, Any] | None = filter_policy_setting()
    """SNS subscription filter policy (an object); default: every event."""
    filterPolicyScope: str = filter_scope_setting()
    """What the filter policy matches against."""
    logLevel: str = log_level_setting()
    """Log level of the pipeline's functions."""

    @staticmethod
    def cross_check(section: ReplayConfig, key: str) -> list[str]:
        """The destination is named once, completely."""
        problems = check_filter_policy(key, section.filterPolicy, section.filterPolicyScope)
        if (section.destinationQueueArn is None) != (section.destinationQueueUrl is None):
            problems.append(f"{key}.destinationQueueArn/destinationQueueUrl: got only one; allowed: both or neither")
        if section.destinationQueueName is not None and section.destinationQueueArn is not None:
            problems.append(
                f"{key}.destinationQueueName: got {section.destinationQueueName} and destinationQueueArn; "
                "allowed: one way of naming the destination"
            )
        return problems
