"""The design card's guardrails: FIFO naming and throughput, customer-managed KMS everywhere, TTL on buffer tables.

Each policy is declared once, on its check: the check picks the resource and its inputs, the rule
functions in ``rules/`` decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs

from eventfork_policies.adapters import (
    EVENTFORK,
    FSBP_DOCS,
    MANDATORY,
    PolicyGroup,
    belongs_to,
    config,
    each,
    fsbp,
    names_bucket,
)
from eventfork_policies.rules import buffer_table, encryption, fifo

QUEUE, TOPIC, KEY = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:kms/key:Key"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
CARD = PolicyGroup()


@CARD.resource_policy(
    name="fifo-naming",
    description="SQS queues and SNS topics are FIFO if and only if their name ends with .fifo",
    level=MANDATORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["sqs", "sns", "fifo"],
    remediation="Name FIFO queues and topics with a .fifo suffix, or leave the name to the provider.",
    url="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues.html",
)
def _fifo_naming(args: ResourceValidationArgs) -> list[str]:
    return fifo.fifo_naming(args.resource_type, args.name, args.props)


def _high_throughput_fix(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    if args.resource_type == TOPIC:
        return fifo.topic_high_throughput_fix(args.props)
    return fifo.high_throughput_fix(args.props) if args.resource_type == QUEUE else None


@CARD.resource_policy(
    name="fifo-high-throughput",
    description="FIFO queues use deduplicationScope=messageGroup and fifoThroughputLimit=perMessageGroupId; "
    "FIFO topics use fifoThroughputScope=MessageGroup",
    level=MANDATORY,
    severity=Severity.MEDIUM,
    framework=EVENTFORK,
    tags=["sqs", "sns", "fifo", "throughput"],
    remediation="Queues: deduplication_scope='messageGroup' and "
    "fifo_throughput_limit='perMessageGroupId'; topics: fifo_throughput_scope='MessageGroup'.",
    url="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html",
    config_schema={"exemptNamePatterns": {"type": "array", "items": {"type": "string"}, "default": []}},
    fix=_high_throughput_fix,
)
def _high_throughput(args: ResourceValidationArgs) -> list[str]:
    exempt = list(config(args, "exemptNamePatterns", []))
    if args.resource_type == TOPIC:
        return fifo.topic_high_throughput(args.name, args.props, exempt)
    return fifo.high_throughput(args.name, args.props, exempt) if args.resource_type == QUEUE else []


@CARD.resource_policy(
    name="kms-customer-managed-key",
    description="Queues, topics, tables, delivery streams and search domains use a customer-managed KMS key",
    level=MANDATORY,
    severity=Severity.HIGH,
    framework=fsbp("SQS.1, SNS.1, DynamoDB (CKV_AWS_119), Opensearch.1"),
    tags=["encryption", "kms"],
    remediation="Set the resource's KMS key to a customer-managed key ARN.",
    url=FSBP_DOCS + "sqs-controls.html",
)
def _store_encryption(args: ResourceValidationArgs) -> list[str]:
    return encryption.store_encryption(args.resource_type, args.name, args.props)


def _key_rotation_fix(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    return encryption.key_rotation_fix(args.props) if args.resource_type == KEY else None


@CARD.resource_policy(
    name="kms-key-rotation",
    description="Customer-managed KMS keys rotate",
    level=MANDATORY,
    severity=Severity.MEDIUM,
    framework=fsbp("KMS.4"),
    tags=["encryption", "kms"],
    remediation="Set enable_key_rotation=True.",
    url=FSBP_DOCS + "kms-controls.html",
    fix=_key_rotation_fix,
)
def _key_rotation(args: ResourceValidationArgs) -> list[str]:
    return encryption.key_rotation(args.name, args.props) if args.resource_type == KEY else []


@CARD.resource_policy(
    name="buffer-table-ttl",
    description="Buffer tables (tagged eventfork:role=buffer or in a FifoEventBuffer) "
    "have TTL enabled on a named attribute",
    level=MANDATORY,
    severity=Severity.MEDIUM,
    framework=EVENTFORK,
    tags=["dynamodb", "retention"],
    remediation="Set ttl={'enabled': True, 'attribute_name': 'expiresAt'}.",
    url="https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html",
)
def _buffer_ttl(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:dynamodb/table:Table":
        return []
    parent = args.opts.parent if args.opts is not None else None
    if not buffer_table.is_buffer_table(args.urn, parent, args.props):
        return []
    return buffer_table.buffer_table_ttl(args.name, args.props)


@CARD.stack_policy(
    name="s3-bucket-kms-encryption",
    description="Every bucket has SSE-KMS with a customer-managed key",
    level=MANDATORY,
    severity=Severity.HIGH,
    framework=fsbp("S3.17"),
    tags=["s3", "encryption", "kms"],
    remediation="Add a BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed key.",
    url=FSBP_DOCS + "s3-controls.html",
)
def _bucket_encryption(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    configs = [
        r for r in args.resources if r.resource_type.startswith("aws:s3/bucketServerSideEncryptionConfiguration")
    ]
    loggings = [r for r in args.resources if r.resource_type.startswith("aws:s3/bucketLogging")]

    def check(bucket: Any) -> None:
        inline = (bucket.props.get("serverSideEncryptionConfiguration") or {}).get("rule")
        rules = [inline] if inline else []
        rules += [rule for c in configs if belongs_to(c, bucket) for rule in c.props.get("rules") or []]
        target = any(names_bucket(r, bucket, "targetBucket") for r in loggings)
        for message in encryption.bucket_encryption(bucket.name, rules, access_log_target=target):
            report_violation(message, bucket.urn)

    each([r for r in args.resources if r.resource_type in BUCKETS], check)
