"""Operations: every alarm an on-call engineer needs, its encrypted topic, and the dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.capture import Capture
from tests.infra.plans import one, plan, value

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarms(p: Capture) -> dict[str, Any]:
    return {value(r, "name"): r for r in p.by_type(ALARM)}


def dlq_names(p: Capture) -> set[str]:
    return {
        value(r, "name")
        for r in p.by_type("aws:sqs/queue:Queue")
        if r.inputs.get("tags", {}).get("eventfork:queue") == "dead-letter"
    }


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_one_alarm_per_dead_letter_queue(stack: str) -> None:
    p = plan(stack)
    found = [a for a in p.by_type(ALARM) if a.name.endswith("-dlq-visible")]
    watched = sorted(value(a, "dimensions.QueueName") for a in found)
    assert watched == sorted(dlq_names(p)) and len(watched) >= 4
    topic = p.outputs["alarmTopicArn"]
    for alarm in found:
        assert value(alarm, "namespace") == "AWS/SQS"
        assert value(alarm, "metricName") == "ApproximateNumberOfMessagesVisible"
        assert value(alarm, "comparisonOperator") == "GreaterThanOrEqualToThreshold"
        assert value(alarm, "threshold") == 1
        assert value(alarm, "alarmActions") == [topic] and value(alarm, "okActions") == [topic]
        assert value(alarm, "treatMissingData") == "notBreaching"


def test_a_dead_letter_queue_without_an_alarm_is_noticed() -> None:
    """The DLQ list comes from the plan, so the check above cannot pass by watching nothing."""
    p = plan()
    assert dlq_names(p) == {f"eventfork-dev-{q}-dlq.fifo" for q in ("buffer", "primary", "backup", "replay")}
    off = plan(overrides={"eventfork:replay": {"enabled": False}})
    assert "eventfork-dev-replay-dlq-visible" not in alarms(off) and "eventfork-dev-replay-dlq.fifo" not in dlq_names(
        off
    )


def test_every_function_of_the_stack_has_error_and_throttle_alarms() -> None:
    for stack in ("dev", "prod", "ecommerce"):
        p = plan(stack)
        by_name = alarms(p)
        for function in p.by_type("aws:lambda/function:Function"):
            name = value(function, "name")
            for metric in ("Errors", "Throttles"):
                watching = [
                    a
                    for a in by_name.values()
                    if a.inputs["metricName"] == metric and a.inputs["dimensions"] == {"FunctionName": name}
                ]
                assert len(watching) == 1, f"{stack}: {name} has no {metric} alarm"
                assert value(watching[0], "namespace") == "AWS/Lambda" and value(watching[0], "threshold") == 1


def test_queue_age_firehose_and_replay_alarms_with_their_defaults() -> None:
    by_name = alarms(plan())
    age = by_name["eventfork-dev-buffer-oldest-message"]
    assert value(age, "metricName") == "ApproximateAgeOfOldestMessage"
    assert value(age, "dimensions.QueueName") == "eventfork-dev-buffer.fifo"
    assert value(age, "threshold") == 5 * 60 + 300 and value(age, "comparisonOperator") == "GreaterThanThreshold"
    s3 = by_name["eventfork-dev-backup-s3-delivery"]
    assert value(s3, "namespace") == "AWS/Firehose" and value(s3, "metricName") == "DeliveryToS3.Success"
    assert value(s3, "dimensions.DeliveryStreamName") == plan().outputs["backupDeliveryStreamName"]
    assert value(s3, "statistic") == "Average" and value(s3, "threshold") == 1
    assert value(s3, "comparisonOperator") == "LessThanThreshold"
    search = alarms(plan("prod"))["eventfork-prod-analytics-search-delivery"]
    assert value(search, "metricName") == "DeliveryToAmazonOpenSearchService.Success"
    assert value(search, "dimensions.DeliveryStreamName") == plan("prod").outputs["analyticsDeliveryStreamName"]
    assert "eventfork-dev-replay-depth" not in by_name  # replay is not active in dev
    depth = alarms(plan(overrides={"eventfork:replay": {"active": True}}))["eventfork-dev-replay-depth"]
    assert value(depth, "dimensions.QueueName") == "eventfork-dev-replay.fifo" and value(depth, "threshold") == 10000


def test_every_threshold_comes_from_the_stack_config() -> None:
    p = plan(
        overrides={
            "eventfork:buffer": {"intervalSeconds": 120},
            "eventfork:replay": {"active": True},
            "eventfork:alarms": {
                "dlqVisibleThreshold": 3,
                "lambdaErrorsThreshold": 5,
                "lambdaThrottlesThreshold": 7,
                "firehoseFailureThreshold": 0.05,
                "replayDepthThreshold": 50,
                "periodSeconds": 60,
                "evaluationPeriods": 4,
            },
        }
    )
    by_name = alarms(p)
    assert value(by_name["eventfork-dev-buffer-oldest-message"], "threshold") == 5 * 120 + 300
    assert value(by_name["eventfork-dev-primary-dlq-visible"], "threshold") == 3
    assert value(by_name["eventfork-dev-buffer-errors"], "threshold") == 5
    assert value(by_name["eventfork-dev-replay-throttles"], "threshold") == 7
    assert value(by_name["eventfork-dev-backup-s3-delivery"], "threshold") == 0.95
    assert value(by_name["eventfork-dev-replay-depth"], "threshold") == 50
    assert {(value(a, "period"), value(a, "evaluationPeriods")) for a in by_name.values()} == {(60, 4)}
    fixed = alarms(plan(overrides={"eventfork:alarms": {"oldestMessageAgeSeconds": 900}}))
    assert value(fixed["eventfork-dev-buffer-oldest-message"], "threshold") == 900


def test_alarms_can_be_turned_off() -> None:
    p = plan(overrides={"eventfork:alarms": {"enabled": False}})
    assert not p.by_type(ALARM) and not p.by_type("eventfork:ops:Observability")
    assert "alarmTopicArn" not in p.outputs and "dashboardName" not in p.outputs


def test_alarm_topic_is_encrypted_and_subscriptions_come_from_config() -> None:
    p = plan(overrides={"eventfork:alarms": {"email": "ops@example.com", "httpsEndpoint": "https://hooks.example/x"}})
    topic = one(p, "aws:sns/topic:Topic", "ops-alarms")
    key = one(p, "aws:kms/key:Key", "ops-key")
    assert value(topic, "kmsMasterKeyId") == key.outputs["arn"] and value(key, "enableKeyRotation") is True
    services = json.dumps(json.loads(value(key, "policy")))
    assert "cloudwatch.amazonaws.com" in services
    subs = {
        value(r, "protocol"): (value(r, "endpoint"), value(r, "topic"))
        for r in p.by_type("aws:sns/topicSubscription:TopicSubscription")
        if r.name.startswith("ops-")
    }
    assert subs == {
        "email": ("ops@example.com", topic.outputs["arn"]),
        "https": ("https://hooks.example/x", topic.outputs["arn"]),
    }
    assert not [r for r in plan().resources if r.name in ("ops-email", "ops-https")]


def test_dashboard_shows_outcomes_depths_ages_and_durations() -> None:
    p = plan()
    dashboard = one(p, "aws:cloudwatch/dashboard:Dashboard", "ops-dashboard")
    assert value(dashboard, "dashboardName") == p.outputs["dashboardName"] == "eventfork-dev-eventfork"
    metrics = [m for w in json.loads(value(dashboard, "dashboardBody"))["widgets"] for m in w["properties"]["metrics"]]
    outcomes = {m[1] for m in metrics if m[0] == "eventfork"}
    assert outcomes == {"delivered", "delayed", "waiting", "duplicate", "stale", "dead_lettered", "failed"}
    assert all(m[2:] == ["service", "eventfork-dev-buffer"] for m in metrics if m[0] == "eventfork")
    assert ["AWS/SQS", "NumberOfMessagesSent", "QueueName", "eventfork-dev-buffer.fifo"] in metrics
    queues = {value(q, "name") for q in p.by_type("aws:sqs/queue:Queue")}
    depth = {m[3] for m in metrics if m[1] == "ApproximateNumberOfMessagesVisible"}
    assert depth == queues  # every queue and every dead-letter queue
    ages = {m[3] for m in metrics if m[1] == "ApproximateAgeOfOldestMessage"}
    assert ages == queues - dlq_names(p)
    durations = {m[3] for m in metrics if m[1] == "Duration"}
    assert durations == {value(f, "name") for f in p.by_type("aws:lambda/function:Function")}


def test_a_users_own_transform_function_is_not_alarmed_here() -> None:
    """Only functions this stack declares get alarms; a transform by ARN belongs to its owner."""
    own = "arn:aws:lambda:us-east-1:123456789012:function:team-transform"
    p = plan(overrides={"eventfork:backup": {"redaction": False, "transformFunctionArn": own}})
    names = {value(a, "dimensions.FunctionName") for a in p.by_type(ALARM) if "FunctionName" in a.inputs["dimensions"]}
    assert "team-transform" not in names and "eventfork-dev-backup-redaction" not in names
    assert "eventfork-dev-backup-forwarder" in names


def test_every_function_traces_with_x_ray() -> None:
    for stack in ("dev", "prod", "ecommerce"):
        functions = plan(stack).by_type("aws:lambda/function:Function")
        assert functions and all(value(f, "tracingConfig.mode") == "Active" for f in functions)
