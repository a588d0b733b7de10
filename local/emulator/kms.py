"""AWS KMS as SQS and SNS meet it: the key of an encrypted queue or topic can fail their calls.

SQS calls KMS ``GenerateDataKey`` to send to a queue with ``KmsMasterKeyId`` and ``Decrypt`` to
receive from it; SNS calls ``GenerateDataKey`` to publish to a topic with ``KmsMasterKeyId``
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html,
https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). When KMS refuses, the call
fails with the service's own code for the KMS error, as the botocore models list them:
SendMessage/SendMessageBatch/ReceiveMessage -> ``KmsDisabled``, ``KmsInvalidState``,
``KmsNotFound``, ``KmsThrottled``, ``KmsAccessDenied``, ``KmsInvalidKeyUsage``, ``KmsOptInRequired``
(``botocore/data/sqs/2012-11-05/service-2.json``); Publish/PublishBatch -> ``KMSDisabledException``,
``KMSInvalidStateException``, ``KMSNotFoundException``, ``KMSThrottlingException``,
``KMSAccessDeniedException``, ``KMSOptInRequired`` (``botocore/data/sns/2010-03-31/service-2.json``).

KMS refuses when the key is disabled or pending deletion (``key_states``, or the key's state in
moto's KMS when the key was created there), or while an ``Outage`` of service ``kms`` covers the
KMS operation (its ``error`` is a KMS error code: ``ThrottlingException``, ``DisabledException``,
``KMSInvalidStateException``, ``NotFoundException``, ``AccessDeniedException`` ...). SQS may reuse a
data key for up to ``KmsDataKeyReusePeriodSeconds``; the emulator assumes no cached key (every call
meets KMS), which is what a queue served by many hosts can see.
"""

from __future__ import annotations

from typing import Any

from local.account import ACCOUNT_ID, REGION
from local.emulator.errors import AwsError
from local.emulator.faults import active_outage

TO_SQS = {
    "DisabledException": "KmsDisabled",
    "KMSInvalidStateException": "KmsInvalidState",
    "NotFoundException": "KmsNotFound",
    "ThrottlingException": "KmsThrottled",
    "AccessDeniedException": "KmsAccessDenied",
    "InvalidKeyUsageException": "KmsInvalidKeyUsage",
    "OptInRequired": "KmsOptInRequired",
}
TO_SNS = {
    "DisabledException": "KMSDisabledException",
    "KMSInvalidStateException": "KMSInvalidStateException",
    "NotFoundException": "KMSNotFoundException",
    "ThrottlingException": "KMSThrottlingException",
    "AccessDeniedException": "KMSAccessDeniedException",
    "InvalidKeyUsageException": "KMSInvalidStateException",
    "OptInRequired": "KMSOptInRequired",
}
KMS_OPERATION = {
    "SendMessage": "GenerateDataKey",
    "SendMessageBatch": "GenerateDataKey",
    "ReceiveMessage": "Decrypt",
    "Publish": "GenerateDataKey",
    "PublishBatch": "GenerateDataKey",
}
_STATE_ERRORS = {"Disabled": "DisabledException", "PendingDeletion": "KMSInvalidStateException"}


def _moto_key_state(key: str) -> str | None:
    try:
        from moto.kms.models import kms_backends

        return str(kms_backends[ACCOUNT_ID][REGION].describe_key(key).key_state)
    except Exception:  # noqa: BLE001 - a key moto does not know (declared elsewhere): assumed enabled
        return None


def kms_error(state: Any, key: str, kms_operation: str) -> tuple[str, str] | None:
    """(KMS error code, message) if KMS refuses ``kms_operation`` with ``key`` now, else None."""
    outage = active_outage(state.outages, "kms", kms_operation, state.clock.t)
    if outage is not None:
        state.fault_log.count_failure("kms", kms_operation)
        return outage.error, f"KMS {kms_operation} failed for {key}: {outage.message}"
    key_state = state.kms_key_states.get(key) or _moto_key_state(key)
    if key_state in _STATE_ERRORS:
        return _STATE_ERRORS[key_state], f"{key} is {key_state.lower()}."
    return None


def _code_for(mapping: dict[str, str], error: str) -> str:
    """The service's code for a KMS error (a service code passes through unchanged)."""
    if error in mapping:
        return mapping[error]
    if error in mapping.values():
        return error
    return mapping["ThrottlingException"] if "Throttl" in error else error


def check_queue(state: Any, queue: Any, operation: str) -> None:
    """Raise the SQS error for ``operation`` on ``queue`` if its KMS key refuses."""
    key = getattr(queue, "kms_master_key_id", None)
    if not key:
        return
    refused = kms_error(state, str(key), KMS_OPERATION[operation])
    if refused is not None:
        error, message = refused
        raise AwsError("sqs", _code_for(TO_SQS, error), message)


def check_topic(state: Any, topic: Any, operation: str) -> None:
    """Raise the SNS error for ``operation`` on ``topic`` if its KMS key refuses."""
    key = getattr(topic, "kms_master_key_id", None)
    if not key:
        return
    refused = kms_error(state, str(key), KMS_OPERATION[operation])
    if refused is not None:
        error, message = refused
        raise AwsError("sns", _code_for(TO_SNS, error), message)
