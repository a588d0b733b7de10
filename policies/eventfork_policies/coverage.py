"""Policies at parity with Security Hub, Checkov, cdk-nag and Pulumi's AWS packs on the types eventfork declares.

Thin adapters, as in pack.py: they pick the resources and inputs, the rule functions decide.
"""

from __future__ import annotations

import datetime
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from eventfork_policies.adapters import (
    ADVISORY,
    MANDATORY,
    config,
    each,
    names_bucket,
    resource_policy,
    stack_policy,
    targets,
)
from eventfork_policies.rules import exposure, resilience, search_storage

QUEUE, TOPIC, KEY = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:kms/key:Key"
DOMAIN = "aws:opensearch/domain:Domain"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
TRUSTED = {"trustedAccounts": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{12}$"}, "default": []}}
DOCUMENT_INPUT = {
    "aws:sqs/queuePolicy:QueuePolicy": ("queue policy", "policy", "queueUrl"),
    QUEUE: ("queue", "policy", "url"),
    "aws:sns/topicPolicy:TopicPolicy": ("topic policy", "policy", "arn"),
    TOPIC: ("topic", "policy", "arn"),
    KEY: ("KMS key", "policy", None),
    "aws:kms/keyPolicy:KeyPolicy": ("KMS key policy", "policy", None),
    "aws:opensearch/domainPolicy:DomainPolicy": ("search domain policy", "accessPolicies", None),
}


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


def _subscription_redrive(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:sns/topicSubscription:TopicSubscription":
        return []
    return resilience.subscription_redrive(args.name, args.props, list(config(args, "protocols", ["sqs"])))


def _table_recovery(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:dynamodb/table:Table":
        return []
    return resilience.table_recovery(args.name, args.props, bool(config(args, "requireDeletionProtection", False)))


def _log_group_key(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:cloudwatch/logGroup:LogGroup":
        return []
    return resilience.log_group_key(args.name, args.props, list(config(args, "exemptNamePatterns", [])))


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


def _domain_logs(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != DOMAIN:
        return []
    required = list(config(args, "requiredLogTypes", list(search_storage.REQUIRED_DOMAIN_LOGS)))
    return search_storage.domain_logs(args.name, args.props, required)


def _domain_access(args: ResourceValidationArgs) -> list[str]:
    return search_storage.domain_fine_grained_access(args.name, args.props) if args.resource_type == DOMAIN else []


def _physical(bucket: Any) -> str:
    return str(bucket.props.get("bucket") or bucket.props.get("bucketPrefix") or bucket.name)


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


STRINGS = {"type": "array", "items": {"type": "string"}}
COVERAGE_POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    resource_policy(
        "resource-policy-no-public-access",
        "Queue, topic, key, function and search domain policies admit no one outside the account "
        "without a source condition",
        MANDATORY,
        _public_access,
        schema=TRUSTED,
    ),
    stack_policy(
        "sns-can-use-subscriber-queue-key",
        "The KMS key of a queue SNS delivers to lets sns.amazonaws.com use it",
        MANDATORY,
        _sns_key,
    ),
    resource_policy(
        "sns-subscription-redrive-policy",
        "Subscriptions to queues have a dead-letter queue",
        ADVISORY,
        _subscription_redrive,
        schema={"protocols": {**STRINGS, "default": ["sqs"]}},
    ),
    resource_policy(
        "dynamodb-recovery",
        "Tables have point-in-time recovery (and deletion protection in production)",
        ADVISORY,
        _table_recovery,
        schema={"requireDeletionProtection": {"type": "boolean", "default": False}},
    ),
    resource_policy(
        "log-group-customer-managed-key",
        "Log groups are encrypted with a customer-managed key",
        ADVISORY,
        _log_group_key,
        schema={"exemptNamePatterns": {**STRINGS, "default": []}},
    ),
    resource_policy(
        "lambda-runtime-supported",
        "Functions use a runtime AWS Lambda does not deprecate soon",
        ADVISORY,
        _runtime,
        schema={
            "warnDaysBefore": {"type": "integer", "minimum": 0, "default": 180},
            "exemptRuntimes": {**STRINGS, "default": []},
        },
    ),
    resource_policy(
        "opensearch-audit-and-error-logs",
        "Search domains publish audit and error logs",
        ADVISORY,
        _domain_logs,
        schema={"requiredLogTypes": {**STRINGS, "default": ["AUDIT_LOGS", "ES_APPLICATION_LOGS"]}},
    ),
    resource_policy(
        "opensearch-fine-grained-access", "Search domains have fine-grained access control", ADVISORY, _domain_access
    ),
    stack_policy(
        "s3-access-logging",
        "Buckets have server access logging (the log bucket itself is exempt)",
        ADVISORY,
        _access_logging,
        schema={"exemptNamePatterns": {**STRINGS, "default": []}},
    ),
    stack_policy(
        "s3-object-lock-evidence",
        "Buckets keeping evidence are offered Object Lock",
        ADVISORY,
        _object_lock,
        schema={
            "namePatterns": {**STRINGS, "default": ["consent", "evidence", "audit", "backup"]},
            "tagValues": {**STRINGS, "default": ["backup", "evidence", "consent"]},
        },
    ),
]
