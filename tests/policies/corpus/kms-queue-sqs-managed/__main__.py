"""Corpus case: a queue under SQS-managed encryption"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
dlq = aws.sqs.Queue(
    "dlq",
    name="q-dlq.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
)
aws.sqs.Queue(
    "bad",
    name="q.fifo",
    fifo_queue=True,
    sqs_managed_sse_enabled=True,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
    redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})),
)
