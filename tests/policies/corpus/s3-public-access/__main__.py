"""Corpus case: a bucket without a public access block or TLS-only policy"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
bucket = aws.s3.Bucket("bad")
aws.s3.BucketServerSideEncryptionConfiguration(
    "sse",
    bucket=bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}],
)
