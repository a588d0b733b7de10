"""Config from the project file (types, defaults) and the stack file; the region from config."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
queue = aws.sqs.Queue(
    "queue",
    name=config.require("queueName"),
    message_retention_seconds=config.require_int("retentionDays") * 86400,
    fifo_queue=config.require_bool("fifo"),
)
pulumi.export("queueArn", queue.arn)
pulumi.export("region", aws.get_region().name)
