"""Replay pipeline as the engine receives it: archive queue, mapping off unless active, destination."""

from __future__ import annotations

import json

import pytest

from local.capture import Capture
from tests.infra.plans import assert_declares_nothing, assert_parented, assert_subscribed, children, one, plan, value

REPLAY = "eventfork:pipelines:ReplayPipeline"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
OTHER_QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"
OTHER_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def replay(settings: dict, stack: str = "dev") -> Capture:
    return plan(stack, overrides={"eventfork:replay": settings})


def send_statements(p: Capture) -> dict[str, dict]:
    document = json.loads(value(one(p, "aws:iam/rolePolicy:RolePolicy", "replay-function-policy"), "policy"))
    return {s["Sid"]: s for s in document["Statement"]}


def test_the_component_and_every_child_hang_together() -> None:
    p = plan()
    [component] = p.by_type(REPLAY)
    assert component.name == "replay" and component.parent.endswith("pulumi:pulumi:Stack::eventfork-dev")
    assert_parented(p, REPLAY, "replay-")


def test_replay_queue_keeps_14_days_under_the_cmk_and_only_the_topic_writes() -> None:
    p = plan()
    sub = assert_subscribed(p, "replay", "eventfork-dev-replay")
    assert "filterPolicy" not in sub.inputs
    queue = one(p, QUEUE, "replay-queue")
    assert value(queue, "messageRetentionSeconds") == 1209600
    assert value(queue, "visibilityTimeoutSeconds") == 6 * value(one(p, FUNCTION, "replay-function"), "timeout") == 180
    assert (p.outputs["replayQueueUrl"], p.outputs["replayQueueArn"]) == (queue.outputs["url"], queue.outputs["arn"])


def test_mapping_exists_but_is_disabled_by_default() -> None:
    p = plan()
    esm = one(p, ESM, "replay-function-events")
    assert value(esm, "enabled") is False
    assert value(esm, "eventSourceArn") == one(p, QUEUE, "replay-queue").outputs["arn"]
    assert value(esm, "functionName") == one(p, FUNCTION, "replay-function").outputs["arn"]
    assert (value(esm, "batchSize"), value(esm, "functionResponseTypes")) == (10, ["ReportBatchItemFailures"])
    assert p.outputs["replayActive"] is False


def test_active_switches_the_mapping_on_and_changes_nothing_else() -> None:
    off, on = plan(), replay({"active": True})
    assert value(one(on, ESM, "replay-function-events"), "enabled") is True and on.outputs["replayActive"] is True
    before = {r.urn: r.inputs for r in children(off, REPLAY)}
    after = {r.urn: r.inputs for r in children(on, REPLAY)}
    assert before.keys() == after.keys()
    changed = [urn.split("::")[-1] for urn in before if before[urn] != after[urn]]
    assert changed == ["replay-function-events"]


def test_default_destination_is_the_primary_queue_and_only_it() -> None:
    p = plan()
    fn = one(p, FUNCTION, "replay-function")
    assert value(fn, "name") == "eventfork-dev-replay" == p.outputs["replayFunctionName"]
    assert value(fn, "environment.variables.DESTINATION_QUEUE_URL") == p.outputs["primaryQueueUrl"]
    assert value(fn, "environment.variables.POWERTOOLS_LOG_LEVEL") == "INFO"
    found = send_statements(p)
    assert found["SendToDestination"]["Action"] == ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    assert found["SendToDestination"]["Resource"] == p.outputs["primaryQueueArn"]
    assert found["EncryptForDestination"]["Resource"] == p.outputs["fanoutKmsKeyArn"]
    assert found["ConsumeQueue"]["Resource"] == p.outputs["replayQueueArn"]
    assert p.outputs["replayDestinationQueueUrl"] == p.outputs["primaryQueueUrl"]


def test_ecommerce_replays_into_the_checkout_queue() -> None:
    p = plan("ecommerce")
    checkout = "https://sqs.us-east-1.amazonaws.com/123456789012/ecommerce-checkout.fifo"
    assert p.outputs["primaryQueueUrl"] == checkout
    assert value(one(p, FUNCTION, "replay-function"), "environment.variables.DESTINATION_QUEUE_URL") == checkout
    assert send_statements(p)["SendToDestination"]["Resource"].endswith(":ecommerce-checkout.fifo")
    assert value(one(p, ESM, "replay-function-events"), "enabled") is False


def test_destination_by_arn_and_url_with_its_key() -> None:
    p = replay(
        {"destinationQueueArn": OTHER_QUEUE, "destinationQueueUrl": OTHER_URL, "destinationKmsKeyArn": OTHER_KEY}
    )
    assert value(one(p, FUNCTION, "replay-function"), "environment.variables.DESTINATION_QUEUE_URL") == OTHER_URL
    found = send_statements(p)
    assert found["SendToDestination"]["Resource"] == OTHER_QUEUE
    assert found["EncryptForDestination"]["Resource"] == OTHER_KEY


def test_destination_by_name_in_this_account_and_region() -> None:
    p = replay({"destinationQueueName": "orders.fifo"})
    assert value(one(p, FUNCTION, "replay-function"), "environment.variables.DESTINATION_QUEUE_URL") == OTHER_URL
    assert send_statements(p)["SendToDestination"]["Resource"] == OTHER_QUEUE


@pytest.mark.parametrize("retention", [60, 3600, 1209600])
def test_retention(retention: int) -> None:
    queue = one(replay({"retentionSeconds": retention}), QUEUE, "replay-queue")
    assert value(queue, "messageRetentionSeconds") == retention


def test_batch_size_timeout_filter_and_log_level() -> None:
    p = replay(
        {
            "batchSize": 5,
            "functionTimeoutSeconds": 60,
            "filterPolicy": {"kind": ["order"]},
            "filterPolicyScope": "MessageBody",
            "logLevel": "ERROR",
        }
    )
    assert value(one(p, ESM, "replay-function-events"), "batchSize") == 5
    assert value(one(p, FUNCTION, "replay-function"), "timeout") == 60
    assert value(one(p, QUEUE, "replay-queue"), "visibilityTimeoutSeconds") == 360
    sub = one(p, "aws:sns/topicSubscription:TopicSubscription", "replay-queue-subscription")
    assert (value(sub, "filterPolicy"), value(sub, "filterPolicyScope")) == ('{"kind": ["order"]}', "MessageBody")
    assert value(one(p, FUNCTION, "replay-function"), "environment.variables.POWERTOOLS_LOG_LEVEL") == "ERROR"


def test_disabled_replay_declares_nothing() -> None:
    p = replay({"enabled": False})
    assert_declares_nothing(p, REPLAY, "replay-")
    assert not [k for k in p.outputs if k.startswith("replay")]
