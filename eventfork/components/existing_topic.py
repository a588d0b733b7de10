"""ExistingTopic: an SNS topic the stack does not own, as the pipelines see it, and their queues' key.

The topic, its policy, its encryption and its archive stay with its owner. The stack declares only
the customer-managed key of the pipelines' queues: SNS encrypts what it delivers to an SSE-KMS queue
with the queue's key, so the key policy lets SNS use it for this topic alone (``aws:SourceArn``),
also when the topic lives in another account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from eventfork.components.parts.common import ServiceUse, customer_managed_key, merge_tags
from eventfork.naming import physical


@dataclass
class ExistingTopicArgs:
    """The topic by ARN (FIFO exactly when the name ends in .fifo) and its KMS key, when encrypted."""

    name_prefix: str
    topic_arn: str
    topic_kms_key_arn: str | None = None
    kms_deletion_window_days: int = 30
    tags: dict[str, str] = field(default_factory=dict)


class ExistingTopic(pulumi.ComponentResource):
    """The subscriber queues' key, usable by SNS on behalf of the existing topic."""

    topic_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    fifo: bool

    def __init__(self, name: str, args: ExistingTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("eventfork:fanout:ExistingTopic", name, None, opts)
        self.fifo = args.topic_arn.endswith(".fifo")
        tags = merge_tags(args.tags, {"eventfork:component": "fanout"})
        self.key = customer_managed_key(
            f"{name}-key",
            physical("fanout-key-alias", args.name_prefix),
            "eventfork pipeline queues subscribed to an existing topic",
            self,
            args.kms_deletion_window_days,
            tags,
            service_uses=[
                ServiceUse(
                    "ExistingTopicDeliversToPipelineQueues",
                    "sns.amazonaws.com",
                    lambda _partition, _account, _region: args.topic_arn,
                    same_account=False,  # the topic may live in another account
                )
            ],
        )
        self.topic_arn = pulumi.Output.from_input(args.topic_arn)
        self.kms_key_arn = self.key.arn
        self.topic_kms_key_arn = args.topic_kms_key_arn
        self.register_outputs({"topicArn": self.topic_arn, "kmsKeyArn": self.kms_key_arn, "fifo": self.fifo})
