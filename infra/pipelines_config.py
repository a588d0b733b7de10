"""Config sections of the event fork pipelines and alarms (``eventfork:backup`` and friends).

Ranges are the services' own: Firehose buffering 0..900 s and 1..128 MB (1..100 MB towards
OpenSearch), OpenSearch retry 0..7200 s, SQS retention 60..1,209,600 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config_schema import Rule, setting

COMPRESSION = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
FILTER_SCOPES = ("MessageAttributes", "MessageBody")
ROTATIONS = ("NoRotation", "OneHour", "OneDay", "OneWeek", "OneMonth")
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE")
ARN = r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+"


@dataclass(frozen=True)
class BackupConfig:
    """``eventfork:backup``: storage & backup pipeline (topic -> queue -> forwarder -> Firehose -> S3)."""

    enabled: bool = setting(True, Rule("bool", doc="declare the pipeline"))
    bucketArn: str | None = setting(
        None,
        Rule(
            "str",
            pattern=r"arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}",
            nullable=True,
            doc="existing bucket; default: create one",
        ),
    )
    prefix: str = setting("events/", Rule("str", doc="S3 key prefix"))
    errorPrefix: str = setting("errors/", Rule("str", doc="S3 key prefix of records Firehose could not process"))
    compression: str = setting("GZIP", Rule("str", choices=COMPRESSION, doc="object compression"))
    bufferingIntervalSeconds: int = setting(60, Rule("int", 0, 900, doc="Firehose buffering interval"))
    bufferingSizeMb: int = setting(5, Rule("int", 1, 128, doc="Firehose buffering size"))
    transitionDays: int | None = setting(None, Rule("int", 1, 36500, nullable=True, doc="days before transition"))
    transitionStorageClass: str = setting("STANDARD_IA", Rule("str", choices=STORAGE_CLASSES))
    expirationDays: int | None = setting(None, Rule("int", 1, 36500, nullable=True, doc="days before expiry"))
    redaction: bool = setting(True, Rule("bool", doc="remove card data with the transform function"))
    filterPolicy: dict[str, Any] | None = setting(None, Rule("dict", nullable=True, doc="SNS filter policy"))
    filterPolicyScope: str = setting("MessageAttributes", Rule("str", choices=FILTER_SCOPES))
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900, doc="forwarder timeout"))
    queueRetentionSeconds: int = setting(1209600, Rule("int", 60, 1209600))

    @staticmethod
    def cross_check(section: BackupConfig, key: str) -> list[str]:
        if section.transitionDays and section.expirationDays and section.expirationDays <= section.transitionDays:
            return [
                f"{key}.expirationDays: got {section.expirationDays}; allowed: more than transitionDays "
                f"({section.transitionDays})"
            ]
        return []


@dataclass(frozen=True)
class AnalyticsConfig:
    """``eventfork:analytics``: search & analytics pipeline (-> Firehose -> OpenSearch)."""

    enabled: bool = setting(False, Rule("bool", doc="declare the pipeline"))
    domainArn: str | None = setting(
        None,
        Rule(
            "str",
            pattern=r"arn:aws[a-z-]*:es:[a-z0-9-]+:\d{12}:domain/.+",
            nullable=True,
            doc="existing domain; default: create one",
        ),
    )
    engineVersion: str = setting("OpenSearch_2.19", Rule("str", pattern=r"OpenSearch_\d+\.\d+"))
    instanceType: str = setting("r7g.medium.search", Rule("str", pattern=r"[a-z0-9]+\.[a-z0-9]+\.search"))
    instanceCount: int = setting(1, Rule("int", 1, 80))
    dedicatedMasterEnabled: bool = setting(False, Rule("bool"))
    dedicatedMasterType: str = setting("m7g.medium.search", Rule("str", pattern=r"[a-z0-9]+\.[a-z0-9]+\.search"))
    dedicatedMasterCount: int = setting(3, Rule("int", choices=(3, 5)))
    volumeSizeGb: int = setting(20, Rule("int", 10, 16384))
    indexName: str = setting("events", Rule("str", pattern=r"[a-z0-9][a-z0-9_-]{0,79}", doc="OpenSearch index"))
    indexRotation: str = setting("OneDay", Rule("str", choices=ROTATIONS))
    retryDurationSeconds: int = setting(300, Rule("int", 0, 7200, doc="Firehose retry towards OpenSearch"))
    bufferingIntervalSeconds: int = setting(60, Rule("int", 0, 900))
    bufferingSizeMb: int = setting(5, Rule("int", 1, 100))
    failedDocumentsCompression: str = setting("GZIP", Rule("str", choices=COMPRESSION))
    transform: bool = setting(False, Rule("bool", doc="run the redaction transform before indexing"))
    filterPolicy: dict[str, Any] | None = setting(None, Rule("dict", nullable=True))
    filterPolicyScope: str = setting("MessageAttributes", Rule("str", choices=FILTER_SCOPES))
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900))


@dataclass(frozen=True)
class ReplayConfig:
    """``eventfork:replay``: replay pipeline (archive queue -> replay function -> destination)."""

    enabled: bool = setting(True, Rule("bool", doc="declare the pipeline"))
    active: bool = setting(False, Rule("bool", doc="turn the replay event source mapping on"))
    retentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="how long events stay replayable"))
    destinationQueueArn: str | None = setting(
        None, Rule("str", pattern=ARN, nullable=True, doc="default: the primary queue")
    )
    destinationQueueUrl: str | None = setting(None, Rule("str", pattern=r"https://sqs\..+", nullable=True))
    batchSize: int = setting(10, Rule("int", 1, 10))
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900))

    @staticmethod
    def cross_check(section: ReplayConfig, key: str) -> list[str]:
        if (section.destinationQueueArn is None) != (section.destinationQueueUrl is None):
            return [f"{key}.destinationQueueArn/destinationQueueUrl: got only one; allowed: both or neither"]
        return []


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
    dlqVisibleThreshold: int = setting(1, Rule("int", 1, 100000, doc="alarm when a DLQ holds this many messages"))
    oldestMessageAgeSeconds: int | None = setting(
        None, Rule("int", 60, 1209600, nullable=True, doc="buffer queue age alarm; default 5 x interval + 300")
    )
    lambdaErrorsThreshold: int = setting(1, Rule("int", 1, 100000, doc="errors per period per function"))
    lambdaThrottlesThreshold: int = setting(1, Rule("int", 1, 100000, doc="throttles per period per function"))
    replayDepthThreshold: int = setting(10000, Rule("int", 1, 10000000, doc="replay queue depth while active"))
    periodSeconds: int = setting(300, Rule("int", choices=(60, 300, 900, 3600), doc="alarm period"))
    evaluationPeriods: int = setting(1, Rule("int", 1, 100, doc="periods before an alarm fires"))


PIPELINE_SECTIONS: dict[str, type] = {
    "backup": BackupConfig,
    "analytics": AnalyticsConfig,
    "replay": ReplayConfig,
    "alarms": AlarmsConfig,
}
