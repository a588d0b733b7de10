"""SQS queue attributes the product sets after creating a queue: ``RedriveAllowPolicy``.

Contract (botocore sqs 2012-11-05, SetQueueAttributes ``RedriveAllowPolicy``): a JSON object with
``redrivePermission`` one of ``allowAll`` (the default), ``denyAll`` or ``byQueue``, and
``sourceQueueArns``, which "you can specify ... only when the redrivePermission parameter is set to
byQueue. You can specify up to 10 source queue ARNs. To allow more than 10 source queues to specify
dead-letter queues, set the redrivePermission parameter to allowAll". Anything else is refused with
``InvalidAttributeValue``, as SetQueueAttributes documents for an attribute value it cannot take.
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


def install(stack: ExitStack, state: Any) -> None:
    """Check ``RedriveAllowPolicy`` where moto stores any value."""
    import moto.sqs.models as sqs_models

    original: Callable[..., Any] = sqs_models.SQSBackend.set_queue_attributes

    def set_queue_attributes(backend: Any, queue_name: str, attributes: dict[str, Any]) -> Any:
        value = attributes.get("RedriveAllowPolicy")
        problem = redrive_allow_problem(value) if isinstance(value, str) else None
        if problem:
            raise AwsError(
                "sqs", "InvalidAttributeValue", f"Invalid value for the parameter RedriveAllowPolicy: {problem}"
            )
        return original(backend, queue_name, attributes)

    stack.enter_context(mock.patch.object(sqs_models.SQSBackend, "set_queue_attributes", set_queue_attributes))
