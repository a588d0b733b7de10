"""Corpus case: a table without point-in-time recovery"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.dynamodb.Table(
    "bad",
    hash_key="id",
    attributes=[{"name": "id", "type": "S"}],
    billing_mode="PAY_PER_REQUEST",
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
)
