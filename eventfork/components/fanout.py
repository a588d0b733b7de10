"""EventFanOut: the SNS topic the buffer publishes to, and the downstream (primary) queue.

Pulumi's Python component provider infers the package schema from the annotations and the
docstring under each field (see ``components.hosting``).
"""

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from eventfork.components.arg_checks import check_arguments
from eventfork.components.parts.common import (
    TOPIC_MAX_MESSAGE_BYTES,
    ServiceUse,
    allow_topic_to_send,
    customer_managed_key,
    merge_tags,
    policy_json,
    queue_with_dlq,
)
from eventfork.components.parts.delivery_status import delivery_status_logging
from eventfork.components.parts.hosting import args_from_inputs, hosted, schema_view
from eventfork.components.parts.resource_policies import (
    account_uses_topic,
    deny_insecure_transport,
    subscribe_only_account_queues,
)
from eventfork.config.buffer import LOG_RETENTION_DAYS
from eventfork.config.fanout import FanOutConfig
from eventfork.config.schema import ConfigError
from eventfork.naming import fanout_names, physical

TOKEN = "eventfork:fanout:EventFanOut"


@schema_view
@dataclass
class EventFanOutArgs:
    """Settings of the fan-out topic and the primary queue."""

    name_prefix: str
    """Prefix of every physical name (lowercase letters, digits and '-', at most 30 characters)."""
    fifo: bool = True
    """A FIFO topic and primary queue (needed for ordered, exactly-once delivery downstream)."""
    primary_name: str = "primary"
    """Name part of the primary (downstream) queue."""
    primary_visibility_timeout_seconds: int = 30
    """Visibility timeout of the primary queue, in seconds."""
    primary_retention_seconds: int = 1209600
    """Message retention of the primary queue, in seconds (60 to 1209600)."""
    primary_max_receive_count: int = 5
    """Receives of one message before the primary queue dead-letters it."""
    primary_high_throughput: bool = True
    """High-throughput FIFO settings on the primary queue (per message group limits)."""
    kms_deletion_window_days: int = 30
    """Waiting period, in days (7 to 30), before the fan-out's customer-managed key is deleted."""
    delivery_status_success_sample_rate: int = 0
    """Percent (0 to 100) of successful deliveries the topic logs; every failure is logged."""
    log_retention_days: int = 30
    """Retention, in days, of the topic's delivery status log groups (a CloudWatch Logs retention value)."""
    archive_retention_days: int | None = None
    """Keep published messages in the FIFO topic's archive this many days, for replay (none: no archive)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Extra tags on every taggable resource."""


def check_fanout_args(args: EventFanOutArgs) -> None:
    """The settings checked as ``eventfork:fanout`` is, named as the schema names them (``EventFanOut.primaryName``)."""
    primary = args.primary_name if isinstance(args.primary_name, str) else ""  # a bad name is reported by the rules
    check_arguments(
        "EventFanOut",
        args,
        FanOutConfig,
        lambda prefix: fanout_names(prefix, args.fifo, primary),
        ("existingTopicArn", "existingTopicKmsKeyArn"),
    )
    if args.log_retention_days not in LOG_RETENTION_DAYS:  # stack config takes it from buffer.logRetentionDays
        raise ConfigError(
            [
                f"EventFanOut.logRetentionDays: got {json.dumps(args.log_retention_days)}; "
                f"allowed: one of {', '.join(map(str, LOG_RETENTION_DAYS))} (CloudWatch Logs retention values)"
            ],
            "EventFanOut arguments",
        )


@schema_view
class EventFanOut(pulumi.ComponentResource):
    """Topic (FIFO by default, CMK) with the primary queue subscribed with raw delivery."""

    topic_arn: pulumi.Output[str]
    """ARN of the fan-out topic; producers of the pipelines subscribe here."""
    topic_name: pulumi.Output[str]
    """Name of the fan-out topic."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the customer-managed key of the topic and its subscriber queues."""
    primary_queue_url: pulumi.Output[str]
    """URL of the primary (downstream consumer's) queue."""
    primary_queue_arn: pulumi.Output[str]
    """ARN of the primary queue."""
    primary_dlq_url: pulumi.Output[str]
    """URL of the primary queue's dead-letter queue."""
    primary_dlq_arn: pulumi.Output[str]
    """ARN of the primary queue's dead-letter queue."""
    primary_subscription_arn: pulumi.Output[str]
    """ARN of the primary queue's subscription to the topic."""

    def __init__(self, name: str, args: EventFanOutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args, token, opts = hosted(args, lambda inputs: args_from_inputs(EventFanOutArgs, inputs), TOKEN, opts)
        check_fanout_args(args)
        super().__init__(token, name, None, opts)
        self.fifo = args.fifo
        tags = merge_tags(args.tags, {"eventfork:component": "fanout"})
        child = pulumi.ResourceOptions(parent=self)
        topic_name = physical("fanout-topic", args.name_prefix, fifo=args.fifo)
        self.key = customer_managed_key(
            f"{name}-key",
            physical("fanout-key-alias", args.name_prefix),
            "eventfork fan-out topic and subscriber queues",
            self,
            args.kms_deletion_window_days,
            tags,
            # SNS delivering this topic's messages to the SSE-KMS subscriber queues (and their DLQs).
            service_uses=[
                ServiceUse(
                    "TopicDeliversToSubscriberQueues",
                    "sns.amazonaws.com",
                    lambda partition, account, region: pulumi.Output.concat(
                        "arn:", partition, ":sns:", region, ":", account, ":", topic_name
                    ),
                )
            ],
        )
        topic_args: dict[str, object] = {}
        if args.fifo:
            topic_args = {
                "fifo_topic": True,
                "content_based_deduplication": False,
                "fifo_throughput_scope": "MessageGroup",
            }
            if args.archive_retention_days is not None:
                # SNS archives a FIFO topic's messages for this many days, for subscription replay policies.
                topic_args["archive_policy"] = json.dumps({"MessageRetentionPeriod": args.archive_retention_days})
        # Only SQS queues may subscribe (the topic policy), so SQS is the protocol whose status is logged.
        delivery_logs = delivery_status_logging(
            f"{name}-topic",
            topic_name,
            parent=self,
            kms_key_arn=self.key.arn,
            retention_days=args.log_retention_days,
            tags=tags,
        )
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            name=topic_name,
            kms_master_key_id=self.key.arn,
            maximum_message_size=TOPIC_MAX_MESSAGE_BYTES,
            signature_version=2,
            tags=merge_tags(tags, {"eventfork:role": "fanout"}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=delivery_logs.dependencies),
            **delivery_logs.topic_args("sqs", args.delivery_status_success_sample_rate),
            **topic_args,
        )
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=policy_json(
                [
                    account_uses_topic("AccountManagesAndPublishes", self.topic.arn),
                    deny_insecure_transport("sns", self.topic.arn),
                    *subscribe_only_account_queues(self.topic.arn),
                ]
            ),
            opts=child,
        )
        primary = queue_with_dlq(
            f"{name}-primary",
            (
                physical("primary-queue", args.name_prefix, fifo=args.fifo, primary=args.primary_name),
                physical("primary-dlq", args.name_prefix, fifo=args.fifo, primary=args.primary_name),
            ),
            parent=self,
            kms_key_arn=self.key.arn,
            fifo=args.fifo,
            high_throughput=args.primary_high_throughput,
            visibility_timeout=args.primary_visibility_timeout_seconds,
            retention_seconds=args.primary_retention_seconds,
            max_receive_count=args.primary_max_receive_count,
            tags=merge_tags(tags, {"eventfork:role": "primary"}),
        )
        self.primary_queue = primary.queue
        self.primary_dlq = primary.dlq
        policy = allow_topic_to_send(f"{name}-primary-policy", primary.queue, self.topic.arn, self)
        dlq_policy = allow_topic_to_send(f"{name}-primary-dlq-policy", primary.dlq, self.topic.arn, self)
        self.subscription = aws.sns.TopicSubscription(
            f"{name}-primary-subscription",
            topic=self.topic.arn,
            protocol="sqs",
            endpoint=primary.queue.arn,
            raw_message_delivery=True,
            redrive_policy=primary.dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, dlq_policy]),
        )
        self.topic_arn = self.topic.arn
        self.topic_name = self.topic.name
        self.kms_key_arn = self.key.arn
        self.primary_queue_url = primary.queue.url
        self.primary_queue_arn = primary.queue.arn
        self.primary_dlq_url = primary.dlq.url
        self.primary_dlq_arn = primary.dlq.arn
        self.primary_subscription_arn = self.subscription.arn
        self.register_outputs(
            {
                "topicArn": self.topic_arn,
                "topicName": self.topic_name,
                "kmsKeyArn": self.kms_key_arn,
                "primaryQueueUrl": self.primary_queue_url,
                "primaryQueueArn": self.primary_queue_arn,
                "primaryDlqUrl": self.primary_dlq_url,
                "primaryDlqArn": self.primary_dlq_arn,
                "primarySubscriptionArn": self.primary_subscription_arn,
            }
        )
