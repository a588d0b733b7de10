"""Firehose builders shared by the pipelines: its role, its logs and the Lambda transform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, policy_json
from eventfork.components.parts.resource_policies import mask_card_numbers
from eventfork.naming import physical

# Log streams Firehose writes its delivery errors to, one per destination it delivers to.
DESTINATION_LOG_STREAM = "DestinationDelivery"
BACKUP_LOG_STREAM = "BackupDelivery"


@dataclass
class DeliveryLogging:
    """A CMK-encrypted log group for one delivery stream, with the log streams Firehose writes to."""

    log_group: aws.cloudwatch.LogGroup

    def options(self, log_stream: str = DESTINATION_LOG_STREAM) -> dict[str, Any]:
        """``cloudwatch_logging_options`` of one destination."""
        return {"enabled": True, "log_group_name": self.log_group.name, "log_stream_name": log_stream}


def delivery_logging(
    name: str,
    stream_name: str,
    *,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str],
    tags: dict[str, str],
    log_streams: tuple[str, ...] = (DESTINATION_LOG_STREAM,),
    retention_days: int = 30,
) -> DeliveryLogging:
    """Delivery errors (rejected documents, S3 or transform failures) are visible without a support case."""
    opts = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=physical("stream-log-group", "", of=stream_name),
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        tags=tags,
        opts=opts,
    )
    mask_card_numbers(f"{name}-logs-data-protection", log_group, parent)
    for log_stream in log_streams:
        aws.cloudwatch.LogStream(
            f"{name}-logs-{log_stream.lower()}", name=log_stream, log_group_name=log_group.name, opts=opts
        )
    return DeliveryLogging(log_group=log_group)


def qualified_function_arn(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The ARN Firehose invokes: as given when qualified (version or alias), else ``:$LATEST``."""
    return pulumi.Output.from_input(arn).apply(lambda a: a if a.count(":") >= 7 else f"{a}:$LATEST")


def processing(transform_arn: pulumi.Input[str] | None) -> dict[str, Any] | None:
    """``processing_configuration`` with one Lambda processor, or None without a transform."""
    if transform_arn is None:
        return None
    return {
        "enabled": True,
        "processors": [
            {
                "type": "Lambda",
                "parameters": [
                    {"parameter_name": "LambdaArn", "parameter_value": qualified_function_arn(transform_arn)}
                ],
            }
        ],
    }


def firehose_role(
    name: str,
    *,
    parent: pulumi.Resource,
    bucket_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    log_group_arn: pulumi.Input[str],
    transform_arn: pulumi.Input[str] | None,
    extra: list[dict[str, Any]] | None = None,
    tags: dict[str, str],
) -> aws.iam.Role:
    """The role Firehose assumes: this bucket, this key through S3, this log group, this transform; nothing else.

    Firehose invokes the transform with this role, so no resource-based permission on the function is needed.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    account, region = account_and_region(parent)
    role = aws.iam.Role(
        name,
        assume_role_policy=policy_json(
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "firehose.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": account}},
                }
            ]
        ),
        tags=tags,
        opts=opts,
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteBucket",
            "Effect": "Allow",
            "Action": [
                "s3:AbortMultipartUpload",
                "s3:GetBucketLocation",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
                "s3:PutObject",
            ],
            "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        },
        {
            "Sid": "UseKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": pulumi.Output.concat("s3.", region, ".amazonaws.com")}},
        },
        {
            "Sid": "WriteDeliveryLogs",
            "Effect": "Allow",
            "Action": ["logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(log_group_arn, ":*"),
        },
        *(extra or []),
    ]
    if transform_arn is not None:
        statements.append(
            {
                "Sid": "Transform",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
                "Resource": sorted_unique([transform_arn, qualified_function_arn(transform_arn)]),
            }
        )
    aws.iam.RolePolicy(f"{name}-policy", role=role.id, policy=policy_json(statements), opts=opts)
    return role


def sorted_unique(values: list[pulumi.Input[str]]) -> pulumi.Output[list[str]]:
    """Distinct ARNs (a qualified transform ARN appears once)."""
    return pulumi.Output.all(*values).apply(lambda items: sorted(set(items)))
