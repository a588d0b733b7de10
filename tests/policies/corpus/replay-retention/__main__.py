"""Corpus case: a replay queue keeping messages 4 days"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
dlq = aws.sqs.Queue(
    "dlq",
    name="r-dlq.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
)
aws.sqs.Queue(
    "bad",
    name="shop-replay.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    message_retention_seconds=345600,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
    redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})),
)
