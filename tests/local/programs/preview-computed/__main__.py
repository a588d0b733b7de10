"""A work queue that dead-letters to its DLQ after five receives, and a bucket for uploads."""

import json

import pulumi
import pulumi_aws as aws

dead_letters = aws.sqs.Queue("jobs-dlq", message_retention_seconds=1209600)
jobs = aws.sqs.Queue(
    "jobs",
    visibility_timeout_seconds=120,
    redrive_policy=dead_letters.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
)
uploads = aws.s3.Bucket("uploads", tags={"team": "media"})
pulumi.export("queueUrl", jobs.url)
pulumi.export("bucketName", uploads.bucket)
