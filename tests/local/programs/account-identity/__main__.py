"""A deployment bucket named after the account and region, and a role trusting the account's root."""

import json

import pulumi
import pulumi_aws as aws

account_id = aws.get_caller_identity().account_id
region = aws.get_region().region
partition = aws.get_partition().partition

bucket = aws.s3.Bucket("artifacts", bucket=f"artifacts-{account_id}-{region}")
aws.iam.Role(
    "deployer",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)
pulumi.export("bucketName", bucket.bucket)
