"""Outages and slow calls in virtual time (``local/emulator/faults.py``, ``errors.py``)."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.emulator import EmulatorState, Latency, Outage, VirtualClock, emulator, sqs_backend
from tests.emulator.conftest import client, error_of

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@pytest.mark.parametrize(
    ("service", "error", "code", "status"),
    [
        # botocore model error traits: (shape or code) -> code botocore reports, HTTP status
        ("dynamodb", "ProvisionedThroughputExceededException", "ProvisionedThroughputExceededException", 400),
        ("dynamodb", "ThrottlingException", "ThrottlingException", 400),
        ("dynamodb", "InternalServerError", "InternalServerError", 500),
        ("sns", "KMSThrottlingException", "KMSThrottling", 400),
        ("sns", "KMSDisabledException", "KMSDisabled", 400),
        ("sns", "InternalErrorException", "InternalError", 500),
        ("sns", "ThrottledException", "Throttled", 429),
        ("sqs", "KmsThrottled", "KMS.ThrottlingException", 400),
        ("sqs", "RequestThrottled", "RequestThrottled", 403),
        ("sqs", "InternalError", "InternalError", 500),
        ("sqs", "ServiceUnavailable", "ServiceUnavailable", 503),
        ("firehose", "ServiceUnavailableException", "ServiceUnavailableException", 503),
    ],
)
def test_an_outage_fails_every_call_of_its_service_as_the_protocol_returns_the_error(
    aws: EmulatorState, service: str, error: str, code: str, status: int
) -> None:
    """Codes and statuses from each botocore model's error shapes (``error`` trait: ``code``,
    ``httpStatusCode``; SQS's awsQueryCompatible codes from its Smithy model); errors no model lists follow the
    AWS Common Errors pages (InternalError 500, ServiceUnavailable 503)."""
    aws.outages.append(Outage(service, None, error, start=0.0, end=10.0))
    calls = {
        "dynamodb": lambda c: c.list_tables(),
        "sns": lambda c: c.list_topics(),
        "sqs": lambda c: c.list_queues(),
        "firehose": lambda c: c.list_delivery_streams(),
    }
    failing = boto3.client(service, config=NO_RETRY)
    got_code, got_status, _ = error_of(calls[service], failing)
    assert (got_code, got_status) == (code, status)
    aws.clock.advance_to(10.0)
    calls[service](failing)  # the outage is over


def test_an_outage_of_one_operation_spares_the_others_and_ends_on_time(aws: EmulatorState) -> None:
    """Outage(service, operation, ...) covers start <= t < end of scenario time, and only that operation."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    aws.outages.append(Outage("sqs", "SendMessage", "InternalError", start=5.0, end=6.0))
    sqs.send_message(QueueUrl=url, MessageBody="before")
    aws.clock.advance_to(5.0)
    failing = boto3.client("sqs", config=NO_RETRY)
    assert error_of(failing.send_message, QueueUrl=url, MessageBody="during")[0] == "InternalError"
    failing.receive_message(QueueUrl=url)
    aws.clock.advance_to(6.0)
    failing.send_message(QueueUrl=url, MessageBody="after")
    assert aws.fault_log.failed == {"sqs:SendMessage": 1}


def test_botocore_retries_spend_virtual_time_and_outlast_a_short_outage(aws: EmulatorState) -> None:
    """botocore retries throttling errors with exponential backoff (legacy mode, DynamoDB: 10 attempts from
    50 ms, doubling); the emulator makes each backoff advance the virtual clock, so a 0.5 s throttle ends within
    the retries and costs no wall time."""
    ddb = boto3.client("dynamodb", config=Config(retries={"mode": "legacy"}))
    aws.outages.append(Outage("dynamodb", None, "ProvisionedThroughputExceededException", start=0.0, end=0.5))
    started = time.perf_counter()
    ddb.list_tables()
    assert aws.fault_log.failed["dynamodb:ListTables"] == 4  # failed at 0, 0.05, 0.15, 0.35; served at 0.75
    assert aws.clock.t == pytest.approx(0.75) and aws.fault_log.backoff_seconds == pytest.approx(0.75)
    assert time.perf_counter() - started < 1.0


def _failed_list_topics_after_a_long_outage() -> tuple[float, int]:
    with emulator(VirtualClock()) as state:
        state.outages.append(Outage("sns", "ListTopics", "InternalErrorException", start=0.0, end=7200.0))
        code, status, _ = error_of(client("sns").list_topics)
        assert (code, status) == ("InternalError", 500)
        return state.clock.t, state.fault_log.failed["sns:ListTopics"]


def test_a_long_outage_exhausts_the_retries_without_sleeping() -> None:
    """An outage longer than botocore's retries (standard mode, the default: 3 attempts, backoff up to 20 s):
    the call fails after them, in virtual time only, the same way each run."""
    started = time.perf_counter()
    spent, attempts = _failed_list_topics_after_a_long_outage()
    assert attempts == 3 and 0 < spent < 40
    assert time.perf_counter() - started < 2.0
    assert _failed_list_topics_after_a_long_outage() == (spent, attempts)


def test_latency_advances_the_clock_before_the_call_is_served(aws: EmulatorState) -> None:
    """Latency(service, operation, seconds, start, end): a covered call takes ``seconds`` of scenario time."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    aws.latencies.append(Latency("sqs", "SendMessage", 2.5, start=0.0, end=100.0))
    sqs.send_message(QueueUrl=url, MessageBody="slow")
    sqs.receive_message(QueueUrl=url)
    assert aws.clock.t == pytest.approx(2.5)
    [message] = sqs_backend().get_queue("q")._messages
    assert message.sent_timestamp == pytest.approx((aws.clock.start + 2.5) * 1000, abs=1)


def test_outages_apply_to_clients_created_before_them(aws: EmulatorState) -> None:
    """Faults are read at every call: appending one during a run affects clients that already exist."""
    ddb: Any = client("dynamodb")
    ddb.list_tables()
    aws.outages.append(Outage("dynamodb", "ListTables", "InternalServerError", start=0.0, end=1e9))
    no_retry = boto3.client("dynamodb", config=NO_RETRY)
    assert error_of(no_retry.list_tables)[:2] == ("InternalServerError", 500)
