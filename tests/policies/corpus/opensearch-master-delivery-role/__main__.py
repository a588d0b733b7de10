"""Corpus case: a search domain whose master user is the Firehose delivery role"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
delivery = aws.iam.Role(
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
groups = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/opensearch/search/"
domain = aws.opensearch.Domain(
    "bad",
    domain_name="search",
    cluster_config={"instance_type": "r7g.medium.search", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
    vpc_options={"subnet_ids": ["subnet-0a1b2c3d"], "security_group_ids": ["sg-0a1b2c3d"]},
    advanced_security_options={
        "enabled": True,
        "anonymous_auth_enabled": False,
        "internal_user_database_enabled": False,
        "master_user_options": {"master_user_arn": delivery.arn},
    },
    log_publishing_options=[
        {"log_type": "AUDIT_LOGS", "cloudwatch_log_group_arn": groups + "audit"},
        {"log_type": "ES_APPLICATION_LOGS", "cloudwatch_log_group_arn": groups + "errors"},
    ],
)
aws.kinesis.FirehoseDeliveryStream(
    "stream",
    destination="opensearch",
    server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": key.arn},
    opensearch_configuration={
        "domain_arn": domain.arn,
        "role_arn": delivery.arn,
        "index_name": "events",
        "s3_configuration": {"role_arn": delivery.arn, "bucket_arn": "arn:aws:s3:::existing-failed-documents"},
    },
)
