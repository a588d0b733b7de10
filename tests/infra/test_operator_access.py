"""The operator's managed policy: exactly what ``python -m eventfork ops`` calls, on this stack's resources only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.infra.plans import one, plan, policy

OPS = Path(__file__).resolve().parents[2] / "eventfork" / "ops"


def calls_the_command_makes() -> set[str]:
    """The boto3 operations in the command's code, as IAM actions (sqs.receive_message -> sqs:ReceiveMessage)."""
    text = "\n".join(p.read_text() for p in OPS.glob("*.py"))
    found = set(re.findall(r"\b(sqs|dynamodb)\.(\w+)\(", text))
    found.add(("dynamodb", "batch_get_item"))  # the dry run's GroupTable.read and recall (functions/buffer/aws_edge.py)
    return {f"{service}:{''.join(part.title() for part in name.split('_'))}" for service, name in found}


@pytest.mark.parametrize("stack", ["dev", "ecommerce"])
def test_the_operator_policy_allows_the_commands_calls_on_the_stacks_resources(stack: str) -> None:
    p = plan(stack)
    document = json.loads(p.outputs["operatorPolicyJson"])
    managed = one(p, "aws:iam/policy:Policy", "buffer-operator-policy")
    assert policy(managed) == document and p.outputs["operatorPolicyArn"] == managed.outputs["arn"]
    allowed: dict[str, list[object]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            assert "*" not in action
            allowed.setdefault(action, []).append(statement["Resource"])
    dlq = one(p, "aws:sqs/queue:Queue", "buffer-queue-dlq").outputs["arn"]
    assert dlq == p.outputs["bufferDlqArn"]
    table = one(p, "aws:dynamodb/table:Table", "buffer-table").outputs["arn"]
    # SQS authorises a batch call as its single action (ChangeMessageVisibilityBatch: ChangeMessageVisibility)
    needed = {a.removesuffix("Batch") if a.startswith("sqs:") else a for a in calls_the_command_makes()}
    assert needed <= set(allowed), needed - set(allowed)
    assert set(allowed) - {"kms:Decrypt", "kms:GenerateDataKey"} == needed
    for action in ("sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
        assert allowed[action] == [dlq]
    assert allowed["sqs:SendMessage"] == [json.loads(p.outputs["producerPolicyJson"])["Statement"][0]["Resource"]]
    assert allowed["dynamodb:BatchGetItem"] == [table]
    assert allowed["kms:Decrypt"] == [p.outputs["bufferKmsKeyArn"]]
