"""Which stack shape the config selects, and the combinations that make no sense, before any resource.

Shapes: buffer + fan-out + pipelines (the default); pipelines only, subscribed to an existing topic
(``eventfork:buffer.enabled: false`` with ``eventfork:fanout.existingTopicArn``); buffer + fan-out
only (every pipeline's ``enabled: false``).
"""

from __future__ import annotations

import json
from typing import Any

NAMESPACE = "eventfork"
# Keys of eventfork:fanout that describe the topic and primary queue the stack creates.
CREATED_FANOUT_KEYS = (
    "primaryName",
    "primaryVisibilityTimeoutSeconds",
    "primaryRetentionSeconds",
    "primaryMaxReceiveCount",
    "primaryHighThroughput",
    "archiveRetentionDays",
    "deliveryStatusSuccessSampleRate",
)


def _region(arn: str) -> str:
    return arn.split(":")[3]


def shape_problems(sections: dict[str, Any], raw_fanout: dict[str, Any]) -> list[str]:
    """Every inconsistency between the buffer, fan-out and pipeline sections, each naming its key."""
    buffer, fanout = sections["buffer"], sections["fanout"]
    fanout_key, buffer_key = f"{NAMESPACE}:fanout", f"{NAMESPACE}:buffer"
    problems: list[str] = []
    existing = fanout.existingTopicArn
    if buffer.enabled:
        if existing is not None:
            problems.append(
                f"{fanout_key}.existingTopicArn: got {json.dumps(existing)} with {buffer_key}.enabled true; allowed: "
                f"only with {buffer_key}.enabled false (pipelines only); the buffer publishes to a topic it creates"
            )
        if fanout.existingTopicKmsKeyArn is not None:
            problems.append(
                f"{fanout_key}.existingTopicKmsKeyArn: allowed only with {fanout_key}.existingTopicArn "
                f"and {buffer_key}.enabled false"
            )
        if fanout.archiveRetentionDays is not None and not fanout.fifo:
            problems.append(
                f"{fanout_key}.archiveRetentionDays: got {fanout.archiveRetentionDays} with {fanout_key}.fifo false; "
                "allowed: only for a FIFO topic (SNS archives FIFO topics only)"
            )
        return problems
    if existing is None:
        problems.append(
            f"{fanout_key}.existingTopicArn: missing; allowed: the ARN of the SNS topic the pipelines subscribe to "
            f"(required with {buffer_key}.enabled false), e.g. arn:aws:sns:us-east-1:123456789012:orders.fifo"
        )
    else:
        key_arn = fanout.existingTopicKmsKeyArn
        if key_arn is not None and _region(key_arn) != _region(existing):
            problems.append(
                f"{fanout_key}.existingTopicKmsKeyArn: got {json.dumps(key_arn)}; allowed: a key in the topic's "
                f"region {_region(existing)} (SNS encrypts with a key of its own region)"
            )
        fifo = existing.endswith(".fifo")
        if raw_fanout.get("fifo", fifo) != fifo:
            problems.append(
                f"{fanout_key}.fifo: got {json.dumps(raw_fanout.get('fifo'))}; allowed: {json.dumps(fifo)} or unset: "
                f"the existing topic is {'FIFO' if fifo else 'standard'} (its name ends in .fifo exactly when FIFO)"
            )
    for name in CREATED_FANOUT_KEYS:
        if name in raw_fanout:
            problems.append(
                f"{fanout_key}.{name}: allowed only when the stack creates the fan-out ({buffer_key}.enabled true); "
                "with an existing topic its owner sets FIFO and archive, and there is no primary queue"
            )
    if not any(sections[p].enabled for p in ("backup", "analytics", "replay")):
        problems.append(
            f"{buffer_key}.enabled: got false with every pipeline disabled; allowed: false with at least one of "
            f"{NAMESPACE}:backup, {NAMESPACE}:analytics, {NAMESPACE}:replay enabled (the stack would declare nothing)"
        )
    replay = sections["replay"]
    if replay.enabled and replay.destinationQueueArn is None and replay.destinationQueueName is None:
        problems.append(
            f"{NAMESPACE}:replay.destinationQueueArn: missing; allowed: with {buffer_key}.enabled false a replay "
            "destination is required, as destinationQueueArn + destinationQueueUrl or destinationQueueName "
            "(there is no primary queue), or set eventfork:replay.enabled false"
        )
    return problems
