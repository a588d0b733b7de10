"""A FIFO queue the fifo-high-throughput policy can fix by itself when set to remediate."""

import pulumi_aws as aws

aws.sqs.Queue("events", name="events.fifo", fifo_queue=True)
