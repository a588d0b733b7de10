"""Security properties read from the captured plan (and, for IAM, from what the code really calls)."""

from __future__ import annotations

import json
from typing import Any

from local.capture import ACCOUNT_ID
from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario
from tests.infra.plans import ROOT, plan, policy

# API operation -> the IAM action that authorises it.
IAM_ACTION = {
    "BatchGetItem": "dynamodb:BatchGetItem",
    "BatchExecuteStatement": ["dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"],
    "UpdateItem": "dynamodb:UpdateItem",
    "PublishBatch": "sns:Publish",
    "SendMessageBatch": "sqs:SendMessage",
    "ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
}
# What the Lambda event source mapping does with the function's role.
EVENT_SOURCE_MAPPING = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
# Actions that take no resource ARN (Service Authorization Reference: X-Ray's Put calls, and the EC2
# network-interface calls Firehose's VpcConfiguration role and a function in a VPC need, per
# https://docs.aws.amazon.com/firehose/latest/APIReference/API_VpcConfiguration.html and
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
UNSCOPED_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "ec2:CreateNetworkInterface",
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}
STORE_TYPES = {
    "aws:sqs/queue:Queue": "kmsMasterKeyId",
    "aws:sns/topic:Topic": "kmsMasterKeyId",
    "aws:dynamodb/table:Table": "serverSideEncryption.kmsKeyArn",
}


def _actions(statement: dict[str, Any]) -> set[str]:
    actions = statement["Action"]
    return set(actions if isinstance(actions, list) else [actions])


def _buffer_calls() -> set[str]:
    calls: set[str] = set()
    for name in ("consent-race", "poison", "crashes"):
        report = simulate(load_scenario(ROOT / "scenarios" / f"{name}.json"))
        calls |= {op.split(":")[1] for op in report["bufferCalls"]}
    return calls


def test_buffer_role_grants_exactly_the_actions_its_code_and_event_source_use() -> None:
    used: set[str] = set(EVENT_SOURCE_MAPPING)
    for operation in _buffer_calls():
        mapped = IAM_ACTION[operation]
        used |= set(mapped if isinstance(mapped, list) else [mapped])
    statements = policy(next(r for r in plan().resources if r.name == "buffer-function-policy"))["Statement"]
    granted = set().union(
        *(
            _actions(s)
            for s in statements
            if s["Sid"] not in ("WriteOwnLogs", "Tracing") and not s["Sid"].startswith("Use")
        )
    )
    assert granted == used


def test_buffer_statements_name_only_its_own_resources() -> None:
    p = plan()
    own = {r.outputs.get("arn") for r in p.resources if r.parent and "FifoEventBuffer" in r.urn}
    own |= {p.outputs["topicArn"], next(r.outputs["arn"] for r in p.resources if r.name == "fanout-key")}
    statements = policy(next(r for r in p.resources if r.name == "buffer-function-policy"))["Statement"]
    for statement in statements:
        if statement["Sid"] == "Tracing":
            assert _actions(statement) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert resource.removesuffix(":*") in own, (statement["Sid"], resource)


def _key_arn_of(resource: Any, path: str) -> str | None:
    value: Any = resource.inputs
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def test_every_data_store_is_under_a_rotating_customer_managed_key() -> None:
    for stack in ("dev", "prod"):
        p = plan(stack)
        rotating = {
            r.outputs["arn"]
            for r in p.resources
            if r.type == "aws:kms/key:Key" and r.inputs.get("enableKeyRotation") is True
        }
        stores = [r for r in p.resources if r.type in STORE_TYPES]
        assert len(stores) >= 6
        for store in stores:
            assert _key_arn_of(store, STORE_TYPES[store.type]) in rotating, (stack, store.name)


def _principals(statement: dict[str, Any]) -> list[tuple[str, str]]:
    principal = statement.get("Principal")
    if principal == "*":
        return [("*", "*")]
    out = []
    for kind, values in (principal or {}).items():
        for value in values if isinstance(values, list) else [values]:
            out.append((kind, value))
    return out


def test_no_resource_policy_lets_anyone_outside_the_account_in() -> None:
    documents = []
    for r in plan().resources:
        if r.type in (
            "aws:sqs/queuePolicy:QueuePolicy",
            "aws:sns/topicPolicy:TopicPolicy",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:kms/key:Key",
        ):
            documents.append((r.name, json.loads(r.inputs["policy"])))
    assert documents
    for name, document in documents:
        for statement in document["Statement"]:
            if statement["Effect"] == "Deny":
                continue
            condition = json.dumps(statement.get("Condition", {}))
            for kind, value in _principals(statement):
                if kind == "AWS":
                    assert value == f"arn:aws:iam::{ACCOUNT_ID}:root", (name, value)
                else:
                    assert kind == "Service" and value.endswith(".amazonaws.com"), (name, kind, value)
                    assert (
                        "aws:SourceArn" in condition
                        or "aws:SourceAccount" in condition
                        or "kms:EncryptionContext:aws:logs:arn" in condition
                    ), (name, statement)


def test_every_role_names_only_this_stacks_resources() -> None:
    for stack in ("dev", "ecommerce"):
        p = plan(stack)
        arns = {str(r.outputs.get("arn")) for r in p.resources if r.outputs.get("arn")}
        planned_domain = [a for a in (p.outputs.get("analyticsDomainArn"),) if a]
        for r in p.resources:
            if r.type != "aws:iam/rolePolicy:RolePolicy":
                continue
            for statement in json.loads(r.inputs["policy"])["Statement"]:
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                for resource in resources:
                    if resource == "*":
                        assert _actions(statement) <= UNSCOPED_ACTIONS, (stack, r.name, statement)
                        continue
                    base = resource.removesuffix(":*").removesuffix("/*").removesuffix(":$LATEST")
                    base = base.removesuffix("/_plugins/_security")  # a path of the domain's REST API
                    assert base in arns or base in planned_domain, (stack, r.name, resource)
