"""Lambda entry point of the buffer function (SQS FIFO event source, ReportBatchItemFailures)."""

from __future__ import annotations

import os
from typing import Any

from aws_edge import AwsEdge
from aws_lambda_powertools import Logger, Metrics, Tracer
from batch_result import BatchResult
from processor import BufferFunction
from settings import BufferSettings

logger = Logger()
metrics = Metrics()
tracer = Tracer()
_function: BufferFunction | None = None
# The SNS client's own time limit, set explicitly: a publish attempt waits at most 2 s to connect
# and 5 s for an answer, and is tried 3 times in all (botocore's standard retry mode). A publish
# that completes after the buffer's recording margin is recorded again with the instant it completed.
SNS_CLIENT_CONFIG = {"connect_timeout": 2, "read_timeout": 5, "retries": {"max_attempts": 3, "mode": "standard"}}


def build(env: dict[str, str] | None = None) -> BufferFunction:
    """Create the processor and its AWS edge with clients for this region; no AWS call is made here."""
    import boto3
    from botocore.config import Config

    settings = BufferSettings.from_env(dict(os.environ if env is None else env))
    session = boto3.session.Session()
    edge = AwsEdge(
        sqs=session.client("sqs"),
        sns=session.client("sns", config=Config(**SNS_CLIENT_CONFIG)),
        dynamodb=session.client("dynamodb"),
        settings=settings,
    )
    return BufferFunction(edge=edge, settings=settings, logger=logger, metrics=metrics)


def process(event: dict[str, Any]) -> BatchResult:
    global _function
    if _function is None:
        _function = build()
    return _function.handle(event)


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = process(event)
    result.raise_for_dependency_failures()
    return result.response
