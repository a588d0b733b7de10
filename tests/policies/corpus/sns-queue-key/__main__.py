"""Corpus case: a topic delivering to a queue whose key SNS may not use"""

import json

import pulumi
import pulumi_aws as aws

topic_key = aws.kms.Key(
    "topic-key",
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
queue_key = aws.kms.Key("bad", enable_key_rotation=True)
topic = aws.sns.Topic("topic", kms_master_key_id=topic_key.arn)
queue = aws.sqs.Queue("queue", kms_master_key_id=queue_key.arn)
aws.sqs.QueuePolicy(
    "queue-policy",
    queue_url=queue.url,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic.arn}},
                }
            ],
        }
    ),
)
aws.sns.TopicSubscription("subscription", topic=topic.arn, protocol="sqs", endpoint=queue.arn)
