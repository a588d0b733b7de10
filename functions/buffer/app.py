"""Lambda entry point of the buffer function (SQS FIFO event source, ReportBatchItemFailures)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from buffer_processor import BatchResult, BufferFunction, BufferSettings

logger = Logger()
metrics = Metrics()
tracer = Tracer()
_function: BufferFunction | None = None


def build(env: dict[str, str] | None = None) -> BufferFunction:
    """Create the processor with clients for this region; no AWS call is made here."""
    import boto3

    settings = BufferSettings.from_env(dict(os.environ if env is None else env))
    session = boto3.session.Session()
    return BufferFunction(
        sqs=session.client("sqs"),
        sns=session.client("sns"),
        dynamodb=session.client("dynamodb"),
        settings=settings,
        logger=logger,
        metrics=metrics,
    )


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
