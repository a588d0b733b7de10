"""A work queue with no dead-letter queue: queue-redrive-policy must still flag it."""

import pulumi_aws as aws

aws.sqs.Queue("work", name="work")
