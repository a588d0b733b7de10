"""``eventfork:analytics``: the search & analytics pipeline's settings and the combinations OpenSearch refuses.

Ranges are the services' own: Firehose buffering 0..900 s and 1..100 MB towards OpenSearch,
OpenSearch retry 0..7200 s, SQS retention 60..1,209,600 s, access log expiry 1..36500 days (S3
lifecycle days are positive integers; the maximum is this program's, as for ``eventfork:backup``).
The Elasticsearch type name of the AWS Event Fork Pipelines application has no key: OpenSearch no
longer has it.
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
from eventfork.network_rules import check_search_network
from eventfork.service_rules import (
    check_filter_policy,
    check_prefixes,
    check_search_nodes,
    check_transform,
    check_zone_awareness,
)

ROTATIONS = ("NoRotation", "OneHour", "OneDay", "OneWeek", "OneMonth")
INSTANCE_TYPE = r"[a-z0-9]+\.[a-z0-9]+\.search"


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
    publicAccess: bool = setting(
        False, Rule("bool", doc="a created domain gets a public endpoint instead of a VPC (flagged by the pack)")
    )
    """A created domain gets a public endpoint instead of a VPC (flagged by the pack)."""
    subnetIds: list[str] = setting(
        [], Rule("list", doc="private subnets of the domain and of Firehose's delivery; default: a VPC is created")
    )
    """Private subnets of the domain and of Firehose's delivery; default: a VPC is created."""
    securityGroupIds: list[str] = setting(
        [], Rule("list", doc="security groups of the domain and the delivery (with subnetIds; 443 between them)")
    )
    """Security groups of the domain and the delivery (with subnetIds; 443 between them)."""
    vpcCidr: str = setting(
        "10.80.0.0/16", Rule("str", doc="private IPv4 range of the created VPC, /16 to /24 (RFC 1918)")
    )
    """Private IPv4 range of the created VPC, /16 to /24 (RFC 1918)."""
    adminArns: list[str] = setting(
        [], Rule("list", doc="IAM roles or users mapped to the domain's all_access and security_manager roles")
    )
    """IAM roles or users mapped to the domain's all_access and security_manager roles."""
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
    failedDocumentsExpirationDays: int = setting(
        30,
        Rule(
            "int", 1, 36500, doc="days before a failed document expires from its bucket (its data goes 30 days later)"
        ),
    )
    """Days before a failed document expires from its bucket (its data goes 30 days later)."""
    accessLogging: bool = access_logging_setting("the failed-documents bucket")
    """S3 server access logs of the failed-documents bucket, kept in an SSE-S3 log bucket of its own."""
    accessLogRetentionDays: int = access_log_retention_setting()
    """Days before an access log expires (its data goes 30 days later)."""
    redaction: bool = setting(
        True, Rule("bool", doc="the forwarder removes card data before Firehose (false: raw events are indexed)")
    )
    """The forwarder removes card data before Firehose (false: raw events are indexed)."""
    transform: bool | None = setting(
        None,
        Rule(
            "bool",
            nullable=True,
            doc="run the built-in redaction transform before indexing; default: when redaction is on and "
            "no transformFunctionArn is given",
        ),
    )
    """Run the built-in redaction transform before indexing; default: when redaction is on and no transformFunctionArn is given."""  # noqa: E501
    transformFunctionArn: str | None = transform_arn_setting()
    """Your own Firehose transformation function (ARN)."""
    filterPolicy: dict[str, Any] | None = filter_policy_setting()
    """SNS subscription filter policy (an object); default: every event."""
    filterPolicyScope: str = filter_scope_setting()
    """What the filter policy matches against."""
    functionTimeoutSeconds: int = setting(30, Rule("int", 3, 900, doc="forwarder timeout (queue visibility is 6x)"))
    """Forwarder timeout (queue visibility is 6x)."""
    queueRetentionSeconds: int = setting(1209600, Rule("int", 60, 1209600, doc="analytics queue message retention"))
    """Analytics queue message retention."""
    logLevel: str = log_level_setting()
    """Log level of the pipeline's functions."""

    @staticmethod
    def cross_check(section: AnalyticsConfig, key: str) -> list[str]:
        """Combinations OpenSearch, Firehose and SNS reject."""
        problems = check_filter_policy(key, section.filterPolicy, section.filterPolicyScope)
        problems += check_transform(key, "transform", bool(section.transform), section.transformFunctionArn)
        problems += check_search_network(key, section)
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
        for field_name in ("readerArns", "adminArns"):
            for arn in getattr(section, field_name):
                if not isinstance(arn, str) or not arn.startswith("arn:") or ":iam::" not in arn:
                    problems.append(f"{key}.{field_name}: got {arn!r}; allowed: IAM role or user ARNs")
            if section.domainArn and getattr(section, field_name):
                problems.append(
                    f"{key}.{field_name}: allowed only for a created domain (an existing one keeps its own access)"
                )
        return problems

    @property
    def builtin_transform(self) -> bool:
        """Whether Firehose runs the built-in redaction transform: as set, else with redaction unless yours runs."""
        if self.transform is not None:
            return self.transform
        return self.redaction and self.transformFunctionArn is None
