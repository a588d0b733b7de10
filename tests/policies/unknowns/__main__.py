"""Each resource below has the one input a rule decides on computed from a value AWS assigns.

At --preview those inputs are unknown: each rule must report its resource as not checked, neither
passing nor failing it.
"""

import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
later = key.arn  # unknown at preview


def known_later(value):
    return later.apply(lambda _: value)


queue = aws.sqs.Queue("queue", kms_master_key_id=key.arn)
aws.sqs.QueuePolicy(
    "pending-queue-policy",
    queue_url=queue.url,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": queue.arn}],
        }
    ),
)
topic = aws.sns.Topic(
    "pending-topic",
    name="events.fifo",
    fifo_topic=True,
    kms_master_key_id=key.arn,
    fifo_throughput_scope=known_later("MessageGroup"),
)
aws.sns.TopicSubscription(
    "pending-subscription",
    topic=topic.arn,
    protocol="sqs",
    endpoint=queue.arn,
    redrive_policy=queue.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
)
aws.dynamodb.Table(
    "pending-table",
    hash_key="id",
    attributes=[{"name": "id", "type": "S"}],
    billing_mode="PAY_PER_REQUEST",
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    point_in_time_recovery={"enabled": known_later(True)},
)
group = aws.cloudwatch.LogGroup("pending-log-group", name="/app/orders", kms_key_id=key.arn)
role = aws.iam.Role(
    "role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.lambda_.Function(
    "pending-function",
    runtime=known_later("python3.12"),
    handler="app.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c):\n    return e\n")}),
)
aws.opensearch.Domain(
    "pending-domain",
    domain_name="search",
    cluster_config={"instance_type": "r7g.medium.search", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
    advanced_security_options={
        "enabled": known_later(True),
        "internal_user_database_enabled": False,
        "master_user_options": {"master_user_arn": role.arn},
    },
    log_publishing_options=[
        {"log_type": t, "cloudwatch_log_group_arn": group.arn} for t in ("AUDIT_LOGS", "ES_APPLICATION_LOGS")
    ],
)
bucket = aws.s3.Bucket("pending-bucket", bucket=known_later("consent-evidence-123"))
