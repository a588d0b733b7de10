"""Each resource below has the one input a data protection rule decides on computed from a value AWS assigns.

At --preview those inputs are unknown: each rule must report its resource as not checked, neither
passing nor failing it. After deployment (without --preview) every one of them is decided.
"""

import json

import pulumi
import pulumi_aws as aws

ACCOUNT = "123456789012"
key = aws.kms.Key("key", enable_key_rotation=True)
later = key.arn  # unknown at preview


def known_later(value):
    return later.apply(lambda _: value)


def tls_only(arn, service):
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": f"{service}:*",
        "Resource": arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


queue = aws.sqs.Queue("pending-queue", kms_master_key_id=key.arn)
aws.sqs.QueuePolicy(
    "pending-queue-policy",
    queue_url=queue.url,
    policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [tls_only(queue.arn, "sqs")]}),
)
topic = aws.sns.Topic("pending-topic", kms_master_key_id=key.arn)
aws.sns.TopicPolicy(
    "pending-topic-policy",
    arn=topic.arn,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                tls_only(topic.arn, "sns"),
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "sns:Subscribe",
                    "Resource": topic.arn,
                    "Condition": {"StringEquals": {"sns:Protocol": "sqs"}},
                },
            ],
        }
    ),
)

# The alarm names its topic by a literal ARN: which topic it notifies is known only once the topic's ARN is.
alarms_arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:pending-alarms"
alarms = aws.sns.Topic("pending-alarms", name="pending-alarms", kms_master_key_id=key.arn)
aws.sns.TopicPolicy(
    "pending-alarms-policy",
    arn=alarms.arn,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                tls_only(alarms_arn, "sns"),
                {"Effect": "Deny", "Principal": "*", "Action": "sns:Subscribe", "Resource": alarms_arn},
            ],
        }
    ),
)
aws.cloudwatch.MetricAlarm(
    "orders-dlq-visible",
    namespace="AWS/SQS",
    metric_name="ApproximateNumberOfMessagesVisible",
    dimensions={"QueueName": "orders-dlq"},
    statistic="Maximum",
    period=60,
    evaluation_periods=1,
    threshold=0,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[alarms_arn],
)

group = aws.cloudwatch.LogGroup("pending-log-group", name="/app/orders", retention_in_days=30, kms_key_id=key.arn)
aws.cloudwatch.LogDataProtectionPolicy(
    "pending-log-group-masking",
    log_group_name=group.name,
    policy_document=known_later(
        json.dumps(
            {
                "Name": "cards",
                "Version": "2021-06-01",
                "Statement": [
                    {
                        "Sid": "audit",
                        "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
                        "Operation": {"Audit": {"FindingsDestination": {}}},
                    },
                    {
                        "Sid": "mask",
                        "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"],
                        "Operation": {"Deidentify": {"MaskConfig": {}}},
                    },
                ],
            }
        )
    ),
)

role = aws.iam.Role(
    "delivery",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
admin = aws.iam.Role(
    "admin",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
domain = aws.opensearch.Domain(
    "pending-domain",
    domain_name="search",
    cluster_config={"instance_type": "r7g.medium.search", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
    vpc_options={"subnet_ids": known_later(["subnet-0a1b2c3d"]), "security_group_ids": ["sg-0a1b2c3d"]},
    advanced_security_options={
        "enabled": True,
        "anonymous_auth_enabled": False,
        "internal_user_database_enabled": False,
        "master_user_options": {"master_user_arn": admin.arn},
    },
)
aws.kinesis.FirehoseDeliveryStream(
    "pending-stream",
    destination="opensearch",
    server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": key.arn},
    opensearch_configuration={
        "domain_arn": domain.arn,
        "role_arn": role.arn,
        "index_name": "events",
        "processing_configuration": {
            "enabled": known_later(True),
            "processors": [
                {
                    "type": "Lambda",
                    "parameters": [
                        {
                            "parameter_name": "LambdaArn",
                            "parameter_value": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:redact:$LATEST",
                        }
                    ],
                }
            ],
        },
        "s3_configuration": {"role_arn": role.arn, "bucket_arn": "arn:aws:s3:::existing-failed-documents"},
    },
)
