"""Corpus case: an unencrypted topic"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.sns.Topic("bad", name="events")
