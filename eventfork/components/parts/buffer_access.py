"""Who may do what with the buffer: its function role's statements and the producers' managed policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, policy_json, via_services
from eventfork.naming import physical


def buffer_queue_resources(queue_arn: pulumi.Output[str], partitions: int, name_prefix: str) -> pulumi.Input[Any]:
    """The buffer queues in IAM policies: partition 0's ARN, and one pattern for partitions 1..P-1.

    Listing 256 ARNs would exceed IAM's policy size limits (managed policy 6,144 characters, a role's
    inline policies 10,240 in all: IAM and AWS STS quotas page), so partitions are named by the
    pattern ``<prefix>-buffer-p*.fifo``, which only this stack's partition queues follow.
    """
    if partitions == 1:
        return queue_arn
    pattern = physical("buffer-partition-queue", name_prefix, label="*")
    return queue_arn.apply(lambda arn: [arn, f"{arn.rsplit(':', 1)[0]}:{pattern}"])


def buffer_function_statements(
    *,
    queue_resources: pulumi.Input[Any],
    dlq_arn: pulumi.Input[str],
    table_arn: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    topic_kms_key_arn: pulumi.Input[str],
    region: pulumi.Input[str],
) -> list[dict[str, Any]]:
    """The buffer function's role: consume the buffer queues, dead-letter, keep state, publish, use both keys.

    Each key only through the service that holds what it encrypts: the buffer key through SQS (its
    queues) and DynamoDB (its table), the topic's key through SNS (publishing): the role cannot
    decrypt a downstream queue's messages with the topic's key.
    """
    return [
        {
            "Sid": "ConsumeBufferQueue",
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ],
            "Resource": queue_resources,
        },
        {
            "Sid": "DeadLetterRejectedEvents",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": dlq_arn,
        },
        {
            # One BatchGetItem reads; one BatchExecuteStatement writes conditional PartiQL
            # statements; UpdateItem counts a failing event's attempts.
            "Sid": "BufferState",
            "Effect": "Allow",
            "Action": [
                "dynamodb:BatchGetItem",
                "dynamodb:PartiQLInsert",
                "dynamodb:PartiQLUpdate",
                "dynamodb:UpdateItem",
            ],
            "Resource": table_arn,
        },
        {
            "Sid": "PublishDownstream",
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": topic_arn,
        },
        {
            "Sid": "UseBufferKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
            "Condition": via_services(region, "sqs", "dynamodb"),
        },
        {
            "Sid": "UseTopicKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": topic_kms_key_arn,
            "Condition": via_services(region, "sns"),
        },
    ]


@dataclass
class ProducerAccess:
    """The producers' policy document and the managed policy holding it."""

    policy_json: pulumi.Output[str]
    policy: aws.iam.Policy


def producer_access(
    name: str,
    *,
    queue_resources: pulumi.Input[Any],
    key_arn: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> ProducerAccess:
    """What a producer needs, as AWS documents it for a queue under a customer managed key.

    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html:
    ``sqs:SendMessage`` (also covers SendMessageBatch) plus ``kms:GenerateDataKey`` and ``kms:Decrypt``.
    The key policy delegates to IAM, so attaching this policy is enough in the stack's account.
    With partitions, a producer sends to every partition queue (the one of each event's group).
    The key is usable through SQS only.
    """
    _, region = account_and_region(parent)
    document = policy_json(
        [
            {"Sid": "SendEvents", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_resources},
            {
                "Sid": "EncryptEvents",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key_arn,
                "Condition": via_services(region, "sqs"),
            },
        ]
    )
    policy = aws.iam.Policy(
        f"{name}-producer-policy",
        description="Send events to the eventfork buffer queue (SendMessage and its KMS key)",
        policy=document,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return ProducerAccess(policy_json=document, policy=policy)


def operator_access(
    name: str,
    *,
    dlq_arn: pulumi.Input[str],
    queue_resources: pulumi.Input[Any],
    table_arn: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> ProducerAccess:
    """What ``python -m eventfork ops`` needs, and nothing else (docs/operations.md).

    Reading the DLQ is receiving with a visibility timeout and making the messages visible again
    (``ReceiveMessage``, ``ChangeMessageVisibility``, ``GetQueueAttributes``); the dry run reads group
    items as the buffer does (``BatchGetItem``); a redrive sends to the buffer queues and deletes from
    the DLQ. Queue and DLQ are under the buffer's key (``kms:Decrypt`` to read, ``kms:GenerateDataKey``
    to send: the SQS key management page cited for producers), through SQS and DynamoDB only.
    """
    _, region = account_and_region(parent)
    document = policy_json(
        [
            {
                "Sid": "ReadDeadLetters",
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
                "Resource": dlq_arn,
            },
            {"Sid": "RemoveRedrivenDeadLetters", "Effect": "Allow", "Action": "sqs:DeleteMessage", "Resource": dlq_arn},
            {"Sid": "RedriveEvents", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_resources},
            {"Sid": "ReadGroupState", "Effect": "Allow", "Action": "dynamodb:BatchGetItem", "Resource": table_arn},
            {
                "Sid": "UseBufferKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn,
                "Condition": via_services(region, "sqs", "dynamodb"),
            },
        ]
    )
    policy = aws.iam.Policy(
        f"{name}-operator-policy",
        description="List, export and redrive the eventfork buffer's dead-letter queue (python -m eventfork ops)",
        policy=document,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return ProducerAccess(policy_json=document, policy=policy)
