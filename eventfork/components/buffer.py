"""FifoEventBuffer: ordered, exactly-once, rate-limited delivery of each group's events."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from eventfork.components.arg_checks import check_arguments
from eventfork.components.parts.buffer_access import (
    buffer_function_statements,
    buffer_queue_resources,
    operator_access,
    producer_access,
)
from eventfork.components.parts.common import (
    BUFFER_MAX_MESSAGE_BYTES,
    DLQ_MAX_MESSAGE_BYTES,
    TOPIC_MAX_MESSAGE_BYTES,
    account_and_region,
    customer_managed_key,
    merge_tags,
    queue_with_dlq,
)
from eventfork.components.parts.function import FunctionSpec, python_function
from eventfork.components.parts.hosting import args_from_flat_inputs, flattened, hosted, schema_view
from eventfork.components.parts.resource_policies import tls_only_queue_policy
from eventfork.config.buffer import BufferConfig
from eventfork.naming import buffer_names, physical

GROUP_KEY = "messageGroupId"
TTL_ATTRIBUTE = "expiresAt"
TOKEN = "eventfork:buffer:FifoEventBuffer"


@schema_view
@dataclass
class FifoEventBufferArgs:
    """Where to deliver, how to build the function, and the ``eventfork:buffer`` settings."""

    name_prefix: str
    """Prefix of every physical name (lowercase letters, digits and '-', at most 30 characters)."""
    topic_arn: pulumi.Input[str]
    """ARN of the fan-out topic the buffer function publishes each delivered event to."""
    topic_kms_key_arn: pulumi.Input[str]
    """ARN of the fan-out topic's KMS key (the buffer function encrypts with it)."""
    topic_fifo: bool = True
    """The fan-out topic is FIFO (events are published with their group and deduplication id)."""
    config: BufferConfig = field(default_factory=BufferConfig)
    """The ``eventfork:buffer`` settings (every key optional; see docs/configuration.md)."""
    runtime: str = "python3.12"
    """Lambda runtime of the buffer function."""
    architecture: str = "arm64"
    """Lambda architecture of the buffer function (arm64 or x86_64)."""
    kms_deletion_window_days: int = 30
    """Waiting period, in days (7 to 30), before the buffer's customer-managed key is deleted."""
    tags: dict[str, str] = field(default_factory=dict)
    """Extra tags on every taggable resource."""


# What other languages see (``pulumi package add``): each setting an input of its own, as before.
FifoEventBufferInputs = flattened(FifoEventBufferArgs, BufferConfig, skip=("enabled",))


def check_buffer_args(args: FifoEventBufferArgs) -> None:
    """The settings checked as ``eventfork:buffer`` is, named as the schema names them."""
    partitions = args.config.partitions
    partitions = partitions if isinstance(partitions, int) else 1  # a bad count is reported by the rules
    check_arguments(
        "FifoEventBuffer", args, BufferConfig, lambda prefix: buffer_names(prefix, partitions), ("enabled",)
    )


@schema_view
class FifoEventBuffer(pulumi.ComponentResource):
    """SQS FIFO buffer queue -> buffer function (DynamoDB state) -> fan-out topic."""

    queue_url: pulumi.Output[str]
    """URL of the buffer queue producers send events to."""
    queue_arn: pulumi.Output[str]
    """ARN of the buffer queue."""
    queue_urls: pulumi.Output[list[str]]
    """URLs of every partition's buffer queue, index = partition (producers route by group)."""
    queue_arns: pulumi.Output[list[str]]
    """ARNs of every partition's buffer queue, index = partition."""
    dlq_url: pulumi.Output[str]
    """URL of the buffer's dead-letter queue (rejected events, with a reason)."""
    dlq_arn: pulumi.Output[str]
    """ARN of the buffer's dead-letter queue."""
    table_name: pulumi.Output[str]
    """Name of the DynamoDB table holding each group's last delivery and delivered ids."""
    function_name: pulumi.Output[str]
    """Name of the buffer function."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the buffer's customer-managed key (queue, table and logs)."""
    producer_policy_json: pulumi.Output[str]
    """IAM policy document a producer needs (SendMessage on the queue and its key)."""
    producer_policy_arn: pulumi.Output[str]
    """ARN of the managed IAM policy with that document, to attach to producers."""
    operator_policy_json: pulumi.Output[str]
    """IAM policy document ``python -m eventfork ops`` needs (read the DLQ and the group table, redrive)."""
    operator_policy_arn: pulumi.Output[str]
    """ARN of the managed IAM policy with that document, to attach to operators."""

    def __init__(self, name: str, args: FifoEventBufferArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args, token, opts = hosted(
            args, lambda inputs: args_from_flat_inputs(FifoEventBufferArgs, BufferConfig, inputs), TOKEN, opts
        )
        check_buffer_args(args)
        cfg = args.config
        super().__init__(token, name, None, opts)
        tags = merge_tags(args.tags, {"eventfork:component": "buffer"})
        child = pulumi.ResourceOptions(parent=self)
        self.key = customer_managed_key(
            f"{name}-key",
            physical("buffer-key-alias", args.name_prefix),
            "eventfork buffer queue, tables and logs",
            self,
            args.kms_deletion_window_days,
            tags,
        )
        visibility = cfg.visibility_timeout_seconds
        queues = queue_with_dlq(
            f"{name}-queue",
            (physical("buffer-queue", args.name_prefix), physical("buffer-dlq", args.name_prefix)),
            parent=self,
            kms_key_arn=self.key.arn,
            fifo=True,
            high_throughput=cfg.highThroughput,
            visibility_timeout=visibility,
            retention_seconds=cfg.retentionSeconds,
            max_receive_count=cfg.redrive_max_receive_count,
            max_message_size=BUFFER_MAX_MESSAGE_BYTES,
            tags=merge_tags(tags, {"eventfork:role": "buffer"}),
            content_based_deduplication=cfg.contentBasedDeduplication,
            extra_queue_names=tuple(
                physical("buffer-partition-queue", args.name_prefix, label=str(i)) for i in range(1, cfg.partitions)
            ),
        )
        self.queue, self.dlq, self.partition_queues = queues.queue, queues.dlq, queues.partitions
        for index, queue in enumerate(self.partition_queues):
            tls_only_queue_policy(f"{name}-queue{f'-p{index}' if index else ''}-policy", queue, self)
        tls_only_queue_policy(f"{name}-queue-dlq-policy", self.dlq, self)
        queue_arns = [q.arn for q in self.partition_queues]
        self.queue_resources = buffer_queue_resources(self.queue.arn, cfg.partitions, args.name_prefix)
        table_name = physical("buffer-table", args.name_prefix)
        self.table = self._ttl_table(f"{name}-table", table_name, GROUP_KEY, "buffer", args, tags)
        function_name = physical("buffer-function", args.name_prefix)
        built = python_function(
            f"{name}-function",
            FunctionSpec(
                code_dir="buffer",
                function_name=function_name,
                timeout=cfg.functionTimeoutSeconds,
                memory_size=cfg.memorySize,
                runtime=args.runtime,
                architecture=args.architecture,
                log_retention_days=cfg.logRetentionDays,
                kms_key_arn=self.key.arn,
                tags=tags,
                environment={
                    "BUFFER_TABLE": self.table.name,
                    "TOPIC_ARN": args.topic_arn,
                    "TOPIC_FIFO": "true" if args.topic_fifo else "false",
                    "SOURCE_QUEUE_URL": self.queue.url,
                    "DLQ_URL": self.dlq.url,
                    "TOPIC_MAX_MESSAGE_BYTES": str(TOPIC_MAX_MESSAGE_BYTES),
                    "DLQ_MAX_MESSAGE_BYTES": str(DLQ_MAX_MESSAGE_BYTES),
                    **cfg.function_environment(),
                },
                statements=buffer_function_statements(
                    queue_resources=self.queue_resources,
                    dlq_arn=self.dlq.arn,
                    table_arn=self.table.arn,
                    topic_arn=args.topic_arn,
                    key_arn=self.key.arn,
                    topic_kms_key_arn=args.topic_kms_key_arn,
                    region=account_and_region(self)[1],
                ),
            ),
            self,
        )
        self.function = built.function
        self.role = built.role
        self.event_source_mappings = [
            aws.lambda_.EventSourceMapping(
                f"{name}-events" + (f"-p{index}" if index else ""),
                event_source_arn=queue.arn,
                function_name=self.function.arn,
                batch_size=cfg.batchSize,
                function_response_types=["ReportBatchItemFailures"],
                scaling_config={"maximum_concurrency": cfg.maxConcurrency},
                enabled=True,
                tags=tags,
                opts=child,
            )
            for index, queue in enumerate(self.partition_queues)
        ]
        self.event_source_mapping = self.event_source_mappings[0]
        producers = producer_access(
            name, queue_resources=self.queue_resources, key_arn=self.key.arn, tags=tags, parent=self
        )
        self.producer_policy_json, self.producer_policy = producers.policy_json, producers.policy
        self.producer_policy_arn = self.producer_policy.arn
        operators = operator_access(
            name,
            dlq_arn=self.dlq.arn,
            queue_resources=self.queue_resources,
            table_arn=self.table.arn,
            key_arn=self.key.arn,
            tags=tags,
            parent=self,
        )
        self.operator_policy_json, self.operator_policy = operators.policy_json, operators.policy
        self.operator_policy_arn = self.operator_policy.arn
        self.queue_url = self.queue.url
        self.queue_arn = self.queue.arn
        self.queue_urls = pulumi.Output.all(*[q.url for q in self.partition_queues])
        self.queue_arns = pulumi.Output.all(*queue_arns)
        self.dlq_url = self.dlq.url
        self.dlq_arn = self.dlq.arn
        self.table_name = self.table.name
        self.function_name = self.function.name
        self.kms_key_arn = self.key.arn
        self.register_outputs(
            {
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "queueUrls": self.queue_urls,
                "queueArns": self.queue_arns,
                "dlqUrl": self.dlq_url,
                "dlqArn": self.dlq_arn,
                "tableName": self.table_name,
                "functionName": self.function_name,
                "kmsKeyArn": self.kms_key_arn,
                "producerPolicyJson": self.producer_policy_json,
                "producerPolicyArn": self.producer_policy_arn,
                "operatorPolicyJson": self.operator_policy_json,
                "operatorPolicyArn": self.operator_policy_arn,
            }
        )

    def _ttl_table(
        self, name: str, physical: str, key: str, role: str, args: FifoEventBufferArgs, tags: dict[str, str]
    ) -> aws.dynamodb.Table:
        """On-demand table under the buffer's CMK, with TTL on ``expiresAt`` and point-in-time recovery."""
        return aws.dynamodb.Table(
            name,
            name=physical,
            billing_mode="PAY_PER_REQUEST",
            hash_key=key,
            attributes=[{"name": key, "type": "S"}],
            ttl={"enabled": True, "attribute_name": TTL_ATTRIBUTE},
            point_in_time_recovery={"enabled": args.config.pointInTimeRecovery},
            server_side_encryption={"enabled": True, "kms_key_arn": self.key.arn},
            deletion_protection_enabled=args.config.deletionProtection,
            tags=merge_tags(tags, {"eventfork:role": role}),
            opts=pulumi.ResourceOptions(parent=self),
        )


FifoEventBuffer.__init__.__annotations__["args"] = FifoEventBufferInputs  # the schema's view of the arguments
