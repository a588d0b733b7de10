"""Only this stack's alarms may publish to its alarm topic: the topic policy and the key agree.

The topic's key lets CloudWatch use it only for alarms named ``<prefix>-*`` (a ``ServiceUse`` with
``aws:SourceArn``); the topic policy must not admit more, or another team's alarm in the account
could post to this stack's on-call channel wherever the key would allow it.
"""

from __future__ import annotations

import pytest

from tests.infra.plans import one, plan, policy


def _cloudwatch_condition(document: dict, principal_service: str = "cloudwatch.amazonaws.com") -> dict:
    [statement] = [
        s
        for s in document["Statement"]
        if isinstance(s.get("Principal"), dict) and s["Principal"].get("Service") == principal_service
    ]
    return statement["Condition"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_alarm_topic_admits_only_this_stacks_alarms(stack: str) -> None:
    capture = plan(stack)
    prefix = str(capture.outputs["bufferTableName"]).removesuffix("-buffer")  # the stack's name prefix
    topic_condition = _cloudwatch_condition(
        policy(one(capture, "aws:sns/topicPolicy:TopicPolicy", "ops-alarms-policy"))
    )
    key_condition = _cloudwatch_condition(policy(one(capture, "aws:kms/key:Key", "ops-key")))
    topic_sources = topic_condition["ArnLike"]["aws:SourceArn"]
    assert topic_sources == key_condition["ArnLike"]["aws:SourceArn"]
    assert topic_sources.endswith(f":alarm:{prefix}-*"), topic_sources
    assert topic_condition["StringEquals"]["aws:SourceAccount"] == key_condition["StringEquals"]["aws:SourceAccount"]
