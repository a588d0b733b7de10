"""ReplayPipeline: an archive of recent events that can be re-sent downstream on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.common import account_and_region
from components.function import FunctionSpec
from components.pipeline_parts import PipelineArgs, queue_consumer, subscribed_queue, tagged
from naming import physical
from pipelines_config import ReplayConfig


@dataclass(kw_only=True)
class ReplayPipelineArgs(PipelineArgs):
    """The topic to archive, the default destination (the primary queue) and ``eventfork:replay``.

    A destination named in the config (ARN + URL, or a queue name in this account) wins over the default.
    """

    destination_queue_arn: pulumi.Input[str]
    destination_queue_url: pulumi.Input[str]
    config: ReplayConfig = field(default_factory=ReplayConfig)


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


class ReplayPipeline(pulumi.ComponentResource):
    """Replay queue (up to 14 days) -> replay function (mapping off unless ``active``) -> destination queue."""

    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    mapping_id: pulumi.Output[str]
    destination_queue_url: pulumi.Output[str]
    active: bool

    def __init__(self, name: str, args: ReplayPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("eventfork:pipelines:ReplayPipeline", name, None, opts)
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
