"""Corpus case: a table under the AWS-owned key"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.dynamodb.Table("bad", hash_key="id", attributes=[{"name": "id", "type": "S"}], billing_mode="PAY_PER_REQUEST")
