"""Every queue and topic of every shipped stack refuses plain HTTP, the fan-out topic can only be
subscribed by the account's SQS queues, and every log group masks card numbers.

AWS references: SQS/SNS ``aws:SecureTransport`` (FSBP SQS / SNS guidance,
https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit),
the ``sns:Protocol``/``sns:Endpoint`` condition keys of ``sns:Subscribe``
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html), and
CloudWatch Logs data protection policy syntax
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/mask-sensitive-log-data-start.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.capture import ACCOUNT_ID
from tests.infra.plans import as_list, plan, policy, value

STACKS = ["dev", "prod", "orders", "ecommerce"]
CREDIT_CARD = "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber"


def _tls_denied(document: dict[str, Any], resource: str, service: str) -> bool:
    """A statement denies every action of ``service`` on ``resource`` to anyone without TLS."""
    for s in document["Statement"]:
        if s["Effect"] != "Deny" or s.get("Principal") != "*":
            continue
        if f"{service}:*" in as_list(s["Action"]) and resource in as_list(s["Resource"]):
            if s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}:
                return True
    return False


def _assert_tls_only(stack: str, kind: str, policy_type: str, reference: str, output: str, service: str) -> None:
    """Every resource of ``kind`` has a ``policy_type`` (found by its ``reference`` input) denying plain HTTP."""
    p = plan(stack)
    resources = p.by_type(kind)
    policies = {value(r, reference): policy(r) for r in p.by_type(policy_type)}
    assert resources
    for resource in resources:
        document = policies.get(resource.outputs[output])
        assert document is not None, f"{stack}: {resource.name} has no resource policy"
        assert _tls_denied(document, resource.outputs["arn"], service), f"{stack}: {resource.name} accepts plain HTTP"


@pytest.mark.parametrize("stack", STACKS)
def test_every_queue_has_a_tls_only_policy(stack: str) -> None:
    _assert_tls_only(stack, "aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy", "queueUrl", "url", "sqs")


@pytest.mark.parametrize("stack", STACKS)
def test_every_topic_has_a_tls_only_policy_covering_every_action(stack: str) -> None:
    _assert_tls_only(stack, "aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "arn", "arn", "sns")


def _denies_subscribe_unless(document: dict[str, Any], condition: dict[str, Any]) -> bool:
    return any(
        s["Effect"] == "Deny"
        and s.get("Principal") == "*"
        and "sns:Subscribe" in as_list(s["Action"])
        and s.get("Condition") == condition
        for s in document["Statement"]
    )


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])  # orders uses an existing topic
def test_the_fanout_topic_can_only_be_subscribed_by_the_accounts_queues(stack: str) -> None:
    p = plan(stack)
    [fanout] = [r for r in p.by_type("aws:sns/topicPolicy:TopicPolicy") if r.name == "fanout-topic-policy"]
    document = policy(fanout)
    assert _denies_subscribe_unless(document, {"StringNotEquals": {"sns:Protocol": "sqs"}})
    assert _denies_subscribe_unless(document, {"StringNotLike": {"sns:Endpoint": f"arn:aws:sqs:*:{ACCOUNT_ID}:*"}})


def test_the_alarm_topic_admits_cloudwatch_alarms_of_this_account_only() -> None:
    p = plan("prod")
    [alarms] = [r for r in p.by_type("aws:sns/topicPolicy:TopicPolicy") if r.name != "fanout-topic-policy"]
    [cloudwatch] = [
        s for s in policy(alarms)["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch["Action"] == "sns:Publish"
    condition = json.dumps(cloudwatch["Condition"])
    assert "aws:SourceArn" in condition and "arn:aws:cloudwatch:" in condition and ACCOUNT_ID in condition


@pytest.mark.parametrize("stack", STACKS)
def test_every_log_group_masks_card_numbers(stack: str) -> None:
    p = plan(stack)
    groups = p.by_type("aws:cloudwatch/logGroup:LogGroup")
    protected = {
        value(r, "logGroupName"): json.loads(value(r, "policyDocument"))
        for r in p.by_type("aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy")
    }
    assert groups
    for group in groups:
        document = protected.get(group.outputs["name"])
        assert document is not None, f"{stack}: log group {group.name} has no data protection policy"
        audit, deidentify = document["Statement"]  # AWS requires exactly these two, in this order
        assert audit["DataIdentifier"] == [CREDIT_CARD] and "Audit" in audit["Operation"]
        assert deidentify["DataIdentifier"] == [CREDIT_CARD] and "Deidentify" in deidentify["Operation"]
        assert document["Version"] == "2021-06-01"


def _alarm_topic_policy(p: Any) -> dict[str, Any]:
    [alarms] = [r for r in p.by_type("aws:sns/topicPolicy:TopicPolicy") if r.name != "fanout-topic-policy"]
    return policy(alarms)


@pytest.mark.parametrize("stack", STACKS)
def test_without_an_on_call_endpoint_nobody_may_subscribe_to_the_alarm_topic(stack: str) -> None:
    [deny] = [s for s in _alarm_topic_policy(plan(stack))["Statement"] if "sns:Subscribe" in as_list(s["Action"])
              and s["Effect"] == "Deny"]  # fmt: skip
    assert deny["Principal"] == "*" and "Condition" not in deny


def test_the_alarm_topic_can_only_be_subscribed_by_its_configured_endpoints() -> None:
    endpoints = {"email": "ops@example.com", "httpsEndpoint": "https://hooks.example/x"}
    p = plan(overrides={"eventfork:alarms": endpoints})
    document = _alarm_topic_policy(p)
    pinned = {"StringNotEquals": {"sns:Endpoint": ["ops@example.com", "https://hooks.example/x"]}}
    assert _denies_subscribe_unless(document, pinned)
    [policy_urn] = [r.urn for r in p.by_type("aws:sns/topicPolicy:TopicPolicy") if r.name != "fanout-topic-policy"]
    subscriptions = [r for r in p.by_type("aws:sns/topicSubscription:TopicSubscription") if r.name.startswith("ops-")]
    assert len(subscriptions) == 2
    for subscription in subscriptions:  # created after the policy that admits them
        assert policy_urn in subscription.dependencies, subscription.name
