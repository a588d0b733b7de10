"""Every queue has a dead-letter queue: one through aws.sqs.RedrivePolicy, DLQs named fraud-dlq-dev, orders_dlq."""

import json

import pulumi
import pulumi_aws as aws

fraud_dlq = aws.sqs.Queue("fraud-dlq", name="fraud-dlq-dev")
fraud = aws.sqs.Queue("fraud", name="fraud-dev")
aws.sqs.RedrivePolicy(
    "fraud-redrive",
    queue_url=fraud.id,
    redrive_policy=fraud_dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
)
orders_dlq = aws.sqs.Queue("orders-dlq", name="orders_dlq")
orders = aws.sqs.Queue(
    "orders",
    name="orders",
    redrive_policy=orders_dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
)
pulumi.export("queues", [fraud.name, orders.name])
