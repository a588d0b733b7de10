"""Corpus case: an Elasticsearch domain with a public endpoint"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.elasticsearch.Domain(
    "bad",
    domain_name="legacy",
    elasticsearch_version="7.10",
    cluster_config={"instance_type": "r6g.large.elasticsearch", "instance_count": 1},
    ebs_options={"ebs_enabled": True, "volume_size": 10},
    encrypt_at_rest={"enabled": True, "kms_key_id": key.arn},
    node_to_node_encryption={"enabled": True},
    domain_endpoint_options={"enforce_https": True},
)
