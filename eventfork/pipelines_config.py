"""Config sections of the event fork pipelines and alarms (``eventfork:backup`` and friends).

Ranges are the services' own: Firehose buffering 0..900 s and 1..128 MB (1..100 MB towards
OpenSearch), OpenSearch retry 0..7200 s, SQS retention 60..1,209,600 s. Every parameter of the
AWS Event Fork Pipelines applications has a key here, except the Elasticsearch type name, which
OpenSearch no longer has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventfork.components.hosting import schema_view
from eventfork.config_schema import Rule, setting
from eventfork.service_rules import (
    check_filter_policy,
    check_prefixes,
    check_search_nodes,
    check_transform,
    check_zone_awareness,
)

COMPRESSION = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
FILTER_SCOPES = ("MessageAttributes", "MessageBody")
ROTATIONS = ("NoRotation", "OneHour", "OneDay", "OneWeek", "OneMonth")
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ARN = r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+"
LAMBDA_ARN = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?"
SQS_ARN = r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?"
KMS_ARN = r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+"
INSTANCE_TYPE = r"[a-z0-9]+\.[a-z0-9]+\.search"
# S3 lifecycle object-size filters: "Maximum filter size is 5 TB"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html).
MAX_LIFECYCLE_FILTER_BYTES = 5 * 10**12


def _filter_policy() -> Any:
    return setting(
        None, Rule("dict", nullable=True, doc="SNS subscription filter policy (an object); default: every event")
    )


def _filter_scope() -> Any:
    return setting(
        "MessageAttributes", Rule("str", choices=FILTER_SCOPES, doc="what the filter policy matches against")
    )


def _log_level() -> Any:
    return setting("INFO", Rule("str", choices=LOG_LEVELS, doc="log level of the pipeline's functions"))


def _transform_arn() -> Any:
    return setting(
        None,
        Rule("str", pattern=LAMBDA_ARN, nullable=True, doc="your own Firehose transformation function (ARN)"),
    )


@schema_view
@dataclass(frozen=True)
class BackupConfig:
    """``eventfork:backup``: storage & backup pipeline (topic -> queue -> forwarder -> Firehose -> S3)."""

    enabled: bool = setting(True, Rule("bool", doc="declare the pipeline"))
    """Declare the pipeline."""
    bucketArn: str | None = setting(
        None,
        Rule(
            "str",
            pattern=r"arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
            nullable=True,
            doc="existing bucket; default: create one (and output it)",
        ),
    )
    """Existing bucket; default: create one (and output it)."""
    prefix: str = setting("events/", Rule("str", pattern=r".{0,1024}", doc="S3 key prefix of delivered objects"))
    """S3 key prefix of delivered objects."""
    errorPrefix: str = setting(
        "errors/", Rule("str", pattern=r".{0,1024}", doc="S3 key prefix of records Firehose could not process")
    )
    """S3 key prefix of records Firehose could not process."""
    compression: str = setting("GZIP", Rule("str", choices=COMPRESSION, doc="object compression"))
    """Object compression."""
    bufferingIntervalSeconds: int = setting(60, Rule("int", 0, 900, doc="Firehose buffering interval"))
    """Firehose buffering interval."""
    bufferingSizeMb: int = setting(5, Rule("int", 1, 128, doc="Firehose buffering size"))
    """Firehose buffering size."""
    transitionDays: int | None = setting(
        None, Rule("int", 0, 36500, nullable=True, doc="days before objects move to transitionStorageClass")
    )
    """Days before objects move to transitionStorageClass."""
    transitionStorageClass: str = setting(
        "STANDARD_IA", Rule("str", choices=STORAGE_CLASSES, doc="storage class after transitionDays")
    )
    """Storage class after transitionDays."""
    expirationDays: int | None = setting(
        None, Rule("int", 1, 36500, nullable=True, doc="days before objects expire (after transitionDays)")
    )
    """Days before objects expire (after transitionDays)."""
    transitionMinimumObjectSizeBytes: int = setting(
        0,
        Rule(
            "int",
            0,
            MAX_LIFECYCLE_FILTER_BYTES,
            doc="only objects larger than this transition (0: all, Firehose's small ones too; S3 alone skips < 128 KB)",
        ),
    )
    """Only objects larger than this transition (0: all, Firehose's small ones too; S3 alone skips < 128 KB)."""
    noncurrentVersionExpirationDays: int | None = setting(
        30,
        Rule("int", 1, 36500, nullable=True, doc="days a deleted or expired object's data is kept (null: forever)"),
    )
    """Days a deleted or expired object's data is kept (null: forever)."""
    abortIncompleteUploadDays: int = setting(
        7, Rule("int", 1, 36500, doc="days before an unfinished multipart upload is aborted and its parts deleted")
    )
    """Days before an unfinished multipart upload is aborted and its parts deleted."""
    redaction: bool = setting(True, Rule("bool", doc="remove card data with the built-in transform function"))
    """Remove card data with the built-in transform function."""
    transformFunctionArn: str | None = _transform_arn()
    """Your own Firehose transformation function (ARN)."""
    filterPolicy: dict[str, Any] | None = _filter_policy()
    """SNS subscription filter policy (an object); default: every event."""
    filterPolicyScope: str = _filter_scope()
    """What the filter policy matches against."""
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900, doc="forwarder timeout (queue visibility is 6x)"))
    """Forwarder timeout (queue visibility is 6x)."""
    queueRetentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="backup queue message retention"))
    """Backup queue message retention."""
    logLevel: str = _log_level()
    """Log level of the pipeline's functions."""

    @staticmethod
    def cross_check(section: BackupConfig, key: str) -> list[str]:
        """Combinations S3 and Firehose reject, reported before anything is declared."""
        problems = check_filter_policy(key, section.filterPolicy, section.filterPolicyScope)
        problems += check_transform(key, "redaction", section.redaction, section.transformFunctionArn)
        problems += check_prefixes(key, section.prefix, section.errorPrefix)
        transition, expiration = section.transitionDays, section.expirationDays
        if transition is not None and expiration is not None and expiration <= transition:
            problems.append(f"{key}.expirationDays: got {expiration}; allowed: more than transitionDays ({transition})")
        if transition is not None and transition < 30 and section.transitionStorageClass in STORAGE_CLASSES[:2]:
            problems.append(
                f"{key}.transitionDays: got {transition}; allowed: at least 30 for {section.transitionStorageClass}"
            )
        if section.bucketArn and (transition is not None or expiration is not None):
            problems.append(
                f"{key}.bucketArn: got {section.bucketArn} with transitionDays/expirationDays; allowed: lifecycle "
                "settings only for a bucket this pipeline creates (manage an existing bucket's lifecycle with it)"
            )
        return problems


@schema_view
@dataclass(frozen=True)
class AnalyticsConfig:
    """``eventfork:analytics``: search & analytics pipeline (-> Firehose -> OpenSearch)."""

    enabled: bool = setting(False, Rule("bool", doc="declare the pipeline"))
    """Declare the pipeline."""
    domainArn: str | None = setting(
        None,
        Rule(
            "str",
            pattern=r"arn:aws[a-z-]*:es:[a-z0-9-]+:\d{12}:domain/[a-z][a-z0-9-]{2,27}",
            nullable=True,
            doc="existing domain; default: create one",
        ),
    )
    """Existing domain; default: create one."""
    engineVersion: str = setting(
        "OpenSearch_2.19",
        Rule(
            "str", pattern=r"OpenSearch_[0-9]{1,2}\.[0-9]{1,2}", doc="engine of a created domain (CreateDomain pattern)"
        ),
    )
    """Engine of a created domain (CreateDomain pattern)."""
    instanceType: str = setting(
        "r7g.medium.search", Rule("str", pattern=INSTANCE_TYPE, doc="data node type, one OpenSearch Service supports")
    )
    """Data node type, one OpenSearch Service supports."""
    instanceCount: int = setting(
        1, Rule("int", 1, 80, doc="data nodes; more than 1 turns zone awareness on (even or a multiple of 3)")
    )
    """Data nodes; more than 1 turns zone awareness on (even or a multiple of 3)."""
    dedicatedMasterEnabled: bool = setting(False, Rule("bool", doc="dedicated master nodes"))
    """Dedicated master nodes."""
    dedicatedMasterType: str = setting(
        "m7g.medium.search", Rule("str", pattern=INSTANCE_TYPE, doc="dedicated master node type")
    )
    """Dedicated master node type."""
    dedicatedMasterCount: int = setting(3, Rule("int", choices=(3, 5), doc="dedicated master nodes (when enabled)"))
    """Dedicated master nodes (when enabled)."""
    volumeSizeGb: int = setting(
        20, Rule("int", 10, 16384, doc="gp3 volume per data node (within the instance type's EBS range)")
    )
    """Gp3 volume per data node (within the instance type's EBS range)."""
    readerArns: list[str] = setting(
        [], Rule("list", doc="IAM principals (ARNs) allowed to search the created domain (GET/POST/HEAD)")
    )
    """IAM principals (ARNs) allowed to search the created domain (GET/POST/HEAD)."""
    indexName: str = setting(
        "events", Rule("str", pattern=r"[a-z0-9][a-z0-9_-]{0,79}", doc="OpenSearch index (lowercase, <= 80)")
    )
    """OpenSearch index (lowercase, <= 80)."""
    indexRotation: str = setting("OneDay", Rule("str", choices=ROTATIONS, doc="timestamp suffix of the index"))
    """Timestamp suffix of the index."""
    retryDurationSeconds: int = setting(300, Rule("int", 0, 7200, doc="Firehose retry towards OpenSearch"))
    """Firehose retry towards OpenSearch."""
    bufferingIntervalSeconds: int = setting(60, Rule("int", 0, 900, doc="Firehose buffering interval"))
    """Firehose buffering interval."""
    bufferingSizeMb: int = setting(5, Rule("int", 1, 100, doc="Firehose buffering size (OpenSearch: at most 100)"))
    """Firehose buffering size (OpenSearch: at most 100)."""
    failedDocumentsPrefix: str = setting(
        "failed/", Rule("str", pattern=r".{0,1024}", doc="S3 key prefix of documents OpenSearch rejected")
    )
    """S3 key prefix of documents OpenSearch rejected."""
    failedDocumentsErrorPrefix: str | None = setting(
        None,
        Rule(
            "str",
            pattern=r".{0,1024}",
            nullable=True,
            doc="S3 key prefix of records Firehose could not back up (required when failedDocumentsPrefix has !{...})",
        ),
    )
    """S3 key prefix of records Firehose could not back up (required when failedDocumentsPrefix has !{...})."""
    failedDocumentsCompression: str = setting(
        "GZIP", Rule("str", choices=COMPRESSION, doc="compression of the failed-documents backup")
    )
    """Compression of the failed-documents backup."""
    transform: bool = setting(False, Rule("bool", doc="run the built-in redaction transform before indexing"))
    """Run the built-in redaction transform before indexing."""
    transformFunctionArn: str | None = _transform_arn()
    """Your own Firehose transformation function (ARN)."""
    filterPolicy: dict[str, Any] | None = _filter_policy()
    """SNS subscription filter policy (an object); default: every event."""
    filterPolicyScope: str = _filter_scope()
    """What the filter policy matches against."""
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900, doc="forwarder timeout (queue visibility is 6x)"))
    """Forwarder timeout (queue visibility is 6x)."""
    queueRetentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="analytics queue message retention"))
    """Analytics queue message retention."""
    logLevel: str = _log_level()
    """Log level of the pipeline's functions."""

    @staticmethod
    def cross_check(section: AnalyticsConfig, key: str) -> list[str]:
        """Combinations OpenSearch, Firehose and SNS reject."""
        problems = check_filter_policy(key, section.filterPolicy, section.filterPolicyScope)
        problems += check_transform(key, "transform", section.transform, section.transformFunctionArn)
        problems += check_zone_awareness(key, section.instanceCount)
        problems += check_prefixes(
            key,
            section.failedDocumentsPrefix,
            section.failedDocumentsErrorPrefix,
            ("failedDocumentsPrefix", "failedDocumentsErrorPrefix"),
        )
        if section.domainArn is None:
            master = section.dedicatedMasterType if section.dedicatedMasterEnabled else None
            problems += check_search_nodes(
                key, section.instanceType, section.instanceCount, master, section.volumeSizeGb
            )
        for arn in section.readerArns:
            if not isinstance(arn, str) or not arn.startswith("arn:") or ":iam::" not in arn:
                problems.append(f"{key}.readerArns: got {arn!r}; allowed: IAM role or user ARNs")
        if section.domainArn and section.readerArns:
            problems.append(f"{key}.readerArns: allowed only for a created domain (an existing one keeps its policy)")
        return problems


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
    filterPolicy: dict[str, Any] | None = _filter_policy()
    """SNS subscription filter policy (an object); default: every event."""
    filterPolicyScope: str = _filter_scope()
    """What the filter policy matches against."""
    logLevel: str = _log_level()
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


PIPELINE_SECTIONS: dict[str, type] = {
    "backup": BackupConfig,
    "analytics": AnalyticsConfig,
    "replay": ReplayConfig,
    "alarms": AlarmsConfig,
}
