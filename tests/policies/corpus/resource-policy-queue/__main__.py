"""Corpus case: a queue policy that lets anyone send"""

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
queue = aws.sqs.Queue("queue", kms_master_key_id=key.arn)
aws.sqs.QueuePolicy(
    "bad",
    queue_url=queue.url,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": queue.arn}],
        }
    ),
)
