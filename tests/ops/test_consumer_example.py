"""The example consumer stack reads this project's outputs by StackReference and consumes the primary queue."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from local.capture import Capture, capture
from local.check.runner import check_project
from tests.infra.plans import ROOT, one, plan, value

CONSUMER = ROOT / "examples" / "consumer"


def consumer(producer: dict[str, Any]) -> Capture:
    return capture(CONSUMER, "dev", stack_outputs={"eventfork/dev": producer})


def test_consumer_attaches_its_function_to_the_producers_primary_queue() -> None:
    producer = plan("dev").outputs
    c = consumer(producer)
    esm = one(c, "aws:lambda/eventSourceMapping:EventSourceMapping", "primary")
    function = one(c, "aws:lambda/function:Function", "consumer")
    assert value(esm, "eventSourceArn") == producer["primaryQueueArn"]
    assert value(esm, "functionName") == function.outputs["arn"]
    assert value(esm, "batchSize") == 10 and value(esm, "functionResponseTypes") == ["ReportBatchItemFailures"]
    assert value(function, "tracingConfig.mode") == "Active"
    assert c.outputs["consumedQueueArn"] == producer["primaryQueueArn"]


def test_consumer_follows_whatever_queue_the_producer_exports() -> None:
    other = {**plan("dev").outputs, "primaryQueueArn": "arn:aws:sqs:us-east-1:123456789012:someone-else.fifo"}
    esm = one(consumer(other), "aws:lambda/eventSourceMapping:EventSourceMapping", "primary")
    assert value(esm, "eventSourceArn") == other["primaryQueueArn"]


def test_consumer_role_is_least_privilege_on_the_producers_queue_and_key() -> None:
    producer = plan("dev").outputs
    c = consumer(producer)
    statements = {
        s["Sid"]: s for s in json.loads(value(one(c, "aws:iam/rolePolicy:RolePolicy", "policy"), "policy"))["Statement"]
    }
    assert statements["Consume"]["Resource"] == producer["primaryQueueArn"]
    assert sorted(statements["Consume"]["Action"]) == [
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
    ]
    assert statements["Decrypt"] == {
        "Sid": "Decrypt",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": producer["fanoutKmsKeyArn"],
    }
    wildcard = [s for s in statements.values() if s["Resource"] == "*"]
    assert [s["Sid"] for s in wildcard] == ["Tracing"]  # X-Ray takes no resource ARN
    assume = json.loads(value(one(c, "aws:iam/role:Role", "role"), "assumeRolePolicy"))["Statement"]
    assert assume == [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]


def test_primary_queue_visibility_covers_six_consumer_timeouts() -> None:
    timeout = value(one(consumer(plan("dev").outputs), "aws:lambda/function:Function", "consumer"), "timeout")
    primary = one(plan("dev"), "aws:sqs/queue:Queue", "fanout-primary")
    assert value(primary, "visibilityTimeoutSeconds") >= 6 * timeout


def test_reference_resolves_offline_from_this_projects_own_plan() -> None:
    esm = one(capture(CONSUMER, "dev"), "aws:lambda/eventSourceMapping:EventSourceMapping", "primary")
    assert value(esm, "eventSourceArn") == plan("dev").outputs["primaryQueueArn"]


def test_consumer_passes_the_policy_check_with_every_rule_mandatory() -> None:
    policies = json.loads((CONSUMER / "policies/config/dev.json").read_text())
    assert {p if isinstance(p, str) else p["enforcementLevel"] for p in policies.values()} == {"mandatory"}
    result = check_project(CONSUMER, "dev")
    assert result.resources >= 5 and result.violations == []
    done = subprocess.run(
        [sys.executable, "-m", "local", "check", "--project", str(CONSUMER), "--stack", "dev", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["violations"] == []


def test_consumer_handler_reports_only_unreadable_records_as_failed() -> None:
    from local.simulate.invokers import load_module

    app = load_module(CONSUMER / "handler", "app", "eventfork_consumer_example_app")
    good = {"messageId": "m1", "body": json.dumps({"eventId": "e1", "groupId": "user-1", "payload": {}})}
    bad = {"messageId": "m2", "body": "not json"}
    assert app.lambda_handler({"Records": [good, bad]}, None) == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
