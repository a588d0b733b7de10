"""Lambda's SQS event source (``local/emulator/lambda_sqs.py``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.emulator import EmulatorState, Outage, sqs_backend
from local.emulator.lambda_sqs import Poller, failed_ids
from tests.emulator.conftest import client, fifo_queue

EVENT_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html"
ERRORS_DOC = "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html"
ARN = "arn:aws:sqs:us-east-1:123456789012:q.fifo"


@dataclass
class _Function:
    name: str = "f"
    timeout: int = 30


@dataclass
class _Mapping:
    queue_name: str = "q.fifo"
    batch_size: int = 10
    function: _Function = field(default_factory=_Function)
    function_response_types: list[str] = field(default_factory=lambda: ["ReportBatchItemFailures"])


class _Handler:
    def __init__(self, respond: Any) -> None:
        self.respond, self.events = respond, []

    def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        return self.respond(event)


def _queue(sqs: Any, *groups: str) -> str:
    url = fifo_queue(sqs, VisibilityTimeout="30")
    for i, group in enumerate(groups):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId=group, MessageDeduplicationId=f"m{i}")
    return url


def _left() -> list[str]:
    return [m.body for m in sqs_backend().get_queue("q.fifo")._messages]


def test_the_event_carries_binary_attributes_as_base64_text(aws: EmulatorState) -> None:
    """Lambda SQS event (EVENT_DOC): messageAttributes entries have stringValue, binaryValue (base64-encoded
    text), stringListValues, binaryListValues and dataType."""
    sqs = client("sqs")
    url = fifo_queue(sqs)
    sqs.send_message(
        QueueUrl=url,
        MessageBody="x",
        MessageGroupId="g",
        MessageDeduplicationId="d",
        MessageAttributes={
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
            "s": {"DataType": "String", "StringValue": "v"},
        },
    )
    function = _Handler(lambda _e: None)
    Poller(_Mapping(), function, aws).poll(ARN)
    [record] = function.events[0]["Records"]
    assert record["messageAttributes"]["b"] == {
        "stringValue": None,
        "binaryValue": base64.b64encode(b"\x00\xff").decode(),
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "Binary",
    }
    assert record["messageAttributes"]["s"]["stringValue"] == "v"
    assert record["attributes"]["MessageGroupId"] == "g" and record["eventSourceARN"] == ARN
    assert _left() == []


@pytest.mark.parametrize(
    ("response", "left"),
    [
        (None, []),
        ({}, []),
        ({"batchItemFailures": []}, []),
        ({"batchItemFailures": None}, []),
        ({"batchItemFailures": [{"itemIdentifier": "SECOND"}]}, ["m1"]),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, ["m0", "m1"]),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, ["m0", "m1"]),
        ({"batchItemFailures": [{"messageId": "SECOND"}]}, ["m0", "m1"]),
        ({"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}, ["m0", "m1"]),
        ("not an object", ["m0", "m1"]),
    ],
)
def test_partial_batch_responses_as_lambda_documents(aws: EmulatorState, response: Any, left: list[str]) -> None:
    """Lambda partial batch responses (ERRORS_DOC): a complete success for an empty or null response or
    batchItemFailures; a complete failure for an invalid response, an empty or null itemIdentifier, a bad key
    name, or a message ID not in the batch; otherwise only the listed records stay."""
    sqs = client("sqs")
    _queue(sqs, "a", "b")

    def respond(event: dict[str, Any]) -> Any:
        second = event["Records"][1]["messageId"]
        if isinstance(response, dict) and response.get("batchItemFailures"):
            return {
                "batchItemFailures": [
                    {k: (second if v == "SECOND" else v) for k, v in f.items()} for f in response["batchItemFailures"]
                ]
            }
        return response

    Poller(_Mapping(), _Handler(respond), aws).poll(ARN)
    assert _left() == left


def test_without_report_batch_item_failures_any_response_is_success() -> None:
    """Lambda (ERRORS_DOC): partial batch responses apply only with FunctionResponseTypes
    ReportBatchItemFailures; otherwise a returned response is a success for the whole batch."""
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "x"}]}, ["x"], report_item_failures=False) == set()


def test_an_error_or_a_timeout_returns_the_whole_batch(aws: EmulatorState) -> None:
    """Lambda (ERRORS_DOC): "When your Lambda function encounters an error while processing a batch, all
    messages in that batch become visible in the queue again"; a run longer than the function's timeout is an
    error too."""
    sqs = client("sqs")
    _queue(sqs, "a", "b")

    def fail(_event: dict[str, Any]) -> Any:
        raise RuntimeError("boom")

    poller = Poller(_Mapping(), _Handler(fail), aws)
    poller.poll(ARN)
    assert _left() == ["m0", "m1"] and "RuntimeError" in poller.errors[0]

    def slow(_event: dict[str, Any]) -> Any:
        aws.clock.advance(31.0)
        return None

    aws.clock.advance_to(40.0)
    slow_poller = Poller(_Mapping(), _Handler(slow), aws)
    slow_poller.poll(ARN)
    assert slow_poller.timeouts == 1 and _left() == ["m0", "m1"]


def test_a_late_delete_on_fifo_fails_and_the_message_returns(aws: EmulatorState) -> None:
    """SQS FIFO (botocore SQS model, ReceiveRequestAttemptId): a delete after the visibility timeout fails;
    the message is received again."""
    sqs = client("sqs")
    _queue(sqs, "a")

    def slow(_event: dict[str, Any]) -> Any:
        aws.clock.advance(31.0)
        return None

    poller = Poller(_Mapping(function=_Function(timeout=60)), _Handler(slow), aws)
    poller.poll(ARN)
    assert _left() == ["m0"] and "expired" in poller.errors[0]


def test_an_sqs_outage_stops_polling(aws: EmulatorState) -> None:
    """An Outage of SQS ReceiveMessage: the event source cannot receive, so nothing is invoked."""
    sqs = client("sqs")
    _queue(sqs, "a")
    aws.outages.append(Outage("sqs", "ReceiveMessage", "InternalError", start=0.0, end=10.0))
    function = _Handler(lambda _e: None)
    assert Poller(_Mapping(), function, aws).poll(ARN) is False and function.events == []
