"""Corpus case: a bucket encrypted with AES256 (S3-managed keys)"""

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
bucket = aws.s3.Bucket("bad")
aws.s3.BucketServerSideEncryptionConfiguration(
    "sse", bucket=bucket.id, rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
)
