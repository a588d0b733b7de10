"""Operations: alarms, dashboard, tags, and what differs between dev and prod."""

from __future__ import annotations

import importlib
import inspect
import json
from functools import cache

import pytest

from tests.infra.plans import one, plan, value

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@cache
def taggable(type_token: str) -> bool:
    """Whether the provider's resource accepts ``tags`` (read from pulumi_aws itself)."""
    package, rest = type_token.split(":", 1)
    if package != "aws":
        return False
    module_name, class_name = rest.split(":")
    module = importlib.import_module("pulumi_aws." + module_name.split("/")[0].replace("lambda", "lambda_"))
    cls = getattr(module, class_name, None)
    return cls is not None and "tags" in inspect.signature(cls._internal_init).parameters


def dlq_names(stack: str) -> set[str]:
    return {
        r.inputs["name"]
        for r in plan(stack).resources
        if r.type == "aws:sqs/queue:Queue" and r.inputs.get("tags", {}).get("eventfork:queue") == "dead-letter"
    }


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_one_alarm_per_dead_letter_queue(stack: str) -> None:
    alarms = [
        r
        for r in plan(stack).resources
        if r.type == ALARM
        and r.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
        and r.name.endswith("-dlq-visible")
    ]
    watched = sorted(value(a, "dimensions.QueueName") for a in alarms)
    assert watched == sorted(dlq_names(stack)) and len(watched) >= 4
    topic = plan(stack).outputs["alarmTopicArn"]
    for alarm in alarms:
        assert value(alarm, "alarmActions") == [topic] and value(alarm, "threshold") == 1
        assert value(alarm, "treatMissingData") == "notBreaching"


def test_alarm_set_and_thresholds() -> None:
    p = plan()
    by_name = {r.inputs["name"]: r for r in p.resources if r.type == ALARM}
    age = by_name["eventfork-dev-buffer-oldest-message"]
    assert value(age, "metricName") == "ApproximateAgeOfOldestMessage" and value(age, "threshold") == 5 * 60 + 300
    for fn in ("buffer", "backup-forwarder", "replay"):
        assert value(by_name[f"eventfork-dev-{fn}-errors"], "namespace") == "AWS/Lambda"
        assert value(by_name[f"eventfork-dev-{fn}-throttles"], "metricName") == "Throttles"
    assert value(by_name["eventfork-dev-backup-s3-delivery"], "metricName") == "DeliveryToS3.Success"
    assert "eventfork-dev-replay-depth" not in by_name  # replay is not active
    active = plan(overrides={"eventfork:replay": {"active": True}, "eventfork:alarms": {"replayDepthThreshold": 50}})
    depth = next(r for r in active.resources if r.type == ALARM and r.inputs["name"].endswith("replay-depth"))
    assert value(depth, "threshold") == 50
    search = [r for r in plan("ecommerce").resources if r.type == ALARM and r.name.endswith("search-delivery")]
    assert value(search[0], "metricName") == "DeliveryToAmazonOpenSearchService.Success"


def test_alarm_topic_is_encrypted_and_subscriptions_come_from_config() -> None:
    p = plan(overrides={"eventfork:alarms": {"email": "ops@example.com", "httpsEndpoint": "https://hooks.example/x"}})
    topic = one(p, "aws:sns/topic:Topic", "ops-alarms")
    assert value(topic, "kmsMasterKeyId") == one(p, "aws:kms/key:Key", "ops-key").outputs["arn"]
    subs = {
        r.inputs["protocol"]: r.inputs["endpoint"]
        for r in p.resources
        if r.type == "aws:sns/topicSubscription:TopicSubscription" and r.name.startswith("ops-")
    }
    assert subs == {"email": "ops@example.com", "https": "https://hooks.example/x"}
    assert not [r for r in plan().resources if r.name in ("ops-email", "ops-https")]


def test_dashboard_shows_outcomes_depths_ages_and_durations() -> None:
    body = json.loads(value(one(plan(), "aws:cloudwatch/dashboard:Dashboard", "ops-dashboard"), "dashboardBody"))
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    names = {m[1] for m in metrics}
    assert {"delivered", "delayed", "duplicate", "stale", "dead_lettered"} <= names
    assert {
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "Duration",
        "NumberOfMessagesSent",
    } <= names
    assert ["eventfork", "delivered", "service", "eventfork-dev-buffer"] in metrics


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_every_taggable_resource_carries_its_component_and_the_provider_the_stack(stack: str) -> None:
    p = plan(stack)
    provider = one(p, "pulumi:providers:aws", "aws")
    assert json.loads(value(provider, "defaultTags"))["tags"] == {
        "eventfork:stack": stack,
        "eventfork:project": "eventfork",
    }
    untagged = [
        r.name
        for r in p.resources
        if r.custom and taggable(r.type) and not (r.inputs.get("tags") or {}).get("eventfork:component")
    ]
    assert untagged == []
    assert all(r.provider.startswith(provider.urn) for r in p.resources if r.custom and r.type.startswith("aws:"))


def test_dev_and_prod_differ_where_they_should() -> None:
    dev, prod = plan("dev"), plan("prod")
    for name in ("buffer-table", "buffer-idempotency"):
        assert value(one(dev, "aws:dynamodb/table:Table", name), "deletionProtectionEnabled") is False
        assert value(one(prod, "aws:dynamodb/table:Table", name), "deletionProtectionEnabled") is True
    assert value(one(dev, "aws:cloudwatch/logGroup:LogGroup", "buffer-function-logs"), "retentionInDays") == 30
    assert value(one(prod, "aws:cloudwatch/logGroup:LogGroup", "buffer-function-logs"), "retentionInDays") == 365
    assert not dev.by_type("aws:opensearch/domain:Domain")
    cluster = value(one(prod, "aws:opensearch/domain:Domain", "analytics-domain"), "clusterConfig")
    assert cluster["zoneAwarenessEnabled"] is True and cluster["dedicatedMasterEnabled"] is True
    assert value(one(prod, "aws:sns/topicSubscription:TopicSubscription", "ops-email"), "protocol") == "email"
    dev_policy = json.loads((plan().project_dir / "policies/config/dev.json").read_text())
    prod_policy = json.loads((plan().project_dir / "policies/config/prod.json").read_text())
    assert dev_policy["iam-no-wildcards"] == "advisory" and prod_policy["iam-no-wildcards"] == "mandatory"
    lifecycle = one(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backup-bucket-lifecycle")
    assert value(lifecycle, "rules.0.expiration.days") == 2555
