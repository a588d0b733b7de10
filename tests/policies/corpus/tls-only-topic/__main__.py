"""Corpus case: a topic whose TLS-only statement covers Publish only"""

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
                    "Sid": "AllowPublishThroughSSLOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "SNS:Publish",
                    "Resource": topic.arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    ),
)
