"""FSBP SNS.2: every topic the stack creates logs the delivery status of what it sends, into log
groups the stack owns, encrypted with the topic's key, kept as long as its other logs, card-masked.

AWS references: Security Hub SNS.2 (the topic's delivery status logging, i.e. the feedback role ARNs
of a protocol, is set:
https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html#sns-2), the protocols
SNS logs (http/s, sqs, lambda, firehose, application; not email:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-sns-topic-loggingconfig.html)
and the log groups SNS writes, ``sns/<region>/<account-id>/<topic-name>`` (and ``.../Failure`` for
failures: https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html).
"""

from __future__ import annotations

from typing import Any

import pytest

from local.account import ACCOUNT_ID, REGION
from stack_config import ConfigError, parse_settings
from tests.infra.plans import as_list, plan, policy, value

TOPIC, ROLE, ROLE_POLICY = "aws:sns/topic:Topic", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP, SUBSCRIPTION = "aws:cloudwatch/logGroup:LogGroup", "aws:sns/topicSubscription:TopicSubscription"
STACKS = ["dev", "prod", "orders", "ecommerce"]
# Subscription protocol -> the attribute family SNS logs it under (email and SMS have none).
LOGGED_AS = {"sqs": "sqs", "lambda": "lambda", "firehose": "firehose", "http": "http", "https": "http"}
# What each topic is subscribed with by design: the fan-out topic only by SQS queues (its policy
# refuses anything else), the alarm topic by e-mail and HTTPS (alarms.email / alarms.httpsEndpoint).
PROTOCOL_OF = {"fanout-topic": "sqs", "ops-alarms": "http"}


def _retention(stack: str) -> int:
    return int(((plan(stack).config.get("eventfork:buffer") or {}).get("logRetentionDays")) or 30)


def _role_of(stack: str, arn: str) -> Any:
    [role] = [r for r in plan(stack).by_type(ROLE) if r.outputs["arn"] == arn]
    return role


def _statements_of(stack: str, role: Any) -> list[dict[str, Any]]:
    policies = [r for r in plan(stack).by_type(ROLE_POLICY) if value(r, "role") == role.outputs["name"]]
    return [s for p in policies for s in policy(p)["Statement"]]


@pytest.mark.parametrize("stack", STACKS)
def test_every_topic_logs_delivery_status_of_its_protocol_into_its_own_encrypted_log_groups(stack: str) -> None:
    p = plan(stack)
    topics = p.by_type(TOPIC)
    assert topics
    groups = {value(g, "name"): g for g in p.by_type(LOG_GROUP)}
    for topic in topics:
        protocol = PROTOCOL_OF[topic.name]
        subscribed = {
            value(s, "protocol") for s in p.by_type(SUBSCRIPTION) if value(s, "topic") == topic.outputs["arn"]
        }
        assert {LOGGED_AS[s] for s in subscribed if s in LOGGED_AS} <= {protocol}, (stack, topic.name, subscribed)
        success_role = value(topic, f"{protocol}SuccessFeedbackRoleArn")
        assert value(topic, f"{protocol}FailureFeedbackRoleArn") == success_role
        assert value(topic, f"{protocol}SuccessFeedbackSampleRate") == 0  # default: failures only
        role = _role_of(stack, success_role)
        [trust] = policy(role, "assumeRolePolicy")["Statement"]
        assert trust["Principal"] == {"Service": "sns.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
        base = f"sns/{REGION}/{ACCOUNT_ID}/{value(topic, 'name')}"
        own = [groups[base], groups[f"{base}/Failure"]]
        for group in own:
            assert value(group, "kmsKeyId") == value(topic, "kmsMasterKeyId"), (stack, group.name)
            assert value(group, "retentionInDays") == _retention(stack), (stack, group.name)
        allowed = {g.outputs["arn"] for g in own} | {f"{g.outputs['arn']}:*" for g in own}
        statements = _statements_of(stack, role)
        assert statements
        for statement in statements:
            assert set(as_list(statement["Action"])) <= {
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            }
            assert set(as_list(statement["Resource"])) <= allowed, (stack, statement)
        granted = {r for s in statements for r in as_list(s["Resource"])}
        assert granted == allowed


def test_the_success_sample_rate_is_configurable_per_topic() -> None:
    p = plan(
        "dev",
        overrides={
            "eventfork:fanout": {"deliveryStatusSuccessSampleRate": 25},
            "eventfork:alarms": {"deliveryStatusSuccessSampleRate": 100},
        },
    )
    by_name = {t.name: t for t in p.by_type(TOPIC)}
    assert value(by_name["fanout-topic"], "sqsSuccessFeedbackSampleRate") == 25
    assert value(by_name["ops-alarms"], "httpSuccessFeedbackSampleRate") == 100


@pytest.mark.parametrize("section", ["fanout", "alarms"])
@pytest.mark.parametrize("rate", [-1, 101, 12.5, None, "50"])
def test_a_sample_rate_outside_0_to_100_is_refused_naming_the_key(section: str, rate: object) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({section: {"deliveryStatusSuccessSampleRate": rate}}, "dev")
    message = str(error.value)
    assert f"eventfork:{section}.deliveryStatusSuccessSampleRate" in message and "100" in message
