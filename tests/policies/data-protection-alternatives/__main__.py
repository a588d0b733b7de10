"""Each data protection rule met another way than eventfork meets it; every one of them must pass.

Inline ``policy`` inputs instead of QueuePolicy/TopicPolicy resources, ``*`` and ``BoolIfExists`` in the
TLS-only statement, subscribe scope on the Allow itself, an account-wide log data protection policy, an
Elasticsearch domain in a VPC, a Lambda processor on an S3 stream, an alarm topic with a subscriber.
"""

import json

import pulumi_aws as aws

ACCOUNT = "123456789012"
CARD = "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"
key = aws.kms.Key("key", enable_key_rotation=True)


def tls_only(action):
    return {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": action,
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
    }


queue = aws.sqs.Queue(
    "orders",
    kms_master_key_id=key.arn,
    policy=json.dumps({"Version": "2012-10-17", "Statement": [tls_only("*")]}),
)
alarms = aws.sns.Topic(
    "alarms",
    kms_master_key_id=key.arn,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                tls_only("sns:*"),
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": ["sns:Publish", "sns:Subscribe"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"sns:Protocol": ["sqs", "lambda"]}},
                },
            ],
        }
    ),
)
aws.sns.TopicSubscription(
    "alarms-to-pager",
    topic=alarms.arn,
    protocol="lambda",
    endpoint=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:pager",
)
aws.cloudwatch.MetricAlarm(
    "orders-age",
    namespace="AWS/SQS",
    metric_name="ApproximateAgeOfOldestMessage",
    dimensions={"QueueName": queue.name},
    statistic="Maximum",
    period=60,
    evaluation_periods=1,
    threshold=600,
    comparison_operator="GreaterThanThreshold",
    alarm_actions=[alarms.arn],
)

aws.cloudwatch.LogGroup("app-logs", name="/app/orders", retention_in_days=30, kms_key_id=key.arn)
aws.cloudwatch.LogAccountPolicy(
    "mask-cards-everywhere",
    policy_name="mask-cards",
    policy_type="DATA_PROTECTION_POLICY",
    policy_document=json.dumps(
        {
            "Name": "mask-cards",
            "Version": "2021-06-01",
            "Statement": [
                {"Sid": "audit", "DataIdentifier": [CARD], "Operation": {"Audit": {"FindingsDestination": {}}}},
                {"Sid": "mask", "DataIdentifier": [CARD], "Operation": {"Deidentify": {"MaskConfig": {}}}},
            ],
        }
    ),
)

aws.elasticsearch.Domain(
    "legacy-search",
    domain_name="legacy",
    elasticsearch_version="7.10",
    cluster_config={"instance_type": "r6g.large.elasticsearch", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
    vpc_options={"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0a1b2c3d"]},
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
aws.kinesis.FirehoseDeliveryStream(
    "archive",
    destination="extended_s3",
    server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": key.arn},
    extended_s3_configuration={
        "role_arn": role.arn,
        "bucket_arn": "arn:aws:s3:::existing-archive",
        "kms_key_arn": key.arn,
        "processing_configuration": {
            "enabled": True,
            "processors": [
                {"type": "AppendDelimiterToRecord"},
                {
                    "type": "Lambda",
                    "parameters": [
                        {
                            "parameter_name": "LambdaArn",
                            "parameter_value": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:redact:$LATEST",
                        }
                    ],
                },
            ],
        },
    },
)
