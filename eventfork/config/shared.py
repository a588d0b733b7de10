"""What several config sections share: ARN patterns, value choices and the pipelines' common settings.

Kept apart so each section's module (``backup``, ``analytics``, ``replay``, ``fanout``) states only its
own keys, and a pattern or a common setting is defined once.
"""

from __future__ import annotations

from typing import Any

from eventfork.config.schema import Rule, setting

COMPRESSION = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
FILTER_SCOPES = ("MessageAttributes", "MessageBody")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ARN = r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+"
LAMBDA_ARN = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?"
SQS_ARN = r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?"
KMS_ARN = r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+"


def filter_policy_setting() -> Any:
    """A pipeline's SNS subscription filter policy."""
    return setting(
        None, Rule("dict", nullable=True, doc="SNS subscription filter policy (an object); default: every event")
    )


def filter_scope_setting() -> Any:
    """What a pipeline's filter policy matches against."""
    return setting(
        "MessageAttributes", Rule("str", choices=FILTER_SCOPES, doc="what the filter policy matches against")
    )


def log_level_setting() -> Any:
    """The log level of a pipeline's functions."""
    return setting("INFO", Rule("str", choices=LOG_LEVELS, doc="log level of the pipeline's functions"))


def transform_arn_setting() -> Any:
    """A Firehose pipeline's own transformation function, instead of the built-in one."""
    return setting(
        None,
        Rule("str", pattern=LAMBDA_ARN, nullable=True, doc="your own Firehose transformation function (ARN)"),
    )


def access_logging_setting(bucket: str) -> Any:
    """Server access logging of a pipeline's bucket (``bucket`` says which one)."""
    return setting(
        True, Rule("bool", doc=f"S3 server access logs of {bucket}, kept in an SSE-S3 log bucket of its own")
    )


def access_log_retention_setting() -> Any:
    """How long a pipeline's access logs are kept."""
    return setting(365, Rule("int", 1, 36500, doc="days before an access log expires (its data goes 30 days later)"))
