"""Severity, framework, tags, remediation steps and reference URL of every policy (pulumi-policy 1.21 metadata).

The framework names the rule family each policy follows (AWS Security Hub's Foundational Security Best
Practices, Checkov, cdk-nag's AwsSolutions); ``eventfork`` marks rules no such set has.
"""

from __future__ import annotations

from typing import TypeVar

from pulumi_policy import PolicyComplianceFramework, Severity

FSBP = "https://docs.aws.amazon.com/securityhub/latest/userguide/"
P = TypeVar("P")


def _fsbp(reference: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(
        name="AWS Foundational Security Best Practices", version="1.0.0", reference=reference
    )


EVENTFORK = PolicyComplianceFramework(name="eventfork", version="1.0.0", reference="docs/policies.md")

# name: (severity, framework, tags, remediation steps, url)
METADATA: dict[str, tuple[Severity, PolicyComplianceFramework, list[str], str, str]] = {
    "fifo-naming": (
        Severity.HIGH,
        EVENTFORK,
        ["sqs", "sns", "fifo"],
        "Name FIFO queues and topics with a .fifo suffix, or leave the name to the provider.",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues.html",
    ),
    "fifo-high-throughput": (
        Severity.MEDIUM,
        EVENTFORK,
        ["sqs", "sns", "fifo", "throughput"],
        "Queues: deduplication_scope='messageGroup' and "
        "fifo_throughput_limit='perMessageGroupId'; topics: fifo_throughput_scope='MessageGroup'.",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html",
    ),
    "kms-customer-managed-key": (
        Severity.HIGH,
        _fsbp("SQS.1, SNS.1, DynamoDB (CKV_AWS_119), Opensearch.1"),
        ["encryption", "kms"],
        "Set the resource's KMS key to a customer-managed key ARN.",
        FSBP + "sqs-controls.html",
    ),
    "kms-key-rotation": (
        Severity.MEDIUM,
        _fsbp("KMS.4"),
        ["encryption", "kms"],
        "Set enable_key_rotation=True.",
        FSBP + "kms-controls.html",
    ),
    "buffer-table-ttl": (
        Severity.MEDIUM,
        EVENTFORK,
        ["dynamodb", "retention"],
        "Set ttl={'enabled': True, 'attribute_name': 'expiresAt'}.",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html",
    ),
    "s3-bucket-kms-encryption": (
        Severity.HIGH,
        _fsbp("S3.17"),
        ["s3", "encryption", "kms"],
        "Add a BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed key.",
        FSBP + "s3-controls.html",
    ),
    "queue-redrive-policy": (
        Severity.MEDIUM,
        EVENTFORK,
        ["sqs", "reliability"],
        "Set redrive_policy with deadLetterTargetArn and maxReceiveCount.",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
    ),
    "replay-retention": (
        Severity.LOW,
        EVENTFORK,
        ["sqs", "retention"],
        "Set message_retention_seconds=1209600.",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-architecture.html",
    ),
    "iam-no-wildcards": (
        Severity.HIGH,
        _fsbp("IAM.1, IAM.21"),
        ["iam", "least-privilege"],
        "List the actions used and name the resource ARNs.",
        FSBP + "iam-controls.html",
    ),
    "lambda-tracing": (
        Severity.LOW,
        EVENTFORK,
        ["lambda", "observability"],
        "Set tracing_config={'mode': 'Active'}.",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html",
    ),
    "s3-public-access-and-tls": (
        Severity.HIGH,
        _fsbp("S3.8, S3.5"),
        ["s3", "public-access", "tls"],
        "Add a BucketPublicAccessBlock with all four flags and a policy denying aws:SecureTransport=false.",
        FSBP + "s3-controls.html",
    ),
    "queue-visibility-covers-function": (
        Severity.MEDIUM,
        EVENTFORK,
        ["sqs", "lambda", "reliability"],
        "Set visibility_timeout_seconds to at least 6x the function timeout.",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
    ),
    "lambda-async-failure-destination": (
        Severity.MEDIUM,
        _fsbp("Lambda (CKV_AWS_116)"),
        ["lambda", "reliability"],
        "Set dead_letter_config or an on_failure destination.",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html",
    ),
    "resource-policy-no-public-access": (
        Severity.CRITICAL,
        _fsbp("SQS.3, SNS.4, KMS.5, Lambda.1, Opensearch.2"),
        ["public-access", "resource-policy"],
        "Name this account's principals or a trusted role ARN, or add a Condition on aws:SourceArn, "
        "aws:SourceAccount or aws:PrincipalOrgID; for Lambda permissions set source_arn or source_account.",
        FSBP + "lambda-controls.html",
    ),
    "sns-can-use-subscriber-queue-key": (
        Severity.HIGH,
        EVENTFORK,
        ["sns", "sqs", "kms", "delivery"],
        "Allow sns.amazonaws.com kms:GenerateDataKey* and kms:Decrypt in the queue key's policy, bound to the topic.",
        "https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic-sqs-queue-subscriptions.html",
    ),
    "sns-subscription-redrive-policy": (
        Severity.MEDIUM,
        EVENTFORK,
        ["sns", "reliability"],
        "Set redrive_policy with deadLetterTargetArn to a queue the topic may send to.",
        "https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html",
    ),
    "dynamodb-recovery": (
        Severity.MEDIUM,
        _fsbp("DynamoDB.2, DynamoDB.6"),
        ["dynamodb", "backup"],
        "Set point_in_time_recovery={'enabled': True}; in production also deletion_protection_enabled=True.",
        FSBP + "dynamodb-controls.html",
    ),
    "log-group-customer-managed-key": (
        Severity.MEDIUM,
        PolicyComplianceFramework(name="Checkov", reference="CKV_AWS_158"),
        ["logs", "kms"],
        "Set kms_key_id to a customer-managed key whose policy allows logs.<region>.amazonaws.com.",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ),
    "lambda-runtime-supported": (
        Severity.MEDIUM,
        _fsbp("Lambda.2 (cdk-nag AwsSolutions-L1)"),
        ["lambda", "runtime"],
        "Move the function to the newest runtime of its language.",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
    ),
    "opensearch-audit-and-error-logs": (
        Severity.MEDIUM,
        _fsbp("Opensearch.4, Opensearch.5"),
        ["opensearch", "logging"],
        "Publish AUDIT_LOGS and ES_APPLICATION_LOGS to CMK-encrypted log groups.",
        FSBP + "opensearch-controls.html",
    ),
    "opensearch-fine-grained-access": (
        Severity.HIGH,
        _fsbp("Opensearch.7"),
        ["opensearch", "access-control"],
        "Enable advanced_security_options with an IAM master user.",
        FSBP + "opensearch-controls.html",
    ),
    "s3-access-logging": (
        Severity.LOW,
        _fsbp("S3.9"),
        ["s3", "logging"],
        "Add a BucketLogging to an SSE-S3 log bucket, or exempt the bucket by name.",
        FSBP + "s3-controls.html",
    ),
    "s3-object-lock-evidence": (
        Severity.LOW,
        _fsbp("S3.15"),
        ["s3", "immutability", "consent"],
        "Create the bucket with Object Lock and a default COMPLIANCE retention.",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html",
    ),
    "opensearch-in-vpc": (
        Severity.HIGH,
        _fsbp("Opensearch.2, ES.2"),
        ["opensearch", "network", "public-access"],
        "Set vpc_options with private subnet ids and a security group (the domain is replaced).",
        FSBP + "opensearch-controls.html",
    ),
    "opensearch-master-not-delivery-role": (
        Severity.HIGH,
        EVENTFORK,
        ["opensearch", "firehose", "least-privilege"],
        "Make a separate admin role the master user; map the Firehose role to an index-write role.",
        "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html",
    ),
    "queue-and-topic-tls-only": (
        Severity.HIGH,
        EVENTFORK,
        ["sqs", "sns", "tls", "resource-policy"],
        "Add a policy statement denying sqs:* / sns:* to '*' when aws:SecureTransport is false.",
        "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html",
    ),
    "sns-subscribe-scope": (
        Severity.HIGH,
        EVENTFORK,
        ["sns", "exfiltration", "resource-policy"],
        "Allow sns:Subscribe only with a Condition on sns:Protocol (sqs, lambda, firehose) or sns:Endpoint, "
        "or deny it to '*' otherwise.",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html",
    ),
    "firehose-record-transform": (
        Severity.HIGH,
        EVENTFORK,
        ["firehose", "redaction", "pci"],
        "Enable processing_configuration with a Lambda processor that redacts records before storage.",
        "https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html",
    ),
    "log-group-card-masking": (
        Severity.HIGH,
        EVENTFORK,
        ["logs", "data-protection", "pci"],
        "Add a LogDataProtectionPolicy for the group that audits and de-identifies CreditCardNumber.",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/mask-sensitive-log-data-start.html",
    ),
    "alarm-topic-has-subscriber": (
        Severity.MEDIUM,
        EVENTFORK,
        ["cloudwatch", "sns", "observability"],
        "Subscribe an on-call endpoint (email, https, or a paging queue/function) to the alarm topic.",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html",
    ),
}


def with_metadata(policies: list[P]) -> list[P]:
    """Attach each policy's metadata; a policy without an entry is a programming error."""
    for policy in policies:
        severity, framework, tags, steps, url = METADATA[policy.name]  # type: ignore[attr-defined]
        policy.severity, policy.framework, policy.tags = severity, framework, tags  # type: ignore[attr-defined]
        policy.remediation_steps, policy.url = steps, url  # type: ignore[attr-defined]
    return policies
