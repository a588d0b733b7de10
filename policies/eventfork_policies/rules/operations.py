"""Operational rules beyond the design card: DLQs, retention, visibility, IAM, S3, Lambda."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from eventfork_policies.rules.data_protection import denies_plain_transport, statements

DATA_ACTION_PREFIXES = ("sqs:", "sns:", "dynamodb:", "s3:", "kms:", "firehose:", "es:", "lambda:", "secretsmanager:")


DEAD_LETTER_PATTERN = r"(^|[-_.])(dlq|dead-?letter(-?queue)?)([-_.]|$)"


def queue_redrive(
    name: str,
    props: Mapping[str, Any],
    dead_letter_pattern: str,
    redriven: bool = False,
    is_dead_letter_target: bool = False,
) -> list[str]:
    """Every queue except a dead-letter queue sends what it cannot process to a DLQ.

    A queue has a DLQ through its own ``redrivePolicy`` or an ``aws.sqs.RedrivePolicy`` resource
    (``redriven``); it is a DLQ when another queue's redrive policy targets it, or its name says so.
    """
    physical = str(props.get("name") or name)
    tags = props.get("tags") or {}
    if is_dead_letter_target or re.search(dead_letter_pattern, physical, re.IGNORECASE):
        return []
    if tags.get("eventfork:queue") == "dead-letter" or redriven or props.get("redrivePolicy"):
        return []
    return [
        f"queue '{name}' has no dead-letter queue: set redrive_policy (deadLetterTargetArn and "
        "maxReceiveCount) or add an aws.sqs.RedrivePolicy for it; if it is itself a dead-letter queue, point "
        "another queue's redrive policy at it or name it with a -dlq suffix"
    ]


def replay_retention(name: str, props: Mapping[str, Any], minimum: int, pattern: str) -> list[str]:
    tags = props.get("tags") or {}
    if tags.get("eventfork:role") != "replay" and not re.search(pattern, str(props.get("name") or name)):
        return []
    retention = int(props.get("messageRetentionSeconds") or 345600)
    if retention >= minimum:
        return []
    return [
        f"replay queue '{name}' keeps messages {retention} s: set message_retention_seconds={minimum} "
        "so events stay replayable"
    ]


def visibility_covers_function(queue: str, visibility: int, function: str, timeout: int) -> list[str]:
    if visibility >= 6 * timeout:
        return []
    return [
        f"queue '{queue}' has visibility timeout {visibility} s but triggers function '{function}' with "
        f"timeout {timeout} s: set visibility_timeout_seconds to at least {6 * timeout} (6x the timeout)"
    ]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def iam_wildcards(name: str, document: Any) -> list[str]:
    """No Allow statement with a wildcard action, nor a wildcard resource on data actions."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return [f"policy '{name}' is not valid JSON"]
    problems = []
    for statement in _as_list((document or {}).get("Statement", [])):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        sid = statement.get("Sid", "<no Sid>")
        wild = [a for a in actions if a == "*" or a.endswith(":*")]
        if wild:
            problems.append(f"policy '{name}' statement {sid} allows wildcard actions {wild}: list the actions used")
        data = [a for a in actions if a.startswith(DATA_ACTION_PREFIXES)]
        if "*" in resources and data:
            problems.append(f"policy '{name}' statement {sid} allows {data} on every resource: name the ARNs")
    return problems


def lambda_tracing(name: str, props: Mapping[str, Any]) -> list[str]:
    if (props.get("tracingConfig") or {}).get("mode") == "Active":
        return []
    return [f"function '{name}' has no active tracing: set tracing_config={{'mode': 'Active'}}"]


def async_failure_destination(name: str, props: Mapping[str, Any], has_invoke_config_destination: bool) -> list[str]:
    if (props.get("deadLetterConfig") or {}).get("targetArn") or has_invoke_config_destination:
        return []
    return [
        f"function '{name}' is invoked asynchronously but has no dead-letter queue or on-failure destination: "
        "set dead_letter_config or add an aws.lambda_.FunctionEventInvokeConfig with on_failure"
    ]


def bucket_public_access(bucket: str, blocks: list[Mapping[str, Any]]) -> list[str]:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    if any(all(block.get(flag) is True for flag in flags) for block in blocks):
        return []
    return [
        f"bucket '{bucket}' does not block public access: add an aws.s3.BucketPublicAccessBlock with "
        "block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all True"
    ]


def bucket_tls_only(bucket: str, policies: list[Any]) -> list[str]:
    if any(denies_plain_transport(statement) for statement in statements(policies)):
        return []
    return [
        f"bucket '{bucket}' accepts plain HTTP: add a bucket policy statement denying s3:* when "
        "aws:SecureTransport is false"
    ]
