"""The buffer's Lambda entry point, run with the environment the plan gives it, against moto.

Resources are created in moto under the names the plan declares, so a renamed environment
variable or resource breaks this test, not a deployment. Asserts the embedded-metric-format
lines the dashboard and alarms rely on, and the structured logs of suppressed and dead-lettered
events.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from aws_lambda_powertools.metrics.provider import cold_start
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from local.emulator.dynamodb import batch_execute_statement
from local.simulate.invokers import load_module
from tests.infra.plans import ROOT, one, plan, value

FIFO = {"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}


class Context:
    """The parts of a Lambda context that Logger and Metrics read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.aws_request_id = "req-1"


def _environment() -> dict[str, str]:
    function = one(plan("dev"), "aws:lambda/function:Function", "buffer-function")
    assert value(function, "tracingConfig.mode") == "Active"
    return dict(value(function, "environment.variables"))


@pytest.fixture
def buffer_env() -> Iterator[dict[str, Any]]:
    """moto holding the dev plan's buffer queue, DLQ, topic (with a subscriber) and tables."""
    env = _environment()
    fake = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    # moto's PartiQL does not evaluate WHERE conditions; the emulator's batch writes do.
    partiql = mock.patch.object(DynamoDBBackend, "batch_execute_statement", batch_execute_statement)
    with mock.patch.dict(os.environ, {**fake, **env, "POWERTOOLS_TRACE_DISABLED": "true"}), mock_aws(), partiql:
        sqs, sns, ddb = (boto3.client(s) for s in ("sqs", "sns", "dynamodb"))
        for url in (env["SOURCE_QUEUE_URL"], env["DLQ_URL"]):
            assert sqs.create_queue(QueueName=url.rsplit("/", 1)[-1], Attributes=FIFO)["QueueUrl"] == url
        topic_name = env["TOPIC_ARN"].rsplit(":", 1)[-1]
        assert sns.create_topic(Name=topic_name, Attributes={"FifoTopic": "true"})["TopicArn"] == env["TOPIC_ARN"]
        down = sqs.create_queue(QueueName="downstream.fifo", Attributes=FIFO)["QueueUrl"]
        down_arn = sqs.get_queue_attributes(QueueUrl=down, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(
            TopicArn=env["TOPIC_ARN"], Protocol="sqs", Endpoint=down_arn, Attributes={"RawMessageDelivery": "true"}
        )
        for table in plan("dev").by_type("aws:dynamodb/table:Table"):
            key = value(table, "hashKey")
            ddb.create_table(
                TableName=value(table, "name"),
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            )
        assert env["BUFFER_TABLE"] in ddb.list_tables()["TableNames"]
        yield {"sqs": sqs, "env": env, "downstream": down}


def _send(sqs: Any, url: str, group: str, event_id: str, body: str, occurred_at: float | None = None) -> None:
    attributes = {} if occurred_at is None else {"occurredAt": {"DataType": "Number", "StringValue": str(occurred_at)}}
    sqs.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageGroupId=group,
        MessageDeduplicationId=event_id,
        MessageAttributes=attributes,
    )


def _event(sqs: Any, url: str) -> dict[str, Any]:
    """The SQS event an event source mapping would hand the function, from a real receive."""
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", [])
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "eventSource": "aws:sqs",
                "messageAttributes": {
                    k: {"stringValue": v.get("StringValue"), "dataType": v["DataType"]}
                    for k, v in m.get("MessageAttributes", {}).items()
                },
            }
            for m in messages
        ]
    }


def _settle(sqs: Any, url: str, event: dict[str, Any], response: dict[str, Any]) -> None:
    """Delete what the function did not report failed: the event source mapping's part."""
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    entries = [
        {"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
        for i, r in enumerate(event["Records"])
        if r["messageId"] not in failed
    ]
    sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _outcomes(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The EMF document with the buffer's outcome metrics (namespace eventfork, dimension service)."""
    [emf] = [line for line in lines if "_aws" in line and "ColdStart" not in line]
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "eventfork" and directive["Dimensions"] == [["service"]]
    return {m["Name"]: emf[m["Name"]] for m in directive["Metrics"]} | {"service": emf["service"]}


def test_handler_emits_one_metric_per_outcome_and_logs_suppressed_and_dead_lettered(
    buffer_env: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, env = buffer_env["sqs"], buffer_env["env"]
    url, service = env["SOURCE_QUEUE_URL"], env["POWERTOOLS_SERVICE_NAME"]
    cold_start.reset_cold_start_flag()
    app = load_module(ROOT / "functions" / "buffer", "app", "eventfork_ops_buffer_app")
    app.metrics.clear_metrics()  # Powertools shares metrics per namespace: start from none
    _send(sqs, url, "user-1", "e1", json.dumps({"consent": "yes"}))
    _send(sqs, url, "user-1", "e1-old", json.dumps({"consent": "no"}), occurred_at=-5.0)
    _send(sqs, url, "user-2", "bad", "not json")
    _send(sqs, url, "user-3", "e3", json.dumps({"n": 1}))
    _send(sqs, url, "user-3", "e4", json.dumps({"n": 2}))
    event = _event(sqs, url)
    capsys.readouterr()

    response = app.lambda_handler(event, Context(service))

    delayed = [r["messageId"] for r in event["Records"] if r["attributes"]["MessageDeduplicationId"] == "e4"]
    assert response == {"batchItemFailures": [{"itemIdentifier": delayed[0]}]}
    lines = _lines(capsys.readouterr().out)
    assert _outcomes(lines) == {
        "delivered": [2.0],
        "delayed": [1.0],
        "stale": [1.0],
        "dead_lettered": [1.0],
        "service": service,
    }
    [cold] = [line for line in lines if "ColdStart" in line]
    assert cold["ColdStart"] == [1.0] and cold["function_name"] == service
    logged = {
        (line["message"], line.get("eventId"), line.get("kind"))
        for line in lines
        if line.get("message") in ("suppressed", "dead-lettered")
    }
    assert logged == {("suppressed", "e1-old", "stale"), ("dead-lettered", "bad", None)}
    assert all(line["service"] == service for line in lines if "message" in line)
    delivered = sqs.receive_message(QueueUrl=buffer_env["downstream"], MaxNumberOfMessages=10)["Messages"]
    assert sorted(json.loads(m["Body"])["eventId"] for m in delivered) == ["e1", "e3"]

    _settle(sqs, url, event, response)

    # A retransmission of e1 (a new SQS message, the same event id) is suppressed as a duplicate.
    _send(sqs, url, "user-1", "e1-again", json.dumps({"consent": "yes"}))
    retry = _event(sqs, url)
    for record in retry["Records"]:
        record["attributes"]["MessageDeduplicationId"] = "e1"
    capsys.readouterr()
    assert app.lambda_handler(retry, Context(service)) == {"batchItemFailures": []}
    lines = _lines(capsys.readouterr().out)
    assert _outcomes(lines) == {"duplicate": [1.0], "service": service}
    assert not [line for line in lines if "ColdStart" in line]
    assert [(line["kind"], line["eventId"]) for line in lines if line.get("message") == "suppressed"] == [
        ("duplicate", "e1")
    ]
