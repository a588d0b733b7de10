"""Corpus case: a search domain not encrypted at rest"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.opensearch.Domain("bad", engine_version="OpenSearch_2.19", node_to_node_encryption={"enabled": True})
