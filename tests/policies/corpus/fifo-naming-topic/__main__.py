"""Corpus case: a standard topic named like a FIFO topic"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.sns.Topic("bad", name="events.fifo", kms_master_key_id=key.arn)
