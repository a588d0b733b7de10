"""Corpus case: a FIFO topic whose name lacks .fifo"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.sns.Topic("bad", name="events", fifo_topic=True, kms_master_key_id=key.arn)
