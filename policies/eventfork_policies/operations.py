"""The platform's operational rules: DLQs, replay retention, IAM, tracing, S3 access, visibility, async failures.

Each policy is declared once, on its check: the check picks the resources and their inputs, the rule
functions in ``rules/operations.py`` decide.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from eventfork_policies.adapters import (
    ADVISORY,
    EVENTFORK,
    FSBP_DOCS,
    PolicyGroup,
    belongs_to,
    config,
    each,
    fsbp,
    targets,
)
from eventfork_policies.rules import operations

QUEUE, FUNCTION = "aws:sqs/queue:Queue", "aws:lambda/function:Function"
BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
IAM_POLICIES = ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy")
OPERATIONS = PolicyGroup()


def _present(props: Any, key: str) -> bool:
    """``key`` is set (to a value known now, or one only known after deployment)."""
    if key not in set(props):
        return False
    try:
        return bool(props.get(key))
    except UnknownValueError:
        return True


@OPERATIONS.stack_policy(
    name="queue-redrive-policy",
    description="Every queue but a dead-letter queue has a redrive policy",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=EVENTFORK,
    tags=["sqs", "reliability"],
    remediation="Set redrive_policy with deadLetterTargetArn and maxReceiveCount.",
    url="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
    config_schema={"deadLetterNamePattern": {"type": "string", "default": operations.DEAD_LETTER_PATTERN}},
)
def _redrive(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    queues = [r for r in args.resources if r.resource_type == QUEUE]
    redrive_resources = [r for r in args.resources if r.resource_type == "aws:sqs/redrivePolicy:RedrivePolicy"]
    pattern = config(args, "deadLetterNamePattern", operations.DEAD_LETTER_PATTERN)

    def check(queue: Any) -> None:
        redriven = _present(queue.props, "redrivePolicy") or any(
            targets(r, queue, "queueUrl") for r in redrive_resources
        )
        is_target = any(targets(q, queue, "redrivePolicy") for q in queues if q is not queue) or any(
            targets(r, queue, "redrivePolicy") for r in redrive_resources
        )
        for message in operations.queue_redrive(queue.name, queue.props, pattern, redriven, is_target):
            report_violation(message, queue.urn)

    each(queues, check)


@OPERATIONS.resource_policy(
    name="replay-retention",
    description="Replay queues keep messages 14 days",
    level=ADVISORY,
    severity=Severity.LOW,
    framework=EVENTFORK,
    tags=["sqs", "retention"],
    remediation="Set message_retention_seconds=1209600.",
    url="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-architecture.html",
    config_schema={
        "minimumRetentionSeconds": {"type": "integer", "default": 1209600},
        "namePattern": {"type": "string", "default": r"-replay(\.fifo)?$"},
    },
)
def _replay_retention(args: ResourceValidationArgs) -> list[str]:
    if args.resource_type != QUEUE:
        return []
    return operations.replay_retention(
        args.name,
        args.props,
        int(config(args, "minimumRetentionSeconds", 1209600)),
        config(args, "namePattern", r"-replay(\.fifo)?$"),
    )


@OPERATIONS.resource_policy(
    name="iam-no-wildcards",
    description="IAM policies name their actions, and data actions name their resources",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=fsbp("IAM.1, IAM.21"),
    tags=["iam", "least-privilege"],
    remediation="List the actions used and name the resource ARNs.",
    url=FSBP_DOCS + "iam-controls.html",
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


@OPERATIONS.resource_policy(
    name="lambda-tracing",
    description="Lambda functions have active X-Ray tracing",
    level=ADVISORY,
    severity=Severity.LOW,
    framework=EVENTFORK,
    tags=["lambda", "observability"],
    remediation="Set tracing_config={'mode': 'Active'}.",
    url="https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html",
)
def _tracing(args: ResourceValidationArgs) -> list[str]:
    return operations.lambda_tracing(args.name, args.props) if args.resource_type == FUNCTION else []


@OPERATIONS.stack_policy(
    name="s3-public-access-and-tls",
    description="Buckets block public access and deny non-TLS requests",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=fsbp("S3.8, S3.5"),
    tags=["s3", "public-access", "tls"],
    remediation="Add a BucketPublicAccessBlock with all four flags and a policy denying aws:SecureTransport=false.",
    url=FSBP_DOCS + "s3-controls.html",
)
def _bucket_access(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    blocks = [r for r in args.resources if r.resource_type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"]
    policies = [r for r in args.resources if r.resource_type == "aws:s3/bucketPolicy:BucketPolicy"]
    for bucket in (r for r in args.resources if r.resource_type in BUCKETS):
        mine = [b.props for b in blocks if belongs_to(b, bucket)]
        documents = [p.props.get("policy") for p in policies if belongs_to(p, bucket)]
        for message in operations.bucket_public_access(bucket.name, mine) + operations.bucket_tls_only(
            bucket.name, documents
        ):
            report_violation(message, bucket.urn)


@OPERATIONS.stack_policy(
    name="queue-visibility-covers-function",
    description="A queue's visibility timeout is at least 6x the timeout of the function it triggers",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=EVENTFORK,
    tags=["sqs", "lambda", "reliability"],
    remediation="Set visibility_timeout_seconds to at least 6x the function timeout.",
    url="https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
)
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


@OPERATIONS.stack_policy(
    name="lambda-async-failure-destination",
    description="Asynchronously invoked functions have a DLQ or an on-failure destination",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=fsbp("Lambda (CKV_AWS_116)"),
    tags=["lambda", "reliability"],
    remediation="Set dead_letter_config or an on_failure destination.",
    url="https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html",
)
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
