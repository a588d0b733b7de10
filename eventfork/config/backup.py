"""``eventfork:backup``: the storage & backup pipeline's settings and the combinations S3 and Firehose refuse.

Ranges are the services' own: Firehose buffering 0..900 s and 1..128 MB, SQS retention
60..1,209,600 s, S3 lifecycle object-size filters up to 5 TB; lifecycle days are positive integers
(S3 names no maximum; 36500 is this program's, as for expirationDays).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventfork.components.parts.hosting import schema_view
from eventfork.config.schema import Rule, setting
from eventfork.config.shared import (
    COMPRESSION,
    access_log_retention_setting,
    access_logging_setting,
    filter_policy_setting,
    filter_scope_setting,
    log_level_setting,
    transform_arn_setting,
)
from eventfork.service_rules import check_filter_policy, check_prefixes, check_transform

STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE")
# S3 lifecycle object-size filters: "Maximum filter size is 5 TB"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html).
MAX_LIFECYCLE_FILTER_BYTES = 5 * 10**12


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
    accessLogging: bool = access_logging_setting("the created bucket")
    """S3 server access logs of the created bucket, kept in an SSE-S3 log bucket of its own."""
    accessLogRetentionDays: int = access_log_retention_setting()
    """Days before an access log expires (its data goes 30 days later)."""
    redaction: bool = setting(
        True, Rule("bool", doc="remove card data in the forwarder and with the built-in transform function")
    )
    """Remove card data in the forwarder and with the built-in transform function."""
    transformFunctionArn: str | None = transform_arn_setting()
    """Your own Firehose transformation function (ARN)."""
    filterPolicy: dict[str, Any] | None = filter_policy_setting()
    """SNS subscription filter policy (an object); default: every event."""
    filterPolicyScope: str = filter_scope_setting()
    """What the filter policy matches against."""
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900, doc="forwarder timeout (queue visibility is 6x)"))
    """Forwarder timeout (queue visibility is 6x)."""
    queueRetentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="backup queue message retention"))
    """Backup queue message retention."""
    logLevel: str = log_level_setting()
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
