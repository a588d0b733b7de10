"""Stack shapes: buffer + fan-out + pipelines, pipelines only on an existing topic, buffer + fan-out only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.capture import Capture
from stack_config import ConfigError, parse_settings
from tests.infra.plans import assert_topic_only_sends, one, plan, policy, value

TOPIC_FIFO = "arn:aws:sns:us-east-1:123456789012:orders.fifo"
TOPIC_STANDARD = "arn:aws:sns:us-east-1:123456789012:orders"
TOPIC_KEY = "arn:aws:kms:us-east-1:123456789012:key/0f8a2b9c-1d3e-4f50-8a6b-7c8d9e0f1a2b"
BUFFER_OUTPUTS = {
    "bufferQueueUrl",
    "bufferQueueArn",
    "bufferKmsKeyArn",
    "producerPolicyJson",
    "producerPolicyArn",
    "bufferDlqUrl",
    "bufferTableName",
    "primaryQueueUrl",
    "primaryQueueArn",
    "primaryDlqUrl",
    "primarySubscriptionArn",
}
PIPELINE_OUTPUTS = {
    "backupBucketName",
    "backupBucketArn",
    "backupDeliveryStreamName",
    "replayQueueUrl",
    "replayQueueArn",
    "replayFunctionName",
    "replayActive",
    "replayDestinationQueueUrl",
}
PIPELINES_ONLY = {
    "eventfork:buffer": {"enabled": False},
    "eventfork:replay": {"destinationQueueName": "orders-service"},
}


def pipelines_only(topic: str, **fanout: Any) -> Capture:
    overrides = {
        **PIPELINES_ONLY,
        "eventfork:fanout": {"fifo": topic.endswith(".fifo"), "existingTopicArn": topic, **fanout},
    }
    if not topic.endswith(".fifo"):
        overrides["eventfork:replay"] = {"destinationQueueName": "orders-service"}
    return plan("dev", overrides=overrides)


def types(p: Capture) -> set[str]:
    return {r.type for r in p.resources}


def test_the_default_shape_declares_buffer_fanout_and_pipelines_with_every_output() -> None:
    p = plan()
    assert {"eventfork:buffer:FifoEventBuffer", "eventfork:fanout:EventFanOut"} <= types(p)
    assert "eventfork:fanout:ExistingTopic" not in types(p)
    assert BUFFER_OUTPUTS | PIPELINE_OUTPUTS | {"topicArn", "topicFifo", "fanoutKmsKeyArn"} <= set(p.outputs)
    assert "topicKmsKeyArn" not in p.outputs
    primary = one(p, "aws:sns/topicSubscription:TopicSubscription", "fanout-primary-subscription")
    assert p.outputs["primarySubscriptionArn"] == primary.outputs["arn"]


@pytest.mark.parametrize(("topic", "fifo"), [(TOPIC_FIFO, True), (TOPIC_STANDARD, False)])
def test_pipelines_only_subscribe_to_the_existing_topic_and_declare_no_buffer_topic_or_primary(
    topic: str, fifo: bool
) -> None:
    p = pipelines_only(topic)
    assert not p.by_type("aws:sns/topic:Topic") or [t.name for t in p.by_type("aws:sns/topic:Topic")] == ["ops-alarms"]
    assert "eventfork:buffer:FifoEventBuffer" not in types(p) and "eventfork:fanout:EventFanOut" not in types(p)
    assert not p.by_type("aws:dynamodb/table:Table")
    assert not [r.name for r in p.resources if r.name.startswith(("buffer-", "fanout-primary"))]
    assert p.outputs["topicArn"] == topic and p.outputs["topicFifo"] is fifo
    assert not BUFFER_OUTPUTS & set(p.outputs) and PIPELINE_OUTPUTS <= set(p.outputs)
    key = one(p, "aws:kms/key:Key", "fanout-key")
    assert p.outputs["fanoutKmsKeyArn"] == key.outputs["arn"]
    for name in ("backup", "replay"):
        sub = one(p, "aws:sns/topicSubscription:TopicSubscription", f"{name}-queue-subscription")
        assert value(sub, "topic") == topic and value(sub, "rawMessageDelivery") is True
        queue = one(p, "aws:sqs/queue:Queue", f"{name}-queue")
        assert value(queue, "kmsMasterKeyId") == key.outputs["arn"]
        assert value(queue, "name").endswith(".fifo") is fifo
        assert (value(queue, "fifoQueue") if fifo else queue.inputs.get("fifoQueue", False)) is fifo
        assert_topic_only_sends(p, f"{name}-queue", f"{name}-queue-policy")
    grants = {s["Sid"]: s for s in policy(key)["Statement"]}
    grant = grants["ExistingTopicDeliversToPipelineQueues"]
    assert grant["Principal"] == {"Service": "sns.amazonaws.com"}
    assert grant["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert grant["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}
    alarms = {value(a, "name") for a in p.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms and not [a for a in alarms if "buffer" in a or "primary" in a]


def test_pipelines_only_exports_the_topic_key_it_was_given() -> None:
    assert pipelines_only(TOPIC_FIFO, existingTopicKmsKeyArn=TOPIC_KEY).outputs["topicKmsKeyArn"] == TOPIC_KEY
    assert "topicKmsKeyArn" not in pipelines_only(TOPIC_FIFO).outputs


def test_buffer_and_fanout_only_declare_no_pipeline_and_no_pipeline_output() -> None:
    off = {"enabled": False}
    p = plan("dev", overrides={"eventfork:backup": off, "eventfork:analytics": off, "eventfork:replay": off})
    assert {"eventfork:buffer:FifoEventBuffer", "eventfork:fanout:EventFanOut"} <= types(p)
    assert not [t for t in types(p) if t.startswith("eventfork:pipelines:")]
    subscriptions = [s.name for s in p.by_type("aws:sns/topicSubscription:TopicSubscription")]
    assert subscriptions == ["fanout-primary-subscription"]
    assert BUFFER_OUTPUTS <= set(p.outputs) and not PIPELINE_OUTPUTS & set(p.outputs)


def test_archive_retention_sets_the_fifo_topics_archive_policy() -> None:
    topic = one(
        plan("dev", overrides={"eventfork:fanout": {"archiveRetentionDays": 30}}), "aws:sns/topic:Topic", "fanout-topic"
    )
    assert json.loads(value(topic, "archivePolicy")) == {"MessageRetentionPeriod": 30}
    assert "archivePolicy" not in one(plan(), "aws:sns/topic:Topic", "fanout-topic").inputs


BASE = {"buffer": {"enabled": False}, "fanout": {"existingTopicArn": TOPIC_FIFO}, "replay": {"enabled": False}}
INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"buffer": {"enabled": False}}, "eventfork:fanout.existingTopicArn: missing", "the ARN of the SNS topic"),
    ({"fanout": {"existingTopicArn": TOPIC_FIFO}}, "eventfork:fanout.existingTopicArn", "buffer.enabled false"),
    ({"fanout": {"existingTopicKmsKeyArn": TOPIC_KEY}}, "eventfork:fanout.existingTopicKmsKeyArn", "only with"),
    (
        {"fanout": {"existingTopicArn": "arn:aws:sqs:us-east-1:123456789012:q"}},
        "eventfork:fanout.existingTopicArn",
        "arn:aws",
    ),
    ({"fanout": {"fifo": False, "archiveRetentionDays": 7}}, "eventfork:fanout.archiveRetentionDays", "FIFO topic"),
    ({"fanout": {"archiveRetentionDays": 0}}, "eventfork:fanout.archiveRetentionDays", "from 1 to 365"),
    ({"fanout": {"archiveRetentionDays": 366}}, "eventfork:fanout.archiveRetentionDays", "from 1 to 365"),
    ({**BASE, "fanout": {"existingTopicArn": TOPIC_FIFO, "fifo": False}}, "eventfork:fanout.fifo", "true or unset"),
    (
        {**BASE, "fanout": {"existingTopicArn": TOPIC_FIFO, "primaryName": "x"}},
        "eventfork:fanout.primaryName",
        "creates",
    ),
    (
        {**BASE, "fanout": {"existingTopicArn": TOPIC_FIFO, "archiveRetentionDays": 7}},
        "eventfork:fanout.archiveRetentionDays",
        "creates the fan-out",
    ),
    (
        {**BASE, "fanout": {"existingTopicArn": TOPIC_FIFO, "deliveryStatusSuccessSampleRate": 10}},
        "eventfork:fanout.deliveryStatusSuccessSampleRate",
        "creates the fan-out",
    ),
    (
        {
            **BASE,
            "fanout": {
                "existingTopicArn": TOPIC_FIFO,
                "existingTopicKmsKeyArn": TOPIC_KEY.replace("us-east-1", "eu-west-1"),
            },
        },
        "eventfork:fanout.existingTopicKmsKeyArn",
        "region us-east-1",
    ),
    ({**BASE, "backup": {"enabled": False}}, "eventfork:buffer.enabled", "at least one of"),
    ({**BASE, "replay": {"enabled": True}}, "eventfork:replay.destinationQueueArn: missing", "destination is required"),
]


@pytest.mark.parametrize(("config", "key", "allowed"), INVALID)
def test_inconsistent_shapes_fail_naming_the_key(config: dict[str, Any], key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(config, "dev")
    [problem] = [p for p in caught.value.problems if p.startswith(key)]
    assert allowed in problem, problem


def test_a_bad_shape_fails_before_any_resource_is_declared() -> None:
    with pytest.raises(Exception, match=r"eventfork:fanout\.existingTopicArn: missing") as caught:
        plan("dev", overrides={"eventfork:buffer": {"enabled": False}})
    assert "ConfigError" in str(caught.value)


def test_the_shape_is_named() -> None:
    assert parse_settings({}, "dev").shape == "full"
    assert parse_settings(BASE, "dev").shape == "pipelines-only"
    off = {"enabled": False}
    assert parse_settings({"backup": off, "analytics": off, "replay": off}, "dev").shape == "buffer-only"
