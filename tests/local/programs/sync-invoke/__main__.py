"""A synchronous topic lookup: the emulator's account has no such topic, so offline the result is unknown."""

import pulumi_aws as aws

topic = aws.sns.get_topic(name="orders")
aws.sqs.Queue("orders-copy", name=topic.name + "-copy")
