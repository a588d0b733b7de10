"""Corpus case: a table tagged as a buffer table without TTL"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.dynamodb.Table(
    "bad",
    hash_key="messageGroupId",
    attributes=[{"name": "messageGroupId", "type": "S"}],
    billing_mode="PAY_PER_REQUEST",
    server_side_encryption={"enabled": True, "kms_key_arn": key.arn},
    tags={"eventfork:role": "buffer"},
)
