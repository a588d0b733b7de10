"""Conformance tests: each rule of ``local/emulator/`` against the AWS documentation it cites."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.emulator import EmulatorState, VirtualClock, emulator


@pytest.fixture
def aws() -> Iterator[EmulatorState]:
    with emulator(VirtualClock()) as state:
        yield state


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, int, str]:
    """(code, HTTP status, message) of the ClientError ``call`` raises, as botocore reports it."""
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def fifo_queue(sqs: Any, name: str = "q.fifo", **attributes: str) -> str:
    return str(sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"])


def client(service: str) -> Any:
    return boto3.client(service)
