"""The example consumer stack reads this project's outputs by StackReference."""

from __future__ import annotations

import json

from local.capture import capture
from local.check import check_project
from tests.infra.plans import ROOT, one, plan, value

CONSUMER = ROOT / "examples" / "consumer"


def test_consumer_attaches_its_function_to_the_producers_primary_queue() -> None:
    consumer = capture(CONSUMER, "dev")  # resolves eventfork/dev from this project's own plan
    producer = plan("dev").outputs
    esm = one(consumer, "aws:lambda/eventSourceMapping:EventSourceMapping", "primary")
    assert value(esm, "eventSourceArn") == producer["primaryQueueArn"]
    assert value(esm, "functionResponseTypes") == ["ReportBatchItemFailures"]
    statements = json.loads(value(one(consumer, "aws:iam/rolePolicy:RolePolicy", "policy"), "policy"))["Statement"]
    assert statements[0]["Resource"] == producer["primaryQueueArn"]
    assert statements[1]["Resource"] == producer["fanoutKmsKeyArn"]
    timeout = value(one(consumer, "aws:lambda/function:Function", "consumer"), "timeout")
    primary = one(plan("dev"), "aws:sqs/queue:Queue", "fanout-primary")
    assert value(primary, "visibilityTimeoutSeconds") >= 6 * timeout


def test_consumer_passes_the_policy_check_with_every_rule_mandatory() -> None:
    result = check_project(CONSUMER, "dev")
    assert result.resources >= 5 and result.violations == []
