"""Corpus case: a customer-managed key without rotation"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.kms.Key("bad")
