"""Delivery status logging of a topic the stack creates (FSBP SNS.2), into log groups the stack owns.

SNS writes a topic's delivery status to ``sns/<region>/<account-id>/<topic-name>`` and, for
failures, ``.../Failure``, with the feedback role of the protocol
(https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html). The stack declares both log
groups first, so they get its retention, the topic's key and card masking instead of the
unencrypted, never-expiring groups SNS would otherwise create. The role may write to those two
groups only. Its trust policy is the one AWS documents (SNS assumes it, no condition): AWS does not
document that SNS sends ``aws:SourceArn``/``aws:SourceAccount`` when assuming it, and a condition it
does not send would stop the logs silently; what the role allows is confined to the two groups.
Security Hub's SNS.2 checks that the feedback role ARNs are set
(https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html#sns-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, policy_json
from eventfork.components.parts.resource_policies import mask_card_numbers
from eventfork.naming import topic_delivery_log_groups

# Protocols SNS logs delivery status for, by their attribute family (AWS::SNS::Topic LoggingConfig:
# http/s, sqs, lambda, firehose, application); e-mail has none.
LOGGED_PROTOCOLS = ("http", "sqs", "lambda", "firehose", "application")


@dataclass
class DeliveryStatusLogging:
    """The role SNS logs with and the log groups it writes, for one topic."""

    role: aws.iam.Role
    role_policy: aws.iam.RolePolicy
    log_groups: list[aws.cloudwatch.LogGroup]

    def topic_args(self, protocol: str, success_sample_rate: int) -> dict[str, Any]:
        """``aws.sns.Topic`` arguments logging ``protocol``: every failure, this percent of successes."""
        if protocol not in LOGGED_PROTOCOLS:
            raise ValueError(f"SNS logs no delivery status for {protocol!r}; it does for {LOGGED_PROTOCOLS}")
        return {
            f"{protocol}_success_feedback_role_arn": self.role.arn,
            f"{protocol}_failure_feedback_role_arn": self.role.arn,
            f"{protocol}_success_feedback_sample_rate": success_sample_rate,
        }

    @property
    def dependencies(self) -> list[pulumi.Resource]:
        """What the topic waits for, so that its first delivery can be logged."""
        return [self.role_policy, *self.log_groups]


def _name_at(index: int, names: list[tuple[str, str]]) -> str:
    return names[index][1]


def delivery_status_logging(
    name: str,
    topic_name: str,
    *,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str],
    retention_days: int,
    tags: dict[str, str],
) -> DeliveryStatusLogging:
    """The two log groups of ``topic_name`` (encrypted, retained, masked) and a role writing only to them."""
    opts = pulumi.ResourceOptions(parent=parent)
    account, region = account_and_region(parent)
    names = pulumi.Output.all(account, region).apply(lambda ar: topic_delivery_log_groups(topic_name, ar[0], ar[1]))
    log_groups = []
    for index, suffix in enumerate(("delivery-logs", "delivery-failure-logs")):
        group = aws.cloudwatch.LogGroup(
            f"{name}-{suffix}",
            name=names.apply(partial(_name_at, index)),
            retention_in_days=retention_days,
            kms_key_id=kms_key_arn,
            tags=tags,
            opts=opts,
        )
        mask_card_numbers(f"{name}-{suffix}-data-protection", group, parent)
        log_groups.append(group)
    role = aws.iam.Role(
        f"{name}-delivery-status-role",
        assume_role_policy=policy_json(
            [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        ),
        tags=tags,
        opts=opts,
    )
    resources: list[pulumi.Input[str]] = []
    for group in log_groups:
        resources += [group.arn, pulumi.Output.concat(group.arn, ":*")]
    role_policy = aws.iam.RolePolicy(
        f"{name}-delivery-status-role-policy",
        role=role.id,
        policy=policy_json(
            [
                {
                    # CreateLogGroup as AWS lists it for this role: the groups exist, so it creates nothing.
                    "Sid": "WriteThisTopicsDeliveryStatus",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": resources,
                }
            ]
        ),
        opts=opts,
    )
    return DeliveryStatusLogging(role=role, role_policy=role_policy, log_groups=log_groups)
