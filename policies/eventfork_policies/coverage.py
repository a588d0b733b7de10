"""Policies at parity with Security Hub, Checkov, cdk-nag and Pulumi's AWS packs on the types eventfork declares.

Each policy is declared once, on its check: the check picks the resources and inputs, the rule functions decide.
"""

from __future__ import annotations

import datetime
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs

from eventfork_policies.adapters import (
    ADVISORY,
    EVENTFORK,
    FSBP_DOCS,
    MANDATORY,
    PolicyGroup,
    checkov,
    config,
    each,
    fsbp,
    names_bucket,
    targets,
)
from eventfork_policies.rules import exposure, resilience, search_storage

QUEUE, TOPIC, KEY = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:kms/key:Key"
DOMAIN = "aws:opensearch/domain:Domain"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
TRUSTED = {"trustedAccounts": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"}, "default": []}}
STRINGS = {"type": "array", "items": {"type": "string"}}
DOCUMENT_INPUT = {
    "aws:sqs/queuePolicy:QueuePolicy": ("queue policy", "policy", "queueUrl"),
    QUEUE: ("queue", "policy", "url"),
    "aws:sns/topicPolicy:TopicPolicy": ("topic policy", "policy", "arn"),
    TOPIC: ("topic", "policy", "arn"),
    KEY: ("KMS key", "policy", None),
    "aws:kms/keyPolicy:KeyPolicy": ("KMS key policy", "policy", None),
    "aws:opensearch/domainPolicy:DomainPolicy": ("search domain policy", "accessPolicies", None),
}
COVERAGE = PolicyGroup()


def _owners(args: ResourceValidationArgs, document: Any, own_input: str | None) -> set[str]:
    """The resource's own account (from its ARN/URL and the document's Resource ARNs) and trusted accounts."""
    parsed = exposure.load(document) or {}
    arns = [
        r
        for s in exposure.as_list(parsed.get("Statement", []))
        if isinstance(s, dict)
        for r in exposure.as_list(s.get("Resource", []))
    ]
    own = [args.props.get(own_input)] if own_input and own_input in set(args.props) else []
    return exposure.accounts_in(arns + own) | set(config(args, "trustedAccounts", []))


@COVERAGE.resource_policy(
    name="resource-policy-no-public-access",
    description="Queue, topic, key, function and search domain policies admit no one outside the account "
    "without a source condition",
    level=MANDATORY,
    severity=Severity.CRITICAL,
    framework=fsbp("SQS.3, SNS.4, KMS.5, Lambda.1, Opensearch.2"),
    tags=["public-access", "resource-policy"],
    remediation="Name this account's principals or a trusted role ARN, or add a Condition on aws:SourceArn, "
    "aws:SourceAccount or aws:PrincipalOrgID; for Lambda permissions set source_arn or source_account.",
    url=FSBP_DOCS + "lambda-controls.html",
    config_schema=TRUSTED,
)
def _public_access(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type == "aws:lambda/permission:Permission":
        owners = exposure.accounts_in([args.props.get("function")]) | set(config(args, "trustedAccounts", []))
        return exposure.lambda_permission_exposure(args.name, args.props, owners)
    if args.resource_type == DOMAIN:
        document = args.props.get("accessPolicies")
        return exposure.domain_exposure(args.name, args.props, _owners(args, document, None))
    if args.resource_type not in DOCUMENT_INPUT:
        return []
    noun, key, own_input = DOCUMENT_INPUT[args.resource_type]
    document = args.props.get(key)
    if not document:
        return []
    return exposure.document_exposure(f"{noun} '{args.name}'", document, _owners(args, document, own_input))


def _key_of(queue: Any, keys: list[Any], aliases: list[Any]) -> Any:
    """The KMS key resource a queue's kmsMasterKeyId names (by dependency, ARN, id or alias)."""
    if targets_any(queue, keys, "kmsMasterKeyId"):
        return targets_any(queue, keys, "kmsMasterKeyId")
    named = queue.props.get("kmsMasterKeyId")
    for key in keys:
        if named in (key.props.get("arn"), key.props.get("keyId"), key.props.get("id")):
            return key
    for alias in aliases:
        if named in (alias.props.get("name"), alias.props.get("arn")):
            return next(
                (k for k in keys if alias.props.get("targetKeyId") in (k.props.get("arn"), k.props.get("keyId"))), None
            )
    return None


def targets_any(resource: Any, candidates: list[Any], key: str) -> Any:
    deps = (getattr(resource, "property_dependencies", None) or {}).get(key) or []
    return next((c for c in candidates if any(d.urn == c.urn for d in deps)), None)


@COVERAGE.stack_policy(
    name="sns-can-use-subscriber-queue-key",
    description="The KMS key of a queue SNS delivers to lets sns.amazonaws.com use it",
    level=MANDATORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["sns", "sqs", "kms", "delivery"],
    remediation="Allow sns.amazonaws.com kms:GenerateDataKey* and kms:Decrypt in the queue key's policy, "
    "bound to the topic.",
    url="https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic-sqs-queue-subscriptions.html",
)
def _sns_key(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    queues = [r for r in args.resources if r.resource_type == QUEUE]
    keys = [r for r in args.resources if r.resource_type == KEY]
    aliases = [r for r in args.resources if r.resource_type == "aws:kms/alias:Alias"]
    key_policies = [r for r in args.resources if r.resource_type == "aws:kms/keyPolicy:KeyPolicy"]

    def check(subscription: Any) -> None:
        if subscription.props.get("protocol") != "sqs":
            return
        queue = targets_any(subscription, queues, "endpoint") or next(
            (q for q in queues if q.props.get("arn") == subscription.props.get("endpoint")), None
        )
        if queue is None or not queue.props.get("kmsMasterKeyId"):
            return
        named = str(queue.props.get("kmsMasterKeyId"))
        if named.startswith("alias/aws/") or ":alias/aws/" in named:
            report_violation(
                f"queue '{queue.name}' is encrypted with the AWS-managed key {named}, which SNS cannot "
                f"use, so subscription '{subscription.name}' delivers nothing: set kms_master_key_id to "
                "a customer-managed key whose policy lets sns.amazonaws.com use it",
                queue.urn,
            )
            return
        key = _key_of(queue, keys, aliases)
        if key is None:
            return  # a key this program does not declare: its policy is not visible here
        documents = [key.props.get("policy")] + [
            p.props.get("policy") for p in key_policies if targets(p, key, "keyId")
        ]
        if not any(exposure.sns_can_use_key(key.name, d) for d in documents if d):
            report_violation(exposure.sns_key_message(subscription.name, queue.name, key.name), key.urn)

    each([r for r in args.resources if r.resource_type == "aws:sns/topicSubscription:TopicSubscription"], check)


@COVERAGE.resource_policy(
    name="sns-subscription-redrive-policy",
    description="Subscriptions to queues have a dead-letter queue",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=EVENTFORK,
    tags=["sns", "reliability"],
    remediation="Set redrive_policy with deadLetterTargetArn to a queue the topic may send to.",
    url="https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html",
    config_schema={"protocols": {**STRINGS, "default": ["sqs"]}},
)
def _subscription_redrive(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:sns/topicSubscription:TopicSubscription":
        return []
    return resilience.subscription_redrive(args.name, args.props, list(config(args, "protocols", ["sqs"])))


@COVERAGE.resource_policy(
    name="dynamodb-recovery",
    description="Tables have point-in-time recovery (and deletion protection in production)",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=fsbp("DynamoDB.2, DynamoDB.6"),
    tags=["dynamodb", "backup"],
    remediation="Set point_in_time_recovery={'enabled': True}; in production also deletion_protection_enabled=True.",
    url=FSBP_DOCS + "dynamodb-controls.html",
    config_schema={"requireDeletionProtection": {"type": "boolean", "default": False}},
)
def _table_recovery(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:dynamodb/table:Table":
        return []
    return resilience.table_recovery(args.name, args.props, bool(config(args, "requireDeletionProtection", False)))


@COVERAGE.resource_policy(
    name="log-group-customer-managed-key",
    description="Log groups are encrypted with a customer-managed key",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=checkov("CKV_AWS_158"),
    tags=["logs", "kms"],
    remediation="Set kms_key_id to a customer-managed key whose policy allows logs.<region>.amazonaws.com.",
    url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    config_schema={"exemptNamePatterns": {**STRINGS, "default": []}},
)
def _log_group_key(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:cloudwatch/logGroup:LogGroup":
        return []
    return resilience.log_group_key(args.name, args.props, list(config(args, "exemptNamePatterns", [])))


@COVERAGE.resource_policy(
    name="lambda-runtime-supported",
    description="Functions use a runtime AWS Lambda does not deprecate soon",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=fsbp("Lambda.2 (cdk-nag AwsSolutions-L1)"),
    tags=["lambda", "runtime"],
    remediation="Move the function to the newest runtime of its language.",
    url="https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
    config_schema={
        "warnDaysBefore": {"type": "integer", "minimum": 0, "default": 180},
        "exemptRuntimes": {**STRINGS, "default": []},
    },
)
def _runtime(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:lambda/function:Function":
        return []
    return resilience.runtime_support(
        args.name,
        args.props,
        datetime.date.today(),
        int(config(args, "warnDaysBefore", 180)),
        list(config(args, "exemptRuntimes", [])),
    )


@COVERAGE.resource_policy(
    name="opensearch-audit-and-error-logs",
    description="Search domains publish audit and error logs",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=fsbp("Opensearch.4, Opensearch.5"),
    tags=["opensearch", "logging"],
    remediation="Publish AUDIT_LOGS and ES_APPLICATION_LOGS to CMK-encrypted log groups.",
    url=FSBP_DOCS + "opensearch-controls.html",
    config_schema={"requiredLogTypes": {**STRINGS, "default": ["AUDIT_LOGS", "ES_APPLICATION_LOGS"]}},
)
def _domain_logs(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != DOMAIN:
        return []
    required = list(config(args, "requiredLogTypes", list(search_storage.REQUIRED_DOMAIN_LOGS)))
    return search_storage.domain_logs(args.name, args.props, required)


@COVERAGE.resource_policy(
    name="opensearch-fine-grained-access",
    description="Search domains have fine-grained access control",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=fsbp("Opensearch.7"),
    tags=["opensearch", "access-control"],
    remediation="Enable advanced_security_options with an IAM master user.",
    url=FSBP_DOCS + "opensearch-controls.html",
)
def _domain_access(args: ResourceValidationArgs) -> list[str]:
    return search_storage.domain_fine_grained_access(args.name, args.props) if args.resource_type == DOMAIN else []


def _physical(bucket: Any) -> str:
    return str(bucket.props.get("bucket") or bucket.props.get("bucketPrefix") or bucket.name)


@COVERAGE.stack_policy(
    name="s3-access-logging",
    description="Buckets have server access logging (the log bucket itself is exempt)",
    level=ADVISORY,
    severity=Severity.LOW,
    framework=fsbp("S3.9"),
    tags=["s3", "logging"],
    remediation="Add a BucketLogging to an SSE-S3 log bucket, or exempt the bucket by name.",
    url=FSBP_DOCS + "s3-controls.html",
    config_schema={"exemptNamePatterns": {**STRINGS, "default": []}},
)
def _access_logging(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    loggings = [r for r in args.resources if r.resource_type.startswith("aws:s3/bucketLogging")]
    patterns = list(config(args, "exemptNamePatterns", []))

    def check(bucket: Any) -> None:
        logged = bool(bucket.props.get("loggings") or bucket.props.get("logging")) or any(
            names_bucket(r, bucket, "bucket") for r in loggings
        )
        is_target = any(names_bucket(r, bucket, "targetBucket") for r in loggings)
        for message in search_storage.bucket_access_logging(
            bucket.name, logged, is_target, _physical(bucket), patterns
        ):
            report_violation(message, bucket.urn)

    each([r for r in args.resources if r.resource_type in BUCKETS], check)


@COVERAGE.stack_policy(
    name="s3-object-lock-evidence",
    description="Buckets keeping evidence are offered Object Lock",
    level=ADVISORY,
    severity=Severity.LOW,
    framework=fsbp("S3.15"),
    tags=["s3", "immutability", "consent"],
    remediation="Create the bucket with Object Lock and a default COMPLIANCE retention.",
    url="https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html",
    config_schema={
        "namePatterns": {**STRINGS, "default": ["consent", "evidence", "audit", "backup"]},
        "tagValues": {**STRINGS, "default": ["backup", "evidence", "consent"]},
    },
)
def _object_lock(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    locks = [r for r in args.resources if r.resource_type.startswith("aws:s3/bucketObjectLockConfiguration")]
    patterns = list(config(args, "namePatterns", ["consent", "evidence", "audit", "backup"]))
    tag_values = list(config(args, "tagValues", ["backup", "evidence", "consent"]))

    def check(bucket: Any) -> None:
        if not search_storage.holds_evidence(_physical(bucket), bucket.props.get("tags") or {}, patterns, tag_values):
            return
        locked = any(names_bucket(r, bucket, "bucket") for r in locks)
        for message in search_storage.bucket_object_lock(bucket.name, bucket.props, locked):
            report_violation(message, bucket.urn)

    each([r for r in args.resources if r.resource_type in BUCKETS], check)


COVERAGE_POLICIES = COVERAGE.policies
