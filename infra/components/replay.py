"""ReplayPipeline: an archive of recent events that can be re-sent downstream on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi

from components.function import FunctionSpec
from components.pipeline_parts import PipelineArgs, queue_consumer, subscribed_queue, tagged
from pipelines_config import ReplayConfig


@dataclass(kw_only=True)
class ReplayPipelineArgs(PipelineArgs):
    """The topic to archive, the destination (default: the primary queue) and ``eventfork:replay``."""

    destination_queue_arn: pulumi.Input[str]
    destination_queue_url: pulumi.Input[str]
    config: ReplayConfig = field(default_factory=ReplayConfig)


class ReplayPipeline(pulumi.ComponentResource):
    """Replay queue (retention up to 14 days) -> replay function (mapping off unless ``active``) -> destination."""

    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    active: bool

    def __init__(self, name: str, args: ReplayPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("eventfork:pipelines:ReplayPipeline", name, None, opts)
        cfg, tags, prefix = args.config, tagged(args.tags, "replay"), args.name_prefix
        sub = subscribed_queue(
            f"{name}-queue",
            f"{prefix}-replay",
            parent=self,
            topic_arn=args.topic_arn,
            fifo=args.topic_fifo,
            kms_key_arn=args.kms_key_arn,
            visibility_timeout=6 * cfg.functionTimeoutSeconds,
            retention_seconds=cfg.retentionSeconds,
            tags={**tags, "eventfork:role": "replay"},
        )
        built, self.mapping = queue_consumer(
            f"{name}-function",
            FunctionSpec(
                code_dir="replay",
                function_name=f"{prefix}-replay",
                timeout=cfg.functionTimeoutSeconds,
                memory_size=256,
                environment={"DESTINATION_QUEUE_URL": args.destination_queue_url},
                statements=[
                    {
                        "Sid": "SendToDestination",
                        "Effect": "Allow",
                        "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"],
                        "Resource": args.destination_queue_arn,
                    },
                    {
                        "Sid": "EncryptForDestination",
                        "Effect": "Allow",
                        "Action": ["kms:GenerateDataKey"],
                        "Resource": args.kms_key_arn,
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
        self.queue_url, self.queue_arn, self.dlq_url = sub.queues.queue.url, sub.queues.queue.arn, sub.queues.dlq.url
        self.dlq_arn = sub.queues.dlq.arn
        self.dlq_name = sub.queues.dlq.name
        self.queue_name = sub.queues.queue.name
        self.function_name = built.function.name
        self.register_outputs(
            {
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "dlqUrl": self.dlq_url,
                "functionName": self.function_name,
                "active": self.active,
            }
        )
