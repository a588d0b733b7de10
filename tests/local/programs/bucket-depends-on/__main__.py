"""Bucket "plain" has no encryption; "sealed" has. Sealed's config depends_on plain (ordering only)."""

import pulumi
import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
plain = aws.s3.BucketV2("plain")
sealed = aws.s3.BucketV2("sealed")
aws.s3.BucketServerSideEncryptionConfigurationV2(
    "sealed-sse",
    bucket=sealed.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}],
    opts=pulumi.ResourceOptions(depends_on=[plain]),
)
