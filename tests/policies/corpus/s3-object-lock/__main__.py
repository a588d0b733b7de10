"""Corpus case: a consent evidence bucket without Object Lock"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
bucket = aws.s3.Bucket("bad", bucket="consent-evidence-123")
aws.s3.BucketServerSideEncryptionConfiguration(
    "sse",
    bucket=bucket.bucket,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}],
)
