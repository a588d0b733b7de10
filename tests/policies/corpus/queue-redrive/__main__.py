"""Corpus case: a queue without a dead-letter queue"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.sqs.Queue("bad", name="work", kms_master_key_id=key.arn)
