"""Corpus case: a search domain publishing no audit or error logs"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
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
        "internal_user_database_enabled": False,
        "master_user_options": {"master_user_arn": "arn:aws:iam::123456789012:role/search-admin"},
    },
)
