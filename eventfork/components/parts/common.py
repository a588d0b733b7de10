"""Small builders shared by the components: names, JSON policies, the stack's CMK, queues with DLQs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


def policy_json(statements: list[dict[str, Any]]) -> pulumi.Output[str]:
    """An IAM/resource policy document; statements may contain Outputs."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def merge_tags(*parts: dict[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        out.update(part or {})
    return out


def account_and_region(parent: pulumi.Resource) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """The deploying account id and region, resolved through the parent's provider."""
    opts = pulumi.InvokeOptions(parent=parent)
    identity = aws.get_caller_identity_output(opts=opts)
    region = aws.get_region_output(opts=opts)
    return identity.account_id, region.region


def partition_of(parent: pulumi.Resource) -> pulumi.Output[str]:
    """The provider's partition (``aws``, ``aws-us-gov``...): the first field of every ARN the program
    writes itself, so a policy condition matches the stack's own resources in any partition."""
    return aws.get_partition_output(opts=pulumi.InvokeOptions(parent=parent)).partition


@dataclass
class EncryptionKey:
    """A customer-managed KMS key (rotation on) and its alias."""

    key: aws.kms.Key
    alias: aws.kms.Alias

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.key.arn


@dataclass(frozen=True)
class ServiceUse:
    """A service that uses the key for this stack's own resources: those whose ARN ``source_arn`` matches.

    ``source_arn`` gets the partition, account and region and returns an ARN (or a pattern, with
    ``match`` ArnLike). A service appears here only where AWS documents that it sends
    ``aws:SourceArn`` on its KMS calls, since a condition on a key the service does not send refuses
    every call (and a delivery is then lost): SNS delivering to an SSE-KMS queue (the topic's ARN,
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services)
    and CloudWatch alarms publishing to an SSE-KMS topic (the alarm's ARN,
    https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    EventBridge is left out: that SNS page says ``aws:SourceArn``/``aws:SourceAccount`` are not
    supported in a key policy for EventBridge, and the stack declares no EventBridge rule anyway.
    """

    sid: str
    service: str
    source_arn: Callable[[pulumi.Output[str], pulumi.Output[str], pulumi.Output[str]], pulumi.Input[str]]
    same_account: bool = True  # also require aws:SourceAccount (not for a topic another account owns)
    match: str = "ArnEquals"  # "ArnLike" when ``source_arn`` is a pattern


def service_statement(
    use: ServiceUse, partition: pulumi.Output[str], account_id: pulumi.Output[str], region: pulumi.Output[str]
) -> dict[str, Any]:
    """The key policy statement letting ``use.service`` encrypt and decrypt for its sources only."""
    condition: dict[str, Any] = {use.match: {"aws:SourceArn": use.source_arn(partition, account_id, region)}}
    if use.same_account:
        condition["StringEquals"] = {"aws:SourceAccount": account_id}
    return {
        "Sid": use.sid,
        "Effect": "Allow",
        "Principal": {"Service": use.service},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": condition,
    }


def via_services(region: pulumi.Input[str], *services: str) -> dict[str, Any]:
    """``Condition`` of an IAM grant on a key: usable only through these services of the stack's region.

    https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service:
    SQS, SNS, S3 and DynamoDB call KMS on the caller's behalf with ``kms:ViaService``
    ``<service>.<region>.amazonaws.com``; a role granted a key this way cannot call KMS itself.
    """
    return {
        "StringEquals": {
            "kms:ViaService": [pulumi.Output.concat(service, ".", region, ".amazonaws.com") for service in services]
        }
    }


def customer_managed_key(
    name: str,
    alias_name: str,
    description: str,
    parent: pulumi.Resource,
    deletion_window_days: int,
    tags: dict[str, str],
    service_uses: list[ServiceUse] | None = None,
) -> EncryptionKey:
    """A rotating CMK usable by this account's IAM principals, by Logs and by the services named.

    Services get only what they need to write to encrypted queues/topics/log groups, and only for
    this stack's own resources (``service_uses``); Logs only for log groups of this account.
    """
    account_id, region = account_and_region(parent)
    partition = partition_of(parent)
    statements = [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": pulumi.Output.concat("arn:", partition, ":iam::", account_id, ":root")},
            "Action": "kms:*",
            "Resource": "*",
        },
        *(service_statement(use, partition, account_id, region) for use in service_uses or []),
        {
            "Sid": "LogsEncryptThisAccountsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": pulumi.Output.concat("logs.", region, ".amazonaws.com")},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
                        "arn:", partition, ":logs:", region, ":", account_id, ":log-group:*"
                    )
                }
            },
        },
    ]
    key = aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        policy=policy_json(statements),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    key_alias = aws.kms.Alias(
        f"{name}-alias", name=alias_name, target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=parent)
    )
    return EncryptionKey(key=key, alias=key_alias)


@dataclass
class QueueWithDlq:
    queue: aws.sqs.Queue
    dlq: aws.sqs.Queue
    partitions: list[aws.sqs.Queue] = field(default_factory=list)  # ``queue`` first, then any extra ones


# Message sizes, declared on every queue and topic rather than left to provider defaults (pulumi-aws
# sends 262,144 for a queue that sets none, while AWS's own default is now 1 MiB). Sources: botocore
# models, SNS SetTopicAttributes MaximumMessageSize (default 262,144, up to 1,048,576) and SQS
# SetQueueAttributes MaximumMessageSize (1,024 to 1,048,576).
TOPIC_MAX_MESSAGE_BYTES = 262_144
# The buffer queue accepts at most what always fits the topic once wrapped: the envelope adds at
# most 729 bytes (48 of JSON keys, two quoted 128-character ids with escapes, occurredAt, and the
# eventId attribute), so 1,024 bytes of headroom.
BUFFER_MAX_MESSAGE_BYTES = TOPIC_MAX_MESSAGE_BYTES - 1_024
# Dead-letter queues take a message plus its reason attributes, whatever the source accepted.
DLQ_MAX_MESSAGE_BYTES = 1_048_576


# SQS SetQueueAttributes RedriveAllowPolicy (botocore sqs 2012-11-05): "You can specify up to 10
# source queue ARNs. To allow more than 10 source queues to specify dead-letter queues, set the
# redrivePermission parameter to allowAll" (any queue of the same account and Region).
REDRIVE_ALLOW_MAX_SOURCE_QUEUES = 10


def redrive_allow_policy(source_arns: list[str]) -> str:
    """Only these source queues may use the DLQ, when SQS allows naming them (up to 10)."""
    if len(source_arns) <= REDRIVE_ALLOW_MAX_SOURCE_QUEUES:
        return json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": list(source_arns)})
    return json.dumps({"redrivePermission": "allowAll"})


def queue_with_dlq(
    name: str,
    names: tuple[str, str],
    *,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str],
    fifo: bool,
    high_throughput: bool,
    visibility_timeout: int,
    retention_seconds: int,
    max_receive_count: int,
    tags: dict[str, str],
    content_based_deduplication: bool = False,
    max_message_size: int = TOPIC_MAX_MESSAGE_BYTES,
    extra_queue_names: tuple[str, ...] = (),
) -> QueueWithDlq:
    """An SQS queue, CMK-encrypted, with a dead-letter queue of the same kind (14 days retention).

    ``names`` are the queue's and the DLQ's physical names, from the naming table (``.fifo`` when FIFO).
    ``extra_queue_names`` declares more queues exactly like the first (logical names ``<name>-p<i>``,
    i from 1), all redriving to the one DLQ: the buffer's partitions.
    """
    queue_name, dlq_name = names
    fifo_args: dict[str, Any] = {}
    if fifo:
        fifo_args = {"fifo_queue": True, "content_based_deduplication": content_based_deduplication}
        if high_throughput:
            fifo_args.update(deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId")
        else:
            fifo_args.update(deduplication_scope="queue", fifo_throughput_limit="perQueue")
    opts = pulumi.ResourceOptions(parent=parent)
    dlq = aws.sqs.Queue(
        f"{name}-dlq",
        name=dlq_name,
        message_retention_seconds=1209600,
        max_message_size=DLQ_MAX_MESSAGE_BYTES,
        kms_master_key_id=kms_key_arn,
        kms_data_key_reuse_period_seconds=300,
        tags=merge_tags(tags, {"eventfork:queue": "dead-letter"}),
        opts=opts,
        **fifo_args,
    )

    def source_queue(logical: str, physical_name: str) -> aws.sqs.Queue:
        return aws.sqs.Queue(
            logical,
            name=physical_name,
            visibility_timeout_seconds=visibility_timeout,
            message_retention_seconds=retention_seconds,
            max_message_size=max_message_size,
            kms_master_key_id=kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            redrive_policy=dlq.arn.apply(
                lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": max_receive_count})
            ),
            tags=tags,
            opts=opts,
            **fifo_args,
        )

    queue = source_queue(name, queue_name)
    partitions = [queue] + [source_queue(f"{name}-p{i}", n) for i, n in enumerate(extra_queue_names, start=1)]
    aws.sqs.RedriveAllowPolicy(
        f"{name}-dlq-allow",
        queue_url=dlq.url,
        redrive_allow_policy=pulumi.Output.all(*[q.arn for q in partitions]).apply(redrive_allow_policy),
        opts=opts,
    )
    return QueueWithDlq(queue=queue, dlq=dlq, partitions=partitions)


def allow_topic_to_send(
    name: str, queue: aws.sqs.Queue, topic_arn: pulumi.Input[str], parent: pulumi.Resource
) -> aws.sqs.QueuePolicy:
    """Queue policy: only this topic (through SNS) may send, and only over TLS."""
    return aws.sqs.QueuePolicy(
        name,
        queue_url=queue.url,
        policy=policy_json(
            [
                {
                    "Sid": "TopicSends",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:*",
                    "Resource": queue.arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ]
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
