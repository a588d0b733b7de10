"""StorageBackupPipeline: every event (or a filtered subset) archived to S3 through Firehose."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.buckets import access_logged
from eventfork.components.parts.delivery import delivery_logging, firehose_role, processing
from eventfork.components.parts.hosting import args_from_inputs, checked_section, hosted, schema_view
from eventfork.components.parts.lifecycle import Lifecycle
from eventfork.components.parts.pipeline_parts import (
    PipelineArgs,
    encrypted_bucket,
    redaction_transform,
    stream_forwarder,
    subscribed_queue,
    tagged,
)
from eventfork.config.backup import BackupConfig
from eventfork.naming import physical

TOKEN = "eventfork:pipelines:StorageBackupPipeline"


@schema_view
@dataclass(kw_only=True)
class StorageBackupPipelineArgs(PipelineArgs):
    """Where to subscribe, which key to use, and the ``eventfork:backup`` settings."""

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
    config: BackupConfig = field(default_factory=BackupConfig)
    """The ``eventfork:backup`` settings (every key optional; see docs/local.md)."""


@schema_view
class StorageBackupPipeline(pulumi.ComponentResource):
    """Topic -> queue -> forwarder -> Firehose (DirectPut, redaction, compression, CMK) -> S3."""

    queue_url: pulumi.Output[str]
    """URL of the backup queue subscribed to the topic."""
    queue_arn: pulumi.Output[str]
    """ARN of the backup queue."""
    dlq_url: pulumi.Output[str]
    """URL of the backup queue's dead-letter queue."""
    bucket_arn: pulumi.Output[str]
    """ARN of the bucket events are archived in (created, or the configured one)."""
    bucket_name: pulumi.Output[str]
    """Name of that bucket."""
    delivery_stream_name: pulumi.Output[str]
    """Name of the Firehose delivery stream writing to the bucket."""
    delivery_stream_arn: pulumi.Output[str]
    """ARN of that delivery stream."""
    transform_function_arn: pulumi.Output[str] | None
    """ARN of the Firehose transformation function, if any (redaction or your own)."""

    def __init__(self, name: str, args: StorageBackupPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args, token, opts = hosted(args, _args_from_inputs, TOKEN, opts)
        super().__init__(token, name, None, opts)
        cfg, tags, prefix = args.config, tagged(args.tags, "backup"), args.name_prefix
        sub = subscribed_queue(
            f"{name}-queue",
            (
                physical("backup-queue", prefix, fifo=args.topic_fifo),
                physical("backup-dlq", prefix, fifo=args.topic_fifo),
            ),
            parent=self,
            topic_arn=args.topic_arn,
            fifo=args.topic_fifo,
            kms_key_arn=args.kms_key_arn,
            visibility_timeout=6 * cfg.functionTimeoutSeconds,
            retention_seconds=cfg.queueRetentionSeconds,
            tags=tags,
            filter_policy=cfg.filterPolicy,
            filter_policy_scope=cfg.filterPolicyScope,
        )
        if cfg.bucketArn:
            self.bucket_arn = pulumi.Output.from_input(cfg.bucketArn)
            self.bucket_name = pulumi.Output.from_input(cfg.bucketArn.split(":::")[-1])
        else:
            bucket = encrypted_bucket(
                f"{name}-bucket",
                physical("backup-bucket-prefix", prefix),
                parent=self,
                kms_key_arn=args.kms_key_arn,
                tags=tags,
                lifecycle=Lifecycle.of_backup(cfg),
            )
            if cfg.accessLogging:
                access_logged(
                    f"{name}-bucket",
                    bucket,
                    physical("backup-log-bucket-prefix", prefix),
                    parent=self,
                    tags=tags,
                    retention_days=cfg.accessLogRetentionDays,
                )
            self.bucket_arn, self.bucket_name = bucket.arn, bucket.bucket
        transform_arn: pulumi.Input[str] | None = cfg.transformFunctionArn
        if cfg.redaction:
            transform_arn = redaction_transform(
                f"{name}-redaction",
                physical("backup-redaction-function", prefix),
                parent=self,
                args=args,
                log_level=cfg.logLevel,
                tags=tags,
            )
        self.transform_function_arn = None if transform_arn is None else pulumi.Output.from_input(transform_arn)
        stream_name = physical("backup-stream", prefix)
        logging = delivery_logging(
            f"{name}-stream",
            stream_name,
            parent=self,
            kms_key_arn=args.kms_key_arn,
            tags=tags,
            retention_days=args.log_retention_days,
        )
        role = firehose_role(
            f"{name}-firehose-role",
            parent=self,
            bucket_arn=self.bucket_arn,
            kms_key_arn=args.kms_key_arn,
            log_group_arn=logging.log_group.arn,
            transform_arn=transform_arn,
            tags=tags,
        )
        s3_config = {
            "role_arn": role.arn,
            "bucket_arn": self.bucket_arn,
            "prefix": cfg.prefix,
            "error_output_prefix": cfg.errorPrefix,
            "compression_format": cfg.compression,
            "buffering_interval": cfg.bufferingIntervalSeconds,
            "buffering_size": cfg.bufferingSizeMb,
            "kms_key_arn": args.kms_key_arn,
            "cloudwatch_logging_options": logging.options(),
        }
        if transform_arn is not None:
            s3_config["processing_configuration"] = processing(transform_arn)
        self.stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-stream",
            name=stream_name,
            destination="extended_s3",
            server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": args.kms_key_arn},
            extended_s3_configuration=s3_config,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.forwarder, self.mapping = stream_forwarder(
            f"{name}-forwarder",
            physical("backup-forwarder-function", prefix),
            cfg.functionTimeoutSeconds,
            self.stream,
            sub.queues.queue,
            args,
            tags,
            self,
            log_level=cfg.logLevel,
            redact=cfg.redaction,
        )
        self.queue_url, self.queue_arn, self.queue_name = (
            sub.queues.queue.url,
            sub.queues.queue.arn,
            sub.queues.queue.name,
        )
        self.dlq_url, self.dlq_arn, self.dlq_name = sub.queues.dlq.url, sub.queues.dlq.arn, sub.queues.dlq.name
        self.delivery_stream_name, self.delivery_stream_arn = self.stream.name, self.stream.arn
        self.register_outputs(
            {
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "dlqUrl": self.dlq_url,
                "bucketArn": self.bucket_arn,
                "bucketName": self.bucket_name,
                "deliveryStreamName": self.delivery_stream_name,
                "deliveryStreamArn": self.delivery_stream_arn,
            }
        )


def _args_from_inputs(inputs: Mapping[str, Any]) -> StorageBackupPipelineArgs:
    """StorageBackupPipelineArgs from the provider's inputs; ``config`` is checked as stack config is."""
    return args_from_inputs(StorageBackupPipelineArgs, inputs, config=checked_section(BackupConfig))
