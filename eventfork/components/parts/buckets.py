"""The buckets the pipelines create: private, versioned, TLS only, and their server access logs.

Server access logs go to a log bucket of the same component (so the same provider: same account and
region, as S3 requires). What S3 log delivery needs of that bucket is AWS's "Enabling Amazon S3 server
access logging" and "Permissions for log delivery"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html): SSE-S3
default encryption (SSE-KMS is not supported for the target bucket), and with BucketOwnerEnforced a
bucket policy letting ``logging.s3.amazonaws.com`` put objects under the log prefix, bound to the
source bucket (``aws:SourceArn``) and account (``aws:SourceAccount``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, policy_json
from eventfork.components.parts.lifecycle import TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE, Lifecycle

ACCESS_LOG_PREFIX = "access-logs/"
LOG_DELIVERY = "logging.s3.amazonaws.com"
SSE_S3 = {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}

Grants = Callable[[aws.s3.Bucket], list[dict[str, Any]]]


def private_bucket(
    name: str,
    prefix: str,
    *,
    parent: pulumi.Resource,
    tags: dict[str, str],
    encryption: dict[str, Any],
    lifecycle: Lifecycle,
    policy_name: str,
    grants: Grants | None = None,
) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
    """Default encryption ``encryption``, versioning, no public access, owner-enforced, TLS only.

    The bucket policy denies plain HTTP and allows what ``grants`` returns for the bucket. The
    lifecycle is required: the bucket is versioned, so without one deleted data and unfinished
    uploads would be kept and billed forever.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(name, bucket_prefix=prefix, tags=tags, opts=opts)
    aws.s3.BucketServerSideEncryptionConfiguration(f"{name}-sse", bucket=bucket.id, rules=[encryption], opts=opts)
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=opts
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=opts
    )
    bucket_policy = aws.s3.BucketPolicy(
        policy_name,
        bucket=bucket.id,
        policy=policy_json(
            [
                *(grants(bucket) if grants else []),
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ]
        ),
        opts=opts,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        bucket=bucket.id,
        rules=lifecycle.rules(),
        transition_default_minimum_object_size=TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[versioning]),
    )
    return bucket, bucket_policy


def access_logged(
    source_name: str,
    source: aws.s3.Bucket,
    log_prefix: str,
    *,
    parent: pulumi.Resource,
    tags: dict[str, str],
    retention_days: int,
) -> aws.s3.BucketLogging:
    """Server access logs of ``source`` into a log bucket of its own, kept ``retention_days``.

    Logging is turned on once the log bucket's policy lets S3 deliver (else the first logs fail).
    """
    account_id, _ = account_and_region(parent)

    def delivery(log_bucket: aws.s3.Bucket) -> list[dict[str, Any]]:
        return [
            {
                "Sid": "S3ServerAccessLogsPolicy",
                "Effect": "Allow",
                "Principal": {"Service": LOG_DELIVERY},
                "Action": "s3:PutObject",
                "Resource": pulumi.Output.concat(log_bucket.arn, "/", ACCESS_LOG_PREFIX, "*"),
                "Condition": {
                    "ArnLike": {"aws:SourceArn": source.arn},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        ]

    name = f"{source_name}-access-logs"
    log_bucket, log_policy = private_bucket(
        name,
        log_prefix,
        parent=parent,
        tags=tags,
        encryption=SSE_S3,
        lifecycle=Lifecycle(expiration_days=retention_days),
        policy_name=f"{name}-policy",
        grants=delivery,
    )
    return aws.s3.BucketLogging(
        f"{source_name}-access-logging",
        bucket=source.id,
        target_bucket=log_bucket.id,
        target_prefix=ACCESS_LOG_PREFIX,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[log_policy]),
    )
