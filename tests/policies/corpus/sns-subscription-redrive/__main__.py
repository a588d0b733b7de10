"""Corpus case: a subscription to a queue without a redrive policy"""

import json

import pulumi_aws as aws

key = aws.kms.Key(
    "key",
    enable_key_rotation=True,
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
                },
            ],
        }
    ),
)
topic = aws.sns.Topic("topic", kms_master_key_id=key.arn)
queue = aws.sqs.Queue("queue", kms_master_key_id=key.arn)
aws.sns.TopicSubscription("bad", topic=topic.arn, protocol="sqs", endpoint=queue.arn)
