"""OpenSearch domains (logs, fine-grained access control) and S3 buckets holding events (access logs, Object Lock)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REQUIRED_DOMAIN_LOGS = ("AUDIT_LOGS", "ES_APPLICATION_LOGS")


def domain_logs(name: str, props: Mapping[str, Any], required: list[str]) -> list[str]:
    """The domain publishes its audit and error (application) logs to CloudWatch Logs."""
    published = {
        str(option.get("logType"))
        for option in props.get("logPublishingOptions") or []
        if option.get("enabled", True) and option.get("cloudwatchLogGroupArn")
    }
    missing = [log for log in required if log not in published]
    if not missing:
        return []
    return [
        f"search domain '{name}' does not publish {', '.join(missing)}: add log_publishing_options entries "
        "{'log_type': <type>, 'cloudwatch_log_group_arn': <log group ARN>} for each, with an "
        "aws.cloudwatch.LogResourcePolicy letting es.amazonaws.com write to those groups (AUDIT_LOGS also needs "
        "advanced_security_options enabled)"
    ]


def domain_fine_grained_access(name: str, props: Mapping[str, Any]) -> list[str]:
    """Fine-grained access control on, anonymous access off."""
    security = props.get("advancedSecurityOptions") or {}
    if security.get("enabled") and not security.get("anonymousAuthEnabled"):
        return []
    return [
        f"search domain '{name}' has no fine-grained access control: set advanced_security_options={{'enabled': "
        "True, 'anonymous_auth_enabled': False, 'internal_user_database_enabled': False, 'master_user_options': "
        "{'master_user_arn': <IAM role ARN>}} (needs encrypt_at_rest, node_to_node_encryption and enforce_https)"
    ]


def bucket_access_logging(
    bucket: str, logged: bool, is_log_target: bool, physical: str, exempt_patterns: list[str]
) -> list[str]:
    """A bucket records its requests (server access logs); the bucket receiving the logs is exempt."""
    if logged or is_log_target or any(re.search(pattern, physical) for pattern in exempt_patterns):
        return []
    return [
        f"bucket '{bucket}' has no server access logging: add an aws.s3.BucketLogging with target_bucket set to "
        "a log bucket (SSE-S3 encrypted: log delivery cannot use SSE-KMS) and a target_prefix, or list the "
        "bucket in this policy's exemptNamePatterns"
    ]


def holds_evidence(physical: str, tags: Mapping[str, Any], patterns: list[str], tag_values: list[str]) -> bool:
    """A bucket whose name or tags say it keeps records that must not change (backups, audit, consent)."""
    return any(re.search(pattern, physical, re.IGNORECASE) for pattern in patterns) or any(
        str(value) in tag_values for value in tags.values()
    )


def bucket_object_lock(bucket: str, props: Mapping[str, Any], has_lock_configuration: bool) -> list[str]:
    """Object Lock offered where immutable evidence is kept (advisory: it conflicts with deleting old versions)."""
    enabled = (
        props.get("objectLockEnabled")
        or (props.get("objectLockConfiguration") or {}).get("objectLockEnabled") == "Enabled"
    )
    if enabled or has_lock_configuration:
        return []
    return [
        f"bucket '{bucket}' keeps records that may serve as evidence but has no Object Lock: create it with "
        "object_lock_enabled=True and add an aws.s3.BucketObjectLockConfiguration with a default retention "
        "(COMPLIANCE mode) so stored events cannot be changed or deleted before it ends"
    ]
