"""Corpus case: a queue without a TLS-only policy"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.sqs.Queue("bad", kms_master_key_id=key.arn)
