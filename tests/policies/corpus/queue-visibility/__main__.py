"""Corpus case: a queue whose visibility timeout is shorter than 6x its function's timeout"""

import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
dlq = aws.sqs.Queue(
    "dlq",
    name="in-dlq.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
)
queue = aws.sqs.Queue(
    "bad",
    name="in.fifo",
    fifo_queue=True,
    kms_master_key_id=key.arn,
    visibility_timeout_seconds=60,
    deduplication_scope="messageGroup",
    fifo_throughput_limit="perMessageGroupId",
    redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})),
)
role = aws.iam.Role(
    "role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
fn = aws.lambda_.Function(
    "fn",
    runtime="python3.12",
    handler="app.handler",
    role=role.arn,
    timeout=30,
    tracing_config={"mode": "Active"},
    code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c):\n    return e\n")}),
)
aws.lambda_.EventSourceMapping("esm", event_source_arn=queue.arn, function_name=fn.arn, batch_size=10)
