"""StorageBackupPipeline: every event (or a filtered subset) archived to S3 through Firehose."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.delivery import delivery_logging, firehose_role, processing
from components.lifecycle import Lifecycle
from components.pipeline_parts import (
    PipelineArgs,
    encrypted_bucket,
    redaction_transform,
    stream_forwarder,
    subscribed_queue,
    tagged,
)
from naming import physical
from pipelines_config import BackupConfig


@dataclass(kw_only=True)
class StorageBackupPipelineArgs(PipelineArgs):
    """Where to subscribe, which key to use, and the ``eventfork:backup`` settings."""

    config: BackupConfig = field(default_factory=BackupConfig)


class StorageBackupPipeline(pulumi.ComponentResource):
    """Topic -> queue -> forwarder -> Firehose (DirectPut, redaction, compression, CMK) -> S3."""

    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    delivery_stream_name: pulumi.Output[str]
    delivery_stream_arn: pulumi.Output[str]
    transform_function_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: StorageBackupPipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("eventfork:pipelines:StorageBackupPipeline", name, None, opts)
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
