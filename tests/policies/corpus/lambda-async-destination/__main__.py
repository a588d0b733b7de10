"""Corpus case: a function invoked by SNS with no DLQ or on-failure destination"""

import json

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
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
    "bad",
    runtime="python3.12",
    handler="app.handler",
    role=role.arn,
    tracing_config={"mode": "Active"},
    code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c):\n    return e\n")}),
)
topic = aws.sns.Topic("topic", kms_master_key_id=key.arn)
aws.lambda_.Permission(
    "invoke", action="lambda:InvokeFunction", function=fn.name, principal="sns.amazonaws.com", source_arn=topic.arn
)
