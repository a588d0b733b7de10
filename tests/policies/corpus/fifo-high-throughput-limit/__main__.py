"""Corpus case: a FIFO queue with per-group dedup but a per-queue throughput limit"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
dlq = aws.sqs.Queue(
    "dlq",
    name="jobs-dlq.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
)
aws.sqs.Queue(
    "bad",
    name="jobs.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perQueue",
    redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})),
)
