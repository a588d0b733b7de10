"""``eventfork:fanout`` settings: the SNS topic and the downstream (primary) queue.

Used by the stack config and by ``EventFanOut`` itself (its arguments are checked with these rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from eventfork.config.schema import Rule, setting
from eventfork.config.shared import KMS_ARN

# CreateTopic: names of 1-256 letters, digits, '-' and '_', FIFO ones ending in .fifo (botocore sns model).
SNS_TOPIC_ARN = r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)"


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
    deliveryStatusSuccessSampleRate: int = setting(
        0,
        Rule(
            "int",
            0,
            100,
            doc="percent of successful deliveries the topic logs (failures are always logged; FSBP SNS.2)",
        ),
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
