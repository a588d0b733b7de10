"""Corpus case: a delivery stream storing records without a transform"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
role = aws.iam.Role(
    "role",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.kinesis.FirehoseDeliveryStream(
    "bad",
    destination="extended_s3",
    server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": key.arn},
    extended_s3_configuration={
        "role_arn": role.arn,
        "bucket_arn": "arn:aws:s3:::existing-archive",
        "kms_key_arn": key.arn,
        "processing_configuration": {"enabled": False, "processors": []},
    },
)
