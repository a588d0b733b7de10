"""``eventfork:alarms``: the CloudWatch alarms' thresholds, who is told, and the window PutMetricAlarm allows."""

from __future__ import annotations

from dataclasses import dataclass

from eventfork.config.schema import Rule, setting


@dataclass(frozen=True)
class AlarmsConfig:
    """``eventfork:alarms``: CloudWatch alarms, their encrypted topic and who is told."""

    enabled: bool = setting(True, Rule("bool", doc="declare alarms, the alarm topic and the dashboard"))
    email: str | None = setting(
        None,
        Rule("str", pattern=r"[^@\s]+@[^@\s]+\.[^@\s]+", nullable=True, doc="e-mail subscription to the alarm topic"),
    )
    httpsEndpoint: str | None = setting(
        None, Rule("str", pattern=r"https://\S+", nullable=True, doc="HTTPS subscription to the alarm topic")
    )
    deliveryStatusSuccessSampleRate: int = setting(
        0,
        Rule(
            "int",
            0,
            100,
            doc="percent of successful HTTPS deliveries the alarm topic logs (failures are always logged; FSBP SNS.2)",
        ),
    )
    dlqVisibleThreshold: int = setting(1, Rule("int", 1, 100000, doc="alarm when a DLQ holds this many messages"))
    oldestMessageAgeSeconds: int | None = setting(
        None, Rule("int", 60, 1209600, nullable=True, doc="buffer queue age alarm; default 5 x interval + 300")
    )
    lambdaErrorsThreshold: int = setting(1, Rule("int", 1, 100000, doc="errors per period per function"))
    lambdaThrottlesThreshold: int = setting(1, Rule("int", 1, 100000, doc="throttles per period per function"))
    firehoseFailureThreshold: float = setting(
        0,
        Rule(
            "number",
            0,
            0.99,
            doc="alarm when more than this share of a stream's deliveries fail in a period (Success < 1 - this)",
        ),
    )
    replayDepthThreshold: int = setting(10000, Rule("int", 1, 10000000, doc="replay queue depth while active"))
    periodSeconds: int = setting(300, Rule("int", choices=(60, 300, 900, 3600), doc="alarm period"))
    evaluationPeriods: int = setting(
        1, Rule("int", 1, 100, doc="periods before an alarm fires (period x this: at most a day under 3600 s)")
    )

    @staticmethod
    def cross_check(section: AlarmsConfig, key: str) -> list[str]:
        """PutMetricAlarm: Period x EvaluationPeriods at most 86,400 s for a period under an hour, else 604,800 s."""
        window = 86400 if section.periodSeconds < 3600 else 604800
        if section.periodSeconds * section.evaluationPeriods > window:
            return [
                f"{key}.evaluationPeriods: got {section.evaluationPeriods} with periodSeconds {section.periodSeconds}; "
                f"allowed: at most {window // section.periodSeconds} (periodSeconds x evaluationPeriods <= {window})"
            ]
        return []
