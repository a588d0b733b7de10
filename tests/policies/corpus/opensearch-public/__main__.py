"""Corpus case: a search domain with a public endpoint"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
admin = aws.iam.Role(
    "admin",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
groups = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/opensearch/search/"
aws.opensearch.Domain(
    "bad",
    domain_name="search",
    cluster_config={"instance_type": "r7g.medium.search", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
    advanced_security_options={
        "enabled": True,
        "anonymous_auth_enabled": False,
        "internal_user_database_enabled": False,
        "master_user_options": {"master_user_arn": admin.arn},
    },
    log_publishing_options=[
        {"log_type": "AUDIT_LOGS", "cloudwatch_log_group_arn": groups + "audit"},
        {"log_type": "ES_APPLICATION_LOGS", "cloudwatch_log_group_arn": groups + "errors"},
    ],
)
