"""Corpus case: a topic letting the account subscribe any endpoint"""

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
topic = aws.sns.Topic("bad", kms_master_key_id=key.arn)
aws.sns.TopicPolicy(
    "policy",
    arn=topic.arn,
    policy=pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountUsesTopic",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": ["sns:Publish", "sns:Subscribe"],
                    "Resource": topic.arn,
                },
                {
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:*",
                    "Resource": topic.arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    ),
)
