"""Resource-policy and log-masking builders: TLS only on queues and topics, subscribe scope, card masking.

References: ``aws:SecureTransport`` on SQS and SNS
(https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit),
``sns:Protocol``/``sns:Endpoint`` on ``sns:Subscribe``
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html), CloudWatch
Logs data protection policies
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/mask-sensitive-log-data-start.html).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import partition_of, policy_json


def card_masking_policy(partition: str) -> str:
    """The log groups' data protection policy: CloudWatch Logs requires exactly two statements, an Audit
    one then a Deidentify one, on the same identifiers (the managed identifier's ARN is in the partition)."""
    card_numbers = f"arn:{partition}:dataprotection::aws:data-identifier/CreditCardNumber"
    return json.dumps(
        {
            "Name": "eventfork-card-numbers",
            "Description": "mask card numbers in everything this stack's functions and services log",
            "Version": "2021-06-01",
            "Statement": [
                {
                    "Sid": "audit",
                    "DataIdentifier": [card_numbers],
                    "Operation": {"Audit": {"FindingsDestination": {}}},
                },
                {
                    "Sid": "mask",
                    "DataIdentifier": [card_numbers],
                    "Operation": {"Deidentify": {"MaskConfig": {}}},
                },
            ],
        }
    )


def deny_insecure_transport(service: str, resource: pulumi.Input[str]) -> dict[str, Any]:
    """Deny every action of ``service`` (``sqs``/``sns``) on ``resource`` to any request without TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": f"{service}:*",
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tls_only_queue_policy(name: str, queue: aws.sqs.Queue, parent: pulumi.Resource) -> aws.sqs.QueuePolicy:
    """A queue policy that only refuses plain HTTP (access itself is granted by IAM in the account)."""
    return aws.sqs.QueuePolicy(
        name,
        queue_url=queue.url,
        policy=policy_json([deny_insecure_transport("sqs", queue.arn)]),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _arn_field(arn: pulumi.Output[str], field: str) -> pulumi.Output[str]:
    """One field of ``arn:<partition>:<service>:<region>:<account>:<resource>``."""
    index = ("arn", "partition", "service", "region", "account").index(field)
    return arn.apply(lambda a: a.split(":")[index])


def account_uses_topic(sid: str, topic_arn: pulumi.Output[str]) -> dict[str, Any]:
    """The topic's own account may publish, subscribe and read its attributes (IAM decides who in it)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {
            "AWS": pulumi.Output.concat(
                "arn:", _arn_field(topic_arn, "partition"), ":iam::", _arn_field(topic_arn, "account"), ":root"
            )
        },
        "Action": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
        "Resource": topic_arn,
    }


def subscribe_only_account_queues(topic_arn: pulumi.Output[str]) -> list[dict[str, Any]]:
    """Nobody (even in the account) may subscribe anything but an SQS queue of the topic's account."""
    account = _arn_field(topic_arn, "account")
    return [
        {
            "Sid": "SubscribeOnlySqs",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Subscribe",
            "Resource": topic_arn,
            "Condition": {"StringNotEquals": {"sns:Protocol": "sqs"}},
        },
        {
            "Sid": "SubscribeOnlyThisAccountsQueues",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Subscribe",
            "Resource": topic_arn,
            "Condition": {
                "StringNotLike": {
                    "sns:Endpoint": pulumi.Output.concat(
                        "arn:", _arn_field(topic_arn, "partition"), ":sqs:*:", account, ":*"
                    )
                }
            },
        },
    ]


def subscribe_only_endpoints(topic_arn: pulumi.Output[str], endpoints: list[str]) -> dict[str, Any]:
    """Nobody may subscribe anything to the topic but ``endpoints``; with none, nobody may subscribe at all."""
    statement: dict[str, Any] = {
        "Sid": "SubscribeOnlyConfiguredEndpoints",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sns:Subscribe",
        "Resource": topic_arn,
    }
    if endpoints:
        statement["Condition"] = {"StringNotEquals": {"sns:Endpoint": endpoints}}
    return statement


def cloudwatch_alarms_publish(topic_arn: pulumi.Output[str], alarm_names: str) -> dict[str, Any]:
    """CloudWatch may publish to the topic only for alarms of the topic's account and Region named
    ``alarm_names`` (a pattern: the stack's own alarms, as its key allows)."""
    partition, region, account = (_arn_field(topic_arn, f) for f in ("partition", "region", "account"))
    return {
        "Sid": "CloudWatchAlarmsOfThisStackPublish",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": topic_arn,
        "Condition": {
            "ArnLike": {
                "aws:SourceArn": pulumi.Output.concat(
                    "arn:", partition, ":cloudwatch:", region, ":", account, ":alarm:", alarm_names
                )
            },
            "StringEquals": {"aws:SourceAccount": account},
        },
    }


def mask_card_numbers(
    name: str, log_group: aws.cloudwatch.LogGroup, parent: pulumi.Resource
) -> aws.cloudwatch.LogDataProtectionPolicy:
    """CloudWatch Logs masks (and audits) card numbers in the group, whatever a handler logs."""
    return aws.cloudwatch.LogDataProtectionPolicy(
        name,
        log_group_name=log_group.name,
        policy_document=partition_of(parent).apply(card_masking_policy),
        opts=pulumi.ResourceOptions(parent=parent),
    )
