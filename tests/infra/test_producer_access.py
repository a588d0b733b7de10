"""Producers get everything they need from the stack's outputs: the buffer key and a ready least-privilege policy."""

from __future__ import annotations

import json

import pytest

from local.account import REGION
from tests.infra.plans import one, plan, policy, value

# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html:
# a producer of a queue encrypted with a customer managed key needs kms:GenerateDataKey and kms:Decrypt on it.
KMS_ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_outputs_give_the_buffer_key_and_a_least_privilege_producer_policy(stack: str) -> None:
    p = plan(stack)
    queue = one(p, "aws:sqs/queue:Queue", "buffer-queue")
    key_arn = p.outputs["bufferKmsKeyArn"]
    assert key_arn == one(p, "aws:kms/key:Key", "buffer-key").outputs["arn"]
    assert value(queue, "kmsMasterKeyId") == key_arn  # the key producers must be allowed to use
    document = json.loads(p.outputs["producerPolicyJson"])
    sends_to: object = queue.outputs["arn"]
    if p.outputs["bufferPartitions"] > 1:  # partitions 1.. by one pattern (tests/infra/test_buffer_partitions.py)
        sends_to = [
            queue.outputs["arn"],
            queue.outputs["arn"].rsplit(":", 1)[0] + f":{value(queue, 'name')[:-5]}-p*.fifo",
        ]
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SendEvents", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": sends_to},
            {
                "Sid": "EncryptEvents",
                "Effect": "Allow",
                "Action": KMS_ACTIONS,
                "Resource": key_arn,
                # SQS calls KMS for the producer; the key is of no use to it outside SQS.
                "Condition": {"StringEquals": {"kms:ViaService": [f"sqs.{REGION}.amazonaws.com"]}},
            },
        ],
    }
    assert queue.outputs["arn"] == p.outputs["bufferQueueArn"]


def test_managed_policy_carries_the_same_document() -> None:
    p = plan()
    managed = one(p, "aws:iam/policy:Policy", "buffer-producer-policy")
    assert p.outputs["producerPolicyArn"] == managed.outputs["arn"]
    assert policy(managed) == json.loads(p.outputs["producerPolicyJson"])
    assert "buffer queue" in value(managed, "description")


def test_the_buffer_key_lets_the_accounts_iam_policies_grant_its_use() -> None:
    """Attaching the producer policy is enough in this account: the key policy delegates to IAM."""
    p = plan()
    statements = policy(one(p, "aws:kms/key:Key", "buffer-key"))["Statement"]
    root = [s for s in statements if s.get("Principal") == {"AWS": "arn:aws:iam::123456789012:root"}]
    assert root and root[0]["Action"] == "kms:*" and root[0]["Effect"] == "Allow"
