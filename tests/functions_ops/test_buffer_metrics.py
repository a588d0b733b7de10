"""The buffer's Lambda entry point: built from its environment, emits EMF metrics and JSON logs."""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

import pytest

from local.invokers import load_module
from tests.buffer.conftest import BUFFER_DIR, BufferWorld


class Context:
    function_name = "eventfork-dev-buffer"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:eventfork-dev-buffer"
    aws_request_id = "req-1"


def test_lambda_handler_delivers_and_emits_outcome_metrics(world: BufferWorld, capsys: pytest.CaptureFixture) -> None:
    s = world.settings
    env = {"BUFFER_TABLE": s.group_table, "IDEMPOTENCY_TABLE": s.event_table, "TOPIC_ARN": s.topic_arn,
           "TOPIC_FIFO": "true", "SOURCE_QUEUE_URL": s.source_queue_url, "DLQ_URL": s.dlq_url,
           "INTERVAL_SECONDS": "60", "MAX_ATTEMPTS": "3", "POWERTOOLS_SERVICE_NAME": "eventfork-dev-buffer",
           "POWERTOOLS_METRICS_NAMESPACE": "eventfork", "POWERTOOLS_METRICS_DISABLED": "false",
           "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "INFO"}
    with mock.patch.dict(os.environ, env):
        app = load_module(BUFFER_DIR, "app", "eventfork_test_buffer_app")
        world.send("user-1", "e1", {"consent": "yes"})
        world.send("user-1", "e1-old", {"consent": "no"}, occurred_at=-5.0)
        world.send("user-2", "bad", None, raw="not json")
        capsys.readouterr()
        response = app.lambda_handler(world.receive_event(), Context())
    assert response == {"batchItemFailures": []}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emf: dict[str, Any] = next(line for line in lines if "_aws" in line)
    metrics = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"delivered", "stale", "dead_lettered"} <= metrics
    assert emf["delivered"] == [1.0] and emf["stale"] == [1.0] and emf["dead_lettered"] == [1.0]
    assert emf["service"] == "eventfork-dev-buffer"
    logged = [line for line in lines if line.get("message") in ("suppressed", "dead-lettered")]
    assert {(line["message"], line.get("eventId")) for line in logged} == {("suppressed", "e1-old"),
                                                                           ("dead-lettered", "bad")}
