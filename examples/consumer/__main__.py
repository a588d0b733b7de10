"""A consumer stack: read eventfork's outputs by StackReference and attach a function to the primary queue."""

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
producer = pulumi.StackReference(config.require("producerStack"))
queue_arn = producer.require_output("primaryQueueArn")
key_arn = producer.require_output("fanoutKmsKeyArn")
name = f"consumer-{pulumi.get_stack()}"
tags = {"eventfork:component": "consumer"}


def document(statements: list) -> pulumi.Output:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


account = aws.get_caller_identity_output().account_id
region = aws.get_region_output().region
# The function's logs are encrypted with the consumer's own key; CloudWatch Logs may use it only for
# this account's log groups.
logs_key = aws.kms.Key(
    "logs-key",
    description=f"{name} logs",
    enable_key_rotation=True,
    tags=tags,
    policy=document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Action": "kms:*",
                "Resource": "*",
                "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
            },
            {
                "Sid": "LogsEncryptThisAccountsLogGroups",
                "Effect": "Allow",
                "Resource": "*",
                "Principal": {"Service": pulumi.Output.concat("logs.", region, ".amazonaws.com")},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
                            "arn:aws:logs:", region, ":", account, ":log-group:*"
                        )
                    }
                },
            },
        ]
    ),
)
logs = aws.cloudwatch.LogGroup(
    "logs", name=f"/aws/lambda/{name}", retention_in_days=30, kms_key_id=logs_key.arn, tags=tags
)
# Card numbers a handler might log are masked (CloudWatch Logs data protection: an audit and a
# de-identify statement on the same managed identifier).
CARD_NUMBER = "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"
aws.cloudwatch.LogDataProtectionPolicy(
    "logs-card-masking",
    log_group_name=logs.name,
    policy_document=json.dumps(
        {
            "Name": "card-numbers",
            "Version": "2021-06-01",
            "Statement": [
                {"Sid": "audit", "DataIdentifier": [CARD_NUMBER], "Operation": {"Audit": {"FindingsDestination": {}}}},
                {"Sid": "mask", "DataIdentifier": [CARD_NUMBER], "Operation": {"Deidentify": {"MaskConfig": {}}}},
            ],
        }
    ),
)
role = aws.iam.Role(
    "role",
    tags=tags,
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
policy = aws.iam.RolePolicy(
    "policy",
    role=role.id,
    policy=document(
        [
            {
                "Sid": "Consume",
                "Effect": "Allow",
                "Resource": queue_arn,
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            },
            {"Sid": "Decrypt", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key_arn},
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(logs.arn, ":*"),
            },
            {
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
        ]
    ),
)
function = aws.lambda_.Function(
    "consumer",
    name=name,
    runtime="python3.12",
    handler="app.lambda_handler",
    role=role.arn,
    timeout=5,  # the primary queue's visibility timeout (30 s) must be at least 6x this
    code=pulumi.AssetArchive({".": pulumi.FileArchive(str(Path(__file__).parent / "handler"))}),
    tracing_config={"mode": "Active"},
    logging_config={"log_format": "JSON", "log_group": logs.name},
    tags=tags,
    opts=pulumi.ResourceOptions(depends_on=[policy, logs]),
)
mapping = aws.lambda_.EventSourceMapping(
    "primary",
    event_source_arn=queue_arn,
    function_name=function.arn,
    batch_size=10,
    function_response_types=["ReportBatchItemFailures"],
    tags=tags,
)

pulumi.export("consumerFunctionName", function.name)
pulumi.export("consumedQueueArn", queue_arn)
