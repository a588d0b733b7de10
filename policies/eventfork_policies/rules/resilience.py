"""Recovery and lifecycle: DynamoDB recovery, subscription DLQs, encrypted log groups, supported runtimes."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from eventfork_policies.rules.encryption import AWS_MANAGED_PREFIXES

# Deprecation dates of Lambda's managed runtimes ("Deprecation date" column), from
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (supported and deprecated runtimes),
# as published in February 2026. After this date AWS stops patching the runtime; creating functions
# on it is blocked about a month later and updating them about two months later.
RUNTIME_DEPRECATION = {
    "python3.14": "2029-06-30",
    "python3.13": "2029-06-30",
    "python3.12": "2028-10-31",
    "python3.11": "2026-06-30",
    "python3.10": "2026-06-30",
    "python3.9": "2025-12-15",
    "python3.8": "2024-10-14",
    "python3.7": "2023-12-04",
    "python3.6": "2022-07-18",
    "nodejs24.x": "2028-04-30",
    "nodejs22.x": "2027-04-30",
    "nodejs20.x": "2026-04-30",
    "nodejs18.x": "2025-09-01",
    "nodejs16.x": "2024-06-12",
    "nodejs14.x": "2023-12-04",
    "java25": "2029-06-30",
    "java21": "2029-06-30",
    "java17": "2026-06-30",
    "java11": "2026-06-30",
    "java8.al2": "2026-06-30",
    "java8": "2024-01-08",
    "dotnet10": "2028-11-14",
    "dotnet8": "2026-11-10",
    "dotnet6": "2024-12-20",
    "ruby3.4": "2028-03-31",
    "ruby3.3": "2026-03-31",
    "ruby3.2": "2026-03-31",
    "ruby2.7": "2023-12-07",
    "provided.al2023": "2029-06-30",
    "provided.al2": "2026-06-30",
    "provided": "2024-01-08",
    "go1.x": "2024-01-08",
}
RUNTIME_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"


def table_recovery(name: str, props: Mapping[str, Any], require_deletion_protection: bool) -> list[str]:
    """Point-in-time recovery always; deletion protection where the stack is production."""
    problems = []
    if not (props.get("pointInTimeRecovery") or {}).get("enabled"):
        problems.append(
            f"table '{name}' has no point-in-time recovery: set point_in_time_recovery={{'enabled': "
            "True} so a bad write or delete can be undone (35 days)"
        )
    if require_deletion_protection and props.get("deletionProtectionEnabled") is not True:
        problems.append(
            f"table '{name}' has no deletion protection: set deletion_protection_enabled=True "
            "(this stack's policy config requires it)"
        )
    return problems


def subscription_redrive(name: str, props: Mapping[str, Any], protocols: list[str]) -> list[str]:
    """A subscription SNS cannot deliver through keeps its messages in a DLQ instead of dropping them."""
    protocol = props.get("protocol")
    if protocol not in protocols or props.get("redrivePolicy"):
        return []
    return [
        f"subscription '{name}' ({protocol}) has no redrive policy, so messages SNS cannot deliver are dropped: "
        'set redrive_policy=\'{"deadLetterTargetArn": "<DLQ ARN>"}\' (a queue of the same type that allows the '
        "topic to send)"
    ]


def _aws_managed(key: Any) -> bool:
    return str(key).startswith(AWS_MANAGED_PREFIXES) or ":alias/aws/" in str(key)


def log_group_key(name: str, props: Mapping[str, Any], exempt_patterns: list[str]) -> list[str]:
    """Log groups are encrypted under a customer-managed key (CloudWatch's own encryption otherwise)."""
    physical = str(props.get("name") or props.get("namePrefix") or name)
    if any(re.search(pattern, physical) for pattern in exempt_patterns):
        return []
    key = props.get("kmsKeyId")
    if key and not _aws_managed(key):
        return []
    return [
        f"log group '{name}' is not encrypted with a customer-managed key: set kms_key_id to the ARN of a "
        "customer-managed key whose policy allows logs.<region>.amazonaws.com kms:Encrypt*, kms:Decrypt*, "
        "kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe* with a Condition ArnLike "
        "kms:EncryptionContext:aws:logs:arn on this account's log groups"
    ]


def runtime_support(
    name: str, props: Mapping[str, Any], today: datetime.date, warn_days: int, exempt_runtimes: list[str]
) -> list[str]:
    """A function's runtime is not deprecated, nor deprecated within ``warn_days`` of ``today``."""
    runtime = props.get("runtime")
    if not runtime or props.get("packageType") == "Image" or runtime in exempt_runtimes:
        return []
    deprecation = RUNTIME_DEPRECATION.get(str(runtime))
    if deprecation is None:
        return []
    newest = _newest_of_family(str(runtime))
    date = datetime.date.fromisoformat(deprecation)
    if date <= today:
        return [
            f"function '{name}' uses runtime {runtime}, deprecated by AWS Lambda on {deprecation} (no more "
            f"security patches; creating and then updating such functions is blocked): set runtime='{newest}' "
            f"(see {RUNTIME_SOURCE})"
        ]
    if (date - today).days <= warn_days:
        return [
            f"function '{name}' uses runtime {runtime}, which AWS Lambda deprecates on {deprecation}, within "
            f"{warn_days} days: set runtime='{newest}' (see {RUNTIME_SOURCE})"
        ]
    return []


def _newest_of_family(runtime: str) -> str:
    family = re.match(r"[a-z]+", runtime)
    prefix = family.group(0) if family else runtime
    candidates = [r for r, d in RUNTIME_DEPRECATION.items() if r.startswith(prefix)]
    newest = max(candidates, key=lambda r: (RUNTIME_DEPRECATION[r], r))
    return newest if RUNTIME_DEPRECATION[newest] > "2026" else "provided.al2023"
