"""The policies of the pack: thin adapters from pulumi-policy arguments to the rule functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from eventfork_policies.adapters import ADVISORY, MANDATORY
from eventfork_policies.adapters import config as _config
from eventfork_policies.adapters import each as _each
from eventfork_policies.adapters import names_bucket as _names_bucket
from eventfork_policies.adapters import resource_policy as _resource_policy
from eventfork_policies.adapters import stack_policy as _stack_policy
from eventfork_policies.adapters import targets as _targets
from eventfork_policies.coverage import COVERAGE_POLICIES
from eventfork_policies.data_protection import DATA_PROTECTION_POLICIES
from eventfork_policies.metadata import with_metadata
from eventfork_policies.rules import buffer_table, encryption, fifo, operations

PACK_NAME = "eventfork-guardrails"
QUEUE, TOPIC, KEY = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:kms/key:Key"
BUCKET, FUNCTION = "aws:s3/bucket:Bucket", "aws:lambda/function:Function"
IAM_POLICIES = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy")


# ---- resource policies -------------------------------------------------------------------------
def _fifo_naming(args: ResourceValidationArgs) -> list[str]:
    return fifo.fifo_naming(args.resource_type, args.name, args.props)


def _high_throughput(args: ResourceValidationArgs) -> list[str]:
    exempt = list(_config(args, "exemptNamePatterns", []))
    if args.resource_type == TOPIC:
        return fifo.topic_high_throughput(args.name, args.props, exempt)
    return fifo.high_throughput(args.name, args.props, exempt) if args.resource_type == QUEUE else []


def _high_throughput_fix(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    if args.resource_type == TOPIC:
        return fifo.topic_high_throughput_fix(args.props)
    return fifo.high_throughput_fix(args.props) if args.resource_type == QUEUE else None


def _store_encryption(args: ResourceValidationArgs) -> list[str]:
    return encryption.store_encryption(args.resource_type, args.name, args.props)


def _key_rotation(args: ResourceValidationArgs) -> list[str]:
    return encryption.key_rotation(args.name, args.props) if args.resource_type == KEY else []


def _key_rotation_fix(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    return encryption.key_rotation_fix(args.props) if args.resource_type == KEY else None


def _buffer_ttl(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != "aws:dynamodb/table:Table":
        return []
    parent = args.opts.parent if args.opts is not None else None
    if not buffer_table.is_buffer_table(args.urn, parent, args.props):
        return []
    return buffer_table.buffer_table_ttl(args.name, args.props)


def _present(props: Any, key: str) -> bool:
    """``key`` is set (to a value known now, or one only known after deployment)."""
    if key not in set(props):
        return False
    try:
        return bool(props.get(key))
    except UnknownValueError:
        return True


def _redrive(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    queues = [r for r in args.resources if r.resource_type == QUEUE]
    redrive_resources = [r for r in args.resources if r.resource_type == "aws:sqs/redrivePolicy:RedrivePolicy"]
    pattern = _config(args, "deadLetterNamePattern", operations.DEAD_LETTER_PATTERN)

    def check(queue: Any) -> None:
        redriven = _present(queue.props, "redrivePolicy") or any(
            _targets(r, queue, "queueUrl") for r in redrive_resources
        )
        is_target = any(_targets(q, queue, "redrivePolicy") for q in queues if q is not queue) or any(
            _targets(r, queue, "redrivePolicy") for r in redrive_resources
        )
        for message in operations.queue_redrive(queue.name, queue.props, pattern, redriven, is_target):
            report_violation(message, queue.urn)

    _each(queues, check)


def _replay_retention(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != QUEUE:
        return []
    return operations.replay_retention(
        args.name,
        args.props,
        int(_config(args, "minimumRetentionSeconds", 1209600)),
        _config(args, "namePattern", r"-replay(\.fifo)?$"),
    )


def _iam(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type in IAM_POLICIES:
        return operations.iam_wildcards(args.name, args.props.get("policy"))
    if args.resource_type == "aws:iam/role:Role":
        return [
            m
            for p in args.props.get("inlinePolicies") or []
            for m in operations.iam_wildcards(args.name, p.get("policy"))
        ]
    return []


def _tracing(args: ResourceValidationArgs) -> list[str]:
    return operations.lambda_tracing(args.name, args.props) if args.resource_type == FUNCTION else []


# ---- stack policies ----------------------------------------------------------------------------
def _belongs_to(resource: Any, bucket: Any) -> bool:
    """A bucket-scoped resource's ``bucket`` input is this bucket (an ordering ``depends_on`` is not)."""
    return _targets(resource, bucket, "bucket") or (
        not (getattr(resource, "property_dependencies", None) or {}).get("bucket")
        and resource.props.get("bucket") is not None
        and resource.props.get("bucket") == bucket.props.get("bucket")
    )


def _bucket_encryption(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    configs = [
        r for r in args.resources if r.resource_type.startswith("aws:s3/bucketServerSideEncryptionConfiguration")
    ]
    loggings = [r for r in args.resources if r.resource_type.startswith("aws:s3/bucketLogging")]

    def check(bucket: Any) -> None:
        inline = (bucket.props.get("serverSideEncryptionConfiguration") or {}).get("rule")
        rules = [inline] if inline else []
        rules += [rule for c in configs if _belongs_to(c, bucket) for rule in c.props.get("rules") or []]
        target = any(_names_bucket(r, bucket, "targetBucket") for r in loggings)
        for message in encryption.bucket_encryption(bucket.name, rules, access_log_target=target):
            report_violation(message, bucket.urn)

    _each([r for r in args.resources if r.resource_type in (BUCKET, "aws:s3/bucketV2:BucketV2")], check)


def _bucket_access(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    blocks = [r for r in args.resources if r.resource_type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
    policies = [r for r in args.resources if r.resource_type == "aws:s3/bucketPolicy:BucketPolicy"]
    for bucket in (r for r in args.resources if r.resource_type in (BUCKET, "aws:s3/bucketV2:BucketV2")):
        mine = [b.props for b in blocks if _belongs_to(b, bucket)]
        documents = [p.props.get("policy") for p in policies if _belongs_to(p, bucket)]
        for message in operations.bucket_public_access(bucket.name, mine) + operations.bucket_tls_only(
            bucket.name, documents
        ):
            report_violation(message, bucket.urn)


def _visibility(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    queues = {r.props.get("arn"): r for r in args.resources if r.resource_type == QUEUE}
    functions = [r for r in args.resources if r.resource_type == FUNCTION]
    for mapping in (r for r in args.resources if r.resource_type == "aws:lambda/eventSourceMapping:EventSourceMapping"):
        queue = queues.get(mapping.props.get("eventSourceArn")) or next(
            (d for d in mapping.dependencies or [] if d.resource_type == QUEUE), None
        )
        target = mapping.props.get("functionName")
        function = next((f for f in functions if target in (f.props.get("arn"), f.props.get("name"))), None) or next(
            (d for d in mapping.dependencies or [] if d.resource_type == FUNCTION), None
        )
        if queue is None or function is None:
            continue
        for message in operations.visibility_covers_function(
            queue.name,
            int(queue.props.get("visibilityTimeoutSeconds", 30)),
            function.name,
            int(function.props.get("timeout", 3)),
        ):
            report_violation(message, queue.urn)


def _async_destination(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    async_principals = ("sns.amazonaws.com", "s3.amazonaws.com", "events.amazonaws.com")
    permissions = [
        r
        for r in args.resources
        if r.resource_type == "aws:lambda/permission:Permission" and r.props.get("principal") in async_principals
    ]
    invoke_configs = [
        r
        for r in args.resources
        if r.resource_type == "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
        and ((r.props.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
    ]
    for function in (r for r in args.resources if r.resource_type == FUNCTION):
        refs = (function.props.get("arn"), function.props.get("name"))
        invoked = any(p.props.get("function") in refs or function in (p.dependencies or []) for p in permissions)
        if not invoked:
            continue
        has_destination = any(
            c.props.get("functionName") in refs or function in (c.dependencies or []) for c in invoke_configs
        )
        for message in operations.async_failure_destination(function.name, function.props, has_destination):
            report_violation(message, function.urn)


POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = with_metadata(
    [
        _resource_policy(
            "fifo-naming",
            "SQS queues and SNS topics are FIFO if and only if their name ends with .fifo",
            MANDATORY,
            _fifo_naming,
        ),
        _resource_policy(
            "fifo-high-throughput",
            "FIFO queues use deduplicationScope=messageGroup and fifoThroughputLimit=perMessageGroupId; "
            "FIFO topics use fifoThroughputScope=MessageGroup",
            MANDATORY,
            _high_throughput,
            schema={"exemptNamePatterns": {"type": "array", "items": {"type": "string"}, "default": []}},
            remediate=_high_throughput_fix,
        ),
        _resource_policy(
            "kms-customer-managed-key",
            "Queues, topics, tables, delivery streams and search domains use a customer-managed KMS key",
            MANDATORY,
            _store_encryption,
        ),
        _resource_policy(
            "kms-key-rotation",
            "Customer-managed KMS keys rotate",
            MANDATORY,
            _key_rotation,
            remediate=_key_rotation_fix,
        ),
        _resource_policy(
            "buffer-table-ttl",
            "Buffer tables (tagged eventfork:role=buffer or in a FifoEventBuffer) "
            "have TTL enabled on a named attribute",
            MANDATORY,
            _buffer_ttl,
        ),
        _stack_policy(
            "s3-bucket-kms-encryption",
            "Every bucket has SSE-KMS with a customer-managed key",
            MANDATORY,
            _bucket_encryption,
        ),
        _stack_policy(
            "queue-redrive-policy",
            "Every queue but a dead-letter queue has a redrive policy",
            ADVISORY,
            _redrive,
            schema={"deadLetterNamePattern": {"type": "string", "default": operations.DEAD_LETTER_PATTERN}},
        ),
        _resource_policy(
            "replay-retention",
            "Replay queues keep messages 14 days",
            ADVISORY,
            _replay_retention,
            schema={
                "minimumRetentionSeconds": {"type": "integer", "default": 1209600},
                "namePattern": {"type": "string", "default": r"-replay(\.fifo)?$"},
            },
        ),
        _resource_policy(
            "iam-no-wildcards", "IAM policies name their actions, and data actions name their resources", ADVISORY, _iam
        ),
        _resource_policy("lambda-tracing", "Lambda functions have active X-Ray tracing", ADVISORY, _tracing),
        _stack_policy(
            "s3-public-access-and-tls",
            "Buckets block public access and deny non-TLS requests",
            ADVISORY,
            _bucket_access,
        ),
        _stack_policy(
            "queue-visibility-covers-function",
            "A queue's visibility timeout is at least 6x the timeout of the function it triggers",
            ADVISORY,
            _visibility,
        ),
        _stack_policy(
            "lambda-async-failure-destination",
            "Asynchronously invoked functions have a DLQ or an on-failure destination",
            ADVISORY,
            _async_destination,
        ),
        *COVERAGE_POLICIES,
        *DATA_PROTECTION_POLICIES,
    ]
)
CARD_POLICIES = (
    "fifo-naming",
    "fifo-high-throughput",
    "kms-customer-managed-key",
    "kms-key-rotation",
    "buffer-table-ttl",
    "s3-bucket-kms-encryption",
)
