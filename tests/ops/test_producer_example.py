"""The example producer stack lets its service send to the buffer queue with the exported policy alone."""

from __future__ import annotations

import json
from typing import Any

from local.capture import Capture, capture
from local.check import check_project
from tests.infra.plans import ROOT, one, plan, value

PRODUCER = ROOT / "examples" / "producer"


def producer(outputs: dict[str, Any]) -> Capture:
    return capture(PRODUCER, "dev", stack_outputs={"eventfork/dev": outputs})


def test_service_role_gets_the_exported_producer_policy_and_nothing_else() -> None:
    outputs = plan("dev").outputs
    p = producer(outputs)
    role = one(p, "aws:iam/role:Role", "service")
    attachment = one(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "send-events")
    assert value(attachment, "policyArn") == outputs["producerPolicyArn"]
    assert value(attachment, "role") == role.outputs["name"]
    assert not p.by_type("aws:iam/rolePolicy:RolePolicy")
    trust = json.loads(value(role, "assumeRolePolicy"))["Statement"]
    assert trust == [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert p.outputs["bufferQueueUrl"] == outputs["bufferQueueUrl"]


def test_the_attached_policy_is_enough_to_send_to_the_encrypted_queue() -> None:
    """SendMessage on the queue plus the KMS actions SQS needs on the queue's own key."""
    outputs = plan("dev").outputs
    statements = json.loads(outputs["producerPolicyJson"])["Statement"]
    granted = {
        (a, s["Resource"]) for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    needed = {
        ("sqs:SendMessage", outputs["bufferQueueArn"]),
        ("kms:GenerateDataKey", outputs["bufferKmsKeyArn"]),
        ("kms:Decrypt", outputs["bufferKmsKeyArn"]),
    }
    assert granted == needed


def test_producer_follows_whatever_policy_the_stack_exports() -> None:
    other = {**plan("dev").outputs, "producerPolicyArn": "arn:aws:iam::123456789012:policy/other"}
    attachment = one(producer(other), "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "send-events")
    assert value(attachment, "policyArn") == "arn:aws:iam::123456789012:policy/other"


def test_producer_passes_the_policy_check_with_every_rule_mandatory() -> None:
    policies = json.loads((PRODUCER / "policies/config/dev.json").read_text())
    assert {p if isinstance(p, str) else p["enforcementLevel"] for p in policies.values()} == {"mandatory"}
    result = check_project(PRODUCER, "dev")
    assert result.resources >= 2 and result.violations == []
