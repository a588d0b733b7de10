"""Corpus case: a search domain without fine-grained access control"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
groups = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/opensearch/search/"
aws.opensearch.Domain(
    "bad",
    domain_name="search",
    cluster_config={"instance_type": "r7g.medium.search", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
    log_publishing_options=[
        {"log_type": "AUDIT_LOGS", "cloudwatch_log_group_arn": groups + "audit"},
        {"log_type": "ES_APPLICATION_LOGS", "cloudwatch_log_group_arn": groups + "errors"},
    ],
)
