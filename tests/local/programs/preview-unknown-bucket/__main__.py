"""Bucket "pending" is encrypted with a key whose ARN is unknown until deployment; "plain" is not encrypted."""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
pending = aws.s3.BucketV2("pending")
aws.s3.BucketServerSideEncryptionConfigurationV2(
    "pending-sse",
    bucket=pending.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}],
)
plain = aws.s3.BucketV2("plain")
