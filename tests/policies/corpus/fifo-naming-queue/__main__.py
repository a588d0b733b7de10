"""Corpus case: a FIFO queue whose name lacks .fifo"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
dlq = aws.sqs.Queue(
    "dlq",
    name="orders-dlq.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
)
aws.sqs.Queue(
    "bad",
    name="orders",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
    redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})),
)
