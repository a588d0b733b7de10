"""ReplayPipeline: an archive of recent events that can be re-sent downstream on demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, via_services
from eventfork.components.parts.function import FunctionSpec
from eventfork.components.parts.hosting import args_from_inputs, checked_section, hosted, schema_view
from eventfork.components.parts.pipeline_parts import PipelineArgs, queue_consumer, subscribed_queue, tagged
from eventfork.config.replay import ReplayConfig
from eventfork.naming import physical

TOKEN = "eventfork:pipelines:ReplayPipeline"


@schema_view
@dataclass(kw_only=True)
class ReplayPipelineArgs(PipelineArgs):
    """The topic to archive, the default destination (the primary queue) and ``eventfork:replay``.

    A destination named in the config (ARN + URL, or a queue name in this account) wins over the default.
    """

    destination_queue_arn: pulumi.Input[str]
    """ARN of the queue replayed events go to by default (the primary queue); config can name another."""
    destination_queue_url: pulumi.Input[str]
    """URL of that queue."""
    name_prefix: str
    """Prefix of every physical name (lowercase letters, digits and '-', at most 30 characters)."""
    topic_arn: pulumi.Input[str]
    """ARN of the topic the pipeline's queue subscribes to (the fan-out topic, or one the stack does not own)."""
    topic_fifo: bool
    """The topic is FIFO; the pipeline's queue is FIFO too and keeps each group's order."""
    kms_key_arn: pulumi.Input[str]
    """ARN of the topic's KMS key; the pipeline's queues, logs and stores are encrypted with it."""
    runtime: str = "python3.12"
    """Lambda runtime of the pipeline's functions."""
    architecture: str = "arm64"
    """Lambda architecture of the pipeline's functions (arm64 or x86_64)."""
    log_retention_days: int = 30
    """Retention of the pipeline's logs, in days (a CloudWatch Logs retention value)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Extra tags on every taggable resource."""
    config: ReplayConfig = field(default_factory=ReplayConfig)
    """The ``eventfork:replay`` settings (every key optional; see docs/local.md)."""


def destination(
    cfg: ReplayConfig, args: ReplayPipelineArgs, parent: pulumi.Resource
) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
    """(ARN, URL) of the queue replayed events go to."""
    if cfg.destinationQueueArn and cfg.destinationQueueUrl:
        return cfg.destinationQueueArn, cfg.destinationQueueUrl
    if cfg.destinationQueueName:
        account, region = account_and_region(parent)
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=parent)).partition
        name = cfg.destinationQueueName
        arn = pulumi.Output.concat("arn:", partition, ":sqs:", region, ":", account, ":", name)
        url = pulumi.Output.concat("https://sqs.", region, ".amazonaws.com/", account, "/", name)
        return arn, url
    return args.destination_queue_arn, args.destination_queue_url


@schema_view
class ReplayPipeline(pulumi.ComponentResource):
    """Replay queue (up to 14 days) -> replay function (mapping off unless ``active``) -> destination queue."""

    queue_url: pulumi.Output[str]
    """URL of the replay queue, which keeps recent events for replay."""
    queue_arn: pulumi.Output[str]
    """ARN of the replay queue."""
    dlq_url: pulumi.Output[str]
    """URL of the replay queue's dead-letter queue."""
    function_name: pulumi.Output[str]
    """Name of the replay function."""
    function_arn: pulumi.Output[str]
    """ARN of the replay function."""
    mapping_id: pulumi.Output[str]
    """Id of the replay event source mapping (enabled while ``config.active``)."""
    destination_queue_url: pulumi.Output[str]
    """URL of the queue replayed events are sent to."""
    active: bool
    """Replay is on (its event source mapping is enabled)."""

    def __init__(self, name: str, args: ReplayPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args, token, opts = hosted(args, _args_from_inputs, TOKEN, opts)
        super().__init__(token, name, None, opts)
        cfg, tags, prefix = args.config, tagged(args.tags, "replay"), args.name_prefix
        sub = subscribed_queue(
            f"{name}-queue",
            (
                physical("replay-queue", prefix, fifo=args.topic_fifo),
                physical("replay-dlq", prefix, fifo=args.topic_fifo),
            ),
            parent=self,
            topic_arn=args.topic_arn,
            fifo=args.topic_fifo,
            kms_key_arn=args.kms_key_arn,
            visibility_timeout=6 * cfg.functionTimeoutSeconds,
            retention_seconds=cfg.retentionSeconds,
            tags={**tags, "eventfork:role": "replay"},
            filter_policy=cfg.filterPolicy,
            filter_policy_scope=cfg.filterPolicyScope,
        )
        destination_arn, destination_url = destination(cfg, args, self)
        built, self.mapping = queue_consumer(
            f"{name}-function",
            FunctionSpec(
                code_dir="replay",
                function_name=physical("replay-function", prefix),
                timeout=cfg.functionTimeoutSeconds,
                memory_size=256,
                environment={"DESTINATION_QUEUE_URL": destination_url},
                log_level=cfg.logLevel,
                statements=[
                    {
                        "Sid": "SendToDestination",
                        "Effect": "Allow",
                        "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                        "Resource": destination_arn,
                    },
                    {
                        "Sid": "EncryptForDestination",
                        "Effect": "Allow",
                        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                        "Resource": cfg.destinationKmsKeyArn or args.kms_key_arn,
                        # Through SQS of the destination's Region (arn:<partition>:sqs:<region>:...) only.
                        "Condition": via_services(
                            pulumi.Output.from_input(destination_arn).apply(lambda arn: arn.split(":")[3]), "sqs"
                        ),
                    },
                ],
                **args.function_settings(tags),
            ),
            sub.queues.queue,
            args.kms_key_arn,
            parent=self,
            batch_size=cfg.batchSize,
            enabled=cfg.active,
        )
        self.function = built.function
        self.active = cfg.active
        self.queue_url, self.queue_arn, self.queue_name = (
            sub.queues.queue.url,
            sub.queues.queue.arn,
            sub.queues.queue.name,
        )
        self.dlq_url, self.dlq_arn, self.dlq_name = sub.queues.dlq.url, sub.queues.dlq.arn, sub.queues.dlq.name
        self.function_name, self.function_arn = built.function.name, built.function.arn
        self.mapping_id = self.mapping.uuid
        self.destination_queue_url = pulumi.Output.from_input(destination_url)
        self.register_outputs(
            {
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "dlqUrl": self.dlq_url,
                "functionName": self.function_name,
                "functionArn": self.function_arn,
                "mappingId": self.mapping_id,
                "destinationQueueUrl": self.destination_queue_url,
                "active": self.active,
            }
        )


def _args_from_inputs(inputs: Mapping[str, Any]) -> ReplayPipelineArgs:
    """ReplayPipelineArgs from the provider's inputs; ``config`` is checked as stack config is."""
    return args_from_inputs(ReplayPipelineArgs, inputs, config=checked_section(ReplayConfig))
