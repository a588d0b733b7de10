"""A producer stack: its service's role gets eventfork's ready producer policy, nothing more.

The buffer queue is encrypted with its own customer managed key, so ``sqs:SendMessage`` alone is
refused; ``producerPolicyArn`` grants SendMessage on the queue and GenerateDataKey/Decrypt on that key.
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
eventfork = pulumi.StackReference(config.require("producerStack"))
tags = {"eventfork:component": "producer"}

# The producing service (here an ECS task; any principal of the same account works alike).
role = aws.iam.Role(
    "service",
    tags=tags,
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
aws.iam.RolePolicyAttachment("send-events", role=role.name, policy_arn=eventfork.require_output("producerPolicyArn"))
# The same grant as an inline policy, for principals that cannot take managed policies:
#   aws.iam.RolePolicy("send-events", role=role.id, policy=eventfork.require_output("producerPolicyJson"))

pulumi.export("serviceRoleArn", role.arn)
pulumi.export("bufferQueueUrl", eventfork.require_output("bufferQueueUrl"))  # the service sends here
