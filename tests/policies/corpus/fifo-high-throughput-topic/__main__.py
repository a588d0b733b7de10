"""Corpus case: a FIFO topic without per-group throughput"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
aws.sns.Topic("bad", name="events.fifo", fifo_topic=True, kms_master_key_id=key.arn)
