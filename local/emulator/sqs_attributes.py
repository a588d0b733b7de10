"""SQS queue attributes the product sets after creating a queue: ``RedriveAllowPolicy``.

Contract (botocore sqs 2012-11-05, SetQueueAttributes ``RedriveAllowPolicy``): a JSON object with
``redrivePermission`` one of ``allowAll`` (the default), ``denyAll`` or ``byQueue``, and
``sourceQueueArns``, which "you can specify ... only when the redrivePermission parameter is set to
byQueue. You can specify up to 10 source queue ARNs. To allow more than 10 source queues to specify
dead-letter queues, set the redrivePermission parameter to allowAll". Anything else is refused with
``InvalidAttributeValue``, as SetQueueAttributes documents for an attribute value it cannot take.

The policy is enforced where a source queue names the dead-letter queue (``RedrivePolicy`` in
CreateQueue or SetQueueAttributes): ``allowAll`` "Any source queues in this AWS account in the same
Region can specify this queue as the dead-letter queue", ``denyAll`` "No source queues can specify this
queue as the dead-letter queue", ``byQueue`` "Only queues specified by the sourceQueueArns parameter can
specify this queue as the dead-letter queue" (botocore, CreateQueue ``RedriveAllowPolicy``). AWS does not
document the error; the emulator answers ``InvalidParameterValue``. A policy set on the dead-letter queue
after its sources named it changes nothing for them (AWS does not say; the product sets it that way).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from unittest import mock

from local.emulator.errors import AwsError

PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_SOURCE_QUEUES = 10


def redrive_allow_problem(text: str) -> str | None:
    """Why SQS refuses this ``RedriveAllowPolicy`` value (None: it takes it)."""
    try:
        policy = json.loads(text)
    except ValueError:
        return "RedriveAllowPolicy is not valid JSON"
    if not isinstance(policy, dict) or policy.get("redrivePermission", "allowAll") not in PERMISSIONS:
        return f"redrivePermission must be one of {', '.join(PERMISSIONS)}"
    sources = policy.get("sourceQueueArns")
    if policy.get("redrivePermission") != "byQueue":
        return None if sources is None else "sourceQueueArns can only be set when redrivePermission is byQueue"
    if not isinstance(sources, list) or not 1 <= len(sources) <= MAX_SOURCE_QUEUES:
        return f"byQueue needs 1 to {MAX_SOURCE_QUEUES} sourceQueueArns; beyond 10, use allowAll"
    return None


def admits(dead_letter_queue: Any, source_arn: str) -> bool:
    """Whether the dead-letter queue's ``RedriveAllowPolicy`` lets ``source_arn`` name it."""
    text = getattr(dead_letter_queue, "redrive_allow_policy", None)
    if not isinstance(text, str) or redrive_allow_problem(text):
        return True  # none (allowAll), or one SQS refused when it was set
    policy = json.loads(text)
    permission = policy.get("redrivePermission", "allowAll")
    if permission == "denyAll":
        return False
    return permission != "byQueue" or source_arn in policy.get("sourceQueueArns", [])


def _check_redrive_target(backend: Any, source_arn: str, attributes: dict[str, Any]) -> None:
    text = attributes.get("RedrivePolicy")
    if not isinstance(text, str) or not text:
        return
    try:
        target = json.loads(text).get("deadLetterTargetArn")
    except (ValueError, AttributeError):
        return  # moto refuses it itself
    queue = next((q for q in backend.queues.values() if q.queue_arn == target), None)
    if queue is not None and not admits(queue, source_arn):
        raise AwsError(
            "sqs",
            "InvalidParameterValue",
            f"Value {text} for parameter RedrivePolicy is invalid. Reason: the dead-letter queue's "
            f"RedriveAllowPolicy does not allow {source_arn} to use it.",
        )


def install(stack: ExitStack, state: Any) -> None:
    """Check ``RedriveAllowPolicy`` where moto stores any value, and where a source names its queue."""
    import moto.sqs.models as sqs_models

    original: Callable[..., Any] = sqs_models.SQSBackend.set_queue_attributes
    original_create: Callable[..., Any] = sqs_models.SQSBackend.create_queue

    def set_queue_attributes(backend: Any, queue_name: str, attributes: dict[str, Any]) -> Any:
        value = attributes.get("RedriveAllowPolicy")
        problem = redrive_allow_problem(value) if isinstance(value, str) else None
        if problem:
            raise AwsError(
                "sqs", "InvalidAttributeValue", f"Invalid value for the parameter RedriveAllowPolicy: {problem}"
            )
        _check_redrive_target(backend, backend.get_queue(queue_name).queue_arn, attributes)
        return original(backend, queue_name, attributes)

    def create_queue(backend: Any, name: str, tags: dict[str, str] | None = None, **kwargs: Any) -> Any:
        arn = f"arn:aws:sqs:{backend.region_name}:{backend.account_id}:{name}"
        redrive = kwargs.get("RedrivePolicy", kwargs.get("redrive_policy"))
        _check_redrive_target(backend, arn, {"RedrivePolicy": redrive} if isinstance(redrive, str) else {})
        return original_create(backend, name, tags, **kwargs)

    stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "set_queue_attributes", set_queue_attributes))
    stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "create_queue", create_queue))
