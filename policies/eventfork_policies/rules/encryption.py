"""Customer-managed KMS keys on every data store, and key rotation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AWS_MANAGED_PREFIXES = ("alias/aws/", "aws/")


def _aws_managed(key: Any) -> bool:
    text = str(key)
    return text.startswith(AWS_MANAGED_PREFIXES) or ":alias/aws/" in text


def _cmk_problem(what: str, key: Any, fix: str) -> list[str]:
    if not key:
        return [f"{what} is not encrypted with a customer-managed KMS key: {fix}"]
    if _aws_managed(key):
        return [f"{what} uses the AWS-managed key '{key}': {fix}"]
    return []


def store_encryption(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    """SQS, SNS, DynamoDB, Firehose and OpenSearch resources use a customer-managed key."""
    if resource_type == "aws:sqs/queue:Queue":
        problems = _cmk_problem(
            f"queue '{name}'", props.get("kmsMasterKeyId"), "set kms_master_key_id to the ARN of a customer-managed key"
        )
        if props.get("sqsManagedSseEnabled"):
            problems.append(
                f"queue '{name}' uses SQS-managed encryption: remove sqs_managed_sse_enabled and set "
                "kms_master_key_id to a customer-managed key"
            )
        return problems
    if resource_type == "aws:sns/topic:Topic":
        return _cmk_problem(
            f"topic '{name}'", props.get("kmsMasterKeyId"), "set kms_master_key_id to the ARN of a customer-managed key"
        )
    if resource_type == "aws:dynamodb/table:Table":
        sse = props.get("serverSideEncryption") or {}
        if not sse.get("enabled"):
            return [
                f"table '{name}' uses the AWS-owned key: set server_side_encryption={{'enabled': True, "
                "'kms_key_arn': <customer-managed key ARN>}"
            ]
        return _cmk_problem(
            f"table '{name}'", sse.get("kmsKeyArn"), "set server_side_encryption.kms_key_arn to a customer-managed key"
        )
    if resource_type == "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        sse = props.get("serverSideEncryption") or {}
        if not sse.get("enabled") or sse.get("keyType") != "CUSTOMER_MANAGED_CMK":
            return [
                f"delivery stream '{name}' is not encrypted with a customer-managed key: set "
                "server_side_encryption={'enabled': True, 'key_type': 'CUSTOMER_MANAGED_CMK', 'key_arn': ...}"
            ]
        return _cmk_problem(
            f"delivery stream '{name}'",
            sse.get("keyArn"),
            "set server_side_encryption.key_arn to a customer-managed key",
        )
    if resource_type == "aws:opensearch/domain:Domain":
        rest = props.get("encryptAtRest") or {}
        if not rest.get("enabled"):
            return [
                f"search domain '{name}' is not encrypted at rest: set encrypt_at_rest={{'enabled': True, "
                "'kms_key_id': <customer-managed key ARN>}"
            ]
        return _cmk_problem(
            f"search domain '{name}'", rest.get("kmsKeyId"), "set encrypt_at_rest.kms_key_id to a customer-managed key"
        )
    return []


def key_rotation(name: str, props: Mapping[str, Any]) -> list[str]:
    if props.get("customerMasterKeySpec", props.get("keySpec", "SYMMETRIC_DEFAULT")) != "SYMMETRIC_DEFAULT":
        return []
    if props.get("enableKeyRotation") is True:
        return []
    return [f"KMS key '{name}' does not rotate: set enable_key_rotation=True"]


def key_rotation_fix(props: Mapping[str, Any]) -> dict[str, Any]:
    return {**props, "enableKeyRotation": True}


def bucket_encryption(bucket: str, sse_rules: list[Mapping[str, Any]], access_log_target: bool = False) -> list[str]:
    """A bucket's SSE configuration uses aws:kms with a customer-managed key.

    A bucket receiving S3 server access logs may use SSE-S3 (AES256) instead: log delivery does not
    support SSE-KMS default encryption on the target bucket
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
    """
    for rule in sse_rules:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        if access_log_target and default.get("sseAlgorithm") == "AES256":
            return []
        if default.get("sseAlgorithm") in ("aws:kms", "aws:kms:dsse"):
            key = default.get("kmsMasterKeyId")
            if key and not _aws_managed(key):
                return []
    return [
        f"bucket '{bucket}' has no SSE-KMS configuration with a customer-managed key: add an "
        "aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm='aws:kms' and kms_master_key_id "
        "set to a customer-managed key (a bucket receiving S3 server access logs: sse_algorithm='AES256')"
    ]
