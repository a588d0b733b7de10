"""Cached plans of this project and strict accessors for captured inputs."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from local.capture import Capture, CapturedResource, capture

ROOT = Path(__file__).resolve().parents[2]
_MISSING = object()


@lru_cache(maxsize=32)
def _plan(stack: str, overrides: str, preview: bool) -> Capture:
    return capture(ROOT, stack, config_overrides=json.loads(overrides), preview=preview)


def plan(stack: str = "dev", overrides: dict[str, Any] | None = None, preview: bool = False) -> Capture:
    return _plan(stack, json.dumps(overrides or {}, sort_keys=True), preview)


def value(resource: CapturedResource, path: str) -> Any:
    """The input at a dotted path; fails (never passes vacuously) if it is missing or unknown."""
    current: Any = resource.inputs
    for part in path.split("."):
        if isinstance(current, list):
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current.get(part, _MISSING)
        else:
            current = _MISSING
        if current is _MISSING:
            raise AssertionError(f"{resource.name}: input {path} is not set")
    if current == UNKNOWN:
        raise AssertionError(f"{resource.name}: input {path} is unknown at plan time")
    return current


def one(capture_: Capture, type_token: str, name: str) -> CapturedResource:
    found = [r for r in capture_.resources if r.type == type_token and r.name == name]
    assert len(found) == 1, f"expected one {type_token} named {name}, found {len(found)}"
    return found[0]


def children(capture_: Capture, component_type: str) -> list[CapturedResource]:
    """Every resource whose parent chain reaches a component of ``component_type``."""
    by_urn = capture_.by_urn()
    out = []
    for resource in capture_.resources:
        parent = by_urn.get(resource.parent)
        while parent is not None and parent.type != component_type:
            parent = by_urn.get(parent.parent)
        if parent is not None:
            out.append(resource)
    return out


def policy(resource: CapturedResource, key: str = "policy") -> dict[str, Any]:
    return json.loads(value(resource, key))


def statements(capture_: Capture, role_policy_name: str) -> dict[str, dict[str, Any]]:
    """The statements of an inline role policy, by Sid."""
    document = policy(one(capture_, "aws:iam/rolePolicy:RolePolicy", role_policy_name))
    return {s.get("Sid", ""): s for s in document["Statement"]}


def as_list(item: Any) -> list[Any]:
    return item if isinstance(item, list) else [item]


def assert_parented(capture_: Capture, component_type: str, prefix: str) -> None:
    """Every resource the component declares (named ``<prefix>...``) has its parent chain reach it."""
    [component] = capture_.by_type(component_type)
    named = {r.urn for r in capture_.resources if r.name.startswith(prefix) and r.urn != component.urn}
    assert named, f"no resources named {prefix}*"
    assert named == {r.urn for r in children(capture_, component_type)}
    assert all(r.parent for r in children(capture_, component_type))


def assert_declares_nothing(capture_: Capture, component_type: str, prefix: str) -> None:
    assert not capture_.by_type(component_type) and not children(capture_, component_type)
    assert not [r.name for r in capture_.resources if r.name.startswith(prefix)]


def assert_topic_only_sends(capture_: Capture, queue_name: str, policy_name: str) -> None:
    """The queue policy lets the fan-out topic (through SNS) send, nobody else, and only over TLS."""
    queue = one(capture_, "aws:sqs/queue:Queue", queue_name)
    queue_policy = one(capture_, "aws:sqs/queuePolicy:QueuePolicy", policy_name)
    assert value(queue_policy, "queueUrl") == queue.outputs["url"]
    allow, deny = policy(queue_policy)["Statement"]
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage" and allow["Resource"] == queue.outputs["arn"]
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": capture_.outputs["topicArn"]}}
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def assert_subscribed(capture_: Capture, prefix: str, stack_prefix: str) -> CapturedResource:
    """FIFO queue + DLQ under the fan-out key, subscribed raw, redriven to the DLQ; returns the subscription."""
    key = capture_.outputs["fanoutKmsKeyArn"]
    queue = one(capture_, "aws:sqs/queue:Queue", f"{prefix}-queue")
    dlq = one(capture_, "aws:sqs/queue:Queue", f"{prefix}-queue-dlq")
    assert value(queue, "name") == f"{stack_prefix}.fifo" and value(dlq, "name") == f"{stack_prefix}-dlq.fifo"
    for q in (queue, dlq):
        assert value(q, "fifoQueue") is True and value(q, "kmsMasterKeyId") == key
        assert value(q, "deduplicationScope") == "messageGroup"
        assert value(q, "fifoThroughputLimit") == "perMessageGroupId"
    assert json.loads(value(queue, "redrivePolicy"))["deadLetterTargetArn"] == dlq.outputs["arn"]
    assert_topic_only_sends(capture_, f"{prefix}-queue", f"{prefix}-queue-policy")
    assert_topic_only_sends(capture_, f"{prefix}-queue-dlq", f"{prefix}-queue-dlq-policy")
    sub = one(capture_, "aws:sns/topicSubscription:TopicSubscription", f"{prefix}-queue-subscription")
    assert value(sub, "topic") == capture_.outputs["topicArn"] and value(sub, "protocol") == "sqs"
    assert value(sub, "endpoint") == queue.outputs["arn"] and value(sub, "rawMessageDelivery") is True
    assert json.loads(value(sub, "redrivePolicy")) == {"deadLetterTargetArn": dlq.outputs["arn"]}
    return sub
