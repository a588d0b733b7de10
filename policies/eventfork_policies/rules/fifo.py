"""FIFO naming and high-throughput FIFO settings for SQS queues and SNS topics."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FIFO_FLAG = {
    "aws:sqs/queue:Queue": ("fifoQueue", "queue", "fifo_queue"),
    "aws:sns/topic:Topic": ("fifoTopic", "topic", "fifo_topic"),
}


def fifo_naming(resource_type: str, name: str, props: Mapping[str, Any]) -> list[str]:
    """A queue or topic is FIFO if and only if its name ends with ``.fifo``.

    A FIFO resource left to auto-naming (no ``name``) is fine: the AWS provider appends ``.fifo``
    to generated names of FIFO queues and topics. A ``namePrefix`` is treated the same way.
    """
    if resource_type not in FIFO_FLAG:
        return []
    flag, noun, arg = FIFO_FLAG[resource_type]
    fifo = bool(props.get(flag))
    physical = props.get("name")
    if not physical:
        return []
    if fifo and not str(physical).endswith(".fifo"):
        return [
            f"{noun} '{name}' is FIFO but its name '{physical}' does not end with '.fifo': "
            f"name it '{physical}.fifo' (or omit the name and let the provider add the suffix)"
        ]
    if not fifo and str(physical).endswith(".fifo"):
        return [
            f"{noun} '{name}' is named '{physical}' but is not FIFO: set {arg}=True, "
            f"or drop the '.fifo' suffix from its name"
        ]
    return []


def high_throughput(name: str, props: Mapping[str, Any], exempt_patterns: list[str]) -> list[str]:
    """Every FIFO queue uses per-group deduplication and per-group throughput, both together."""
    if not props.get("fifoQueue"):
        return []
    physical = str(props.get("name") or name)
    if any(re.search(pattern, physical) for pattern in exempt_patterns):
        return []
    problems = []
    if props.get("deduplicationScope") != "messageGroup":
        problems.append(f"deduplication_scope is {props.get('deduplicationScope')!r}")
    if props.get("fifoThroughputLimit") != "perMessageGroupId":
        problems.append(f"fifo_throughput_limit is {props.get('fifoThroughputLimit')!r}")
    if not problems:
        return []
    return [
        f"FIFO queue '{name}' is not high-throughput ({'; '.join(problems)}): set "
        "deduplication_scope='messageGroup' and fifo_throughput_limit='perMessageGroupId' (both are needed)"
    ]


def high_throughput_fix(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """Safe remediation: switch a FIFO queue to high throughput."""
    if not props.get("fifoQueue"):
        return None
    return {**props, "deduplicationScope": "messageGroup", "fifoThroughputLimit": "perMessageGroupId"}


def topic_high_throughput(name: str, props: Mapping[str, Any], exempt_patterns: list[str]) -> list[str]:
    """A FIFO topic partitions its throughput by message group (fifoThroughputScope=MessageGroup)."""
    if not props.get("fifoTopic"):
        return []
    physical = str(props.get("name") or name)
    if any(re.search(pattern, physical) for pattern in exempt_patterns):
        return []
    if props.get("fifoThroughputScope") == "MessageGroup":
        return []
    return [
        f"FIFO topic '{name}' is not high-throughput (fifo_throughput_scope is "
        f"{props.get('fifoThroughputScope')!r}): set fifo_throughput_scope='MessageGroup'"
    ]


def topic_high_throughput_fix(props: Mapping[str, Any]) -> dict[str, Any] | None:
    return {**props, "fifoThroughputScope": "MessageGroup"} if props.get("fifoTopic") else None
