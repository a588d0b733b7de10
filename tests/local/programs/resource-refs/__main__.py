"""Resources passed where a provider takes an id or name, as real programs do."""

import json

import pulumi
import pulumi_aws as aws

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
aws.iam.RolePolicyAttachment("exec", role=role, policy_arn="arn:aws:iam::aws:policy/AWSLambdaExecute")
fn = aws.lambda_.Function(
    "fn",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(e, c): return e")}),
)
bucket = aws.s3.BucketV2("bucket")
aws.lambda_.Permission(
    "invoke", function=fn, action="lambda:InvokeFunction", principal="s3.amazonaws.com", source_arn=bucket.arn
)
aws.s3.BucketPolicy(
    "policy",
    bucket=bucket,
    policy=bucket.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, f"{arn}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        )
    ),
)
pulumi.export("functionArn", fn.arn)
