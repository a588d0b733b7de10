"""SearchAnalyticsPipeline: a filtered subset of events indexed in OpenSearch through Firehose.

The OpenSearch domain it creates (access policy, security settings, logs) is in ``search_domain.py``,
its private network in ``search_network.py``, its master user and role mapping in ``search_setup.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.buckets import access_logged
from eventfork.components.parts.delivery import (
    BACKUP_LOG_STREAM,
    DESTINATION_LOG_STREAM,
    delivery_logging,
    firehose_role,
    processing,
)
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
from eventfork.components.parts.search_domain import (
    FIREHOSE_DOMAIN_ACTIONS,
    FIREHOSE_HTTP_ACTIONS,
    domain_logs,
    planned_domain,
    search_domain,
)
from eventfork.components.parts.search_network import (
    SearchNetwork,
    created_network,
    delivery_vpc_statement,
    given_network,
)
from eventfork.components.parts.search_setup import run_setup, setup_function
from eventfork.config.analytics import AnalyticsConfig
from eventfork.naming import physical

TOKEN = "eventfork:pipelines:SearchAnalyticsPipeline"


@schema_view
@dataclass(kw_only=True)
class SearchAnalyticsPipelineArgs(PipelineArgs):
    """Where to subscribe, which key to use, and the ``eventfork:analytics`` settings."""

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
    config: AnalyticsConfig = field(default_factory=AnalyticsConfig)
    """The ``eventfork:analytics`` settings (every key optional; see docs/local.md)."""


@schema_view
class SearchAnalyticsPipeline(pulumi.ComponentResource):
    """Topic (filter policy) -> queue -> forwarder -> Firehose -> OpenSearch; failed documents -> S3."""

    queue_url: pulumi.Output[str]
    """URL of the analytics queue subscribed to the topic."""
    queue_arn: pulumi.Output[str]
    """ARN of the analytics queue."""
    dlq_url: pulumi.Output[str]
    """URL of the analytics queue's dead-letter queue."""
    domain_arn: pulumi.Output[str]
    """ARN of the OpenSearch domain events are indexed in (created, or the configured one)."""
    domain_endpoint: pulumi.Output[str]
    """Endpoint of that domain."""
    delivery_stream_name: pulumi.Output[str]
    """Name of the Firehose delivery stream writing to the domain."""
    delivery_role_arn: pulumi.Output[str]
    """ARN of the delivery stream's role (map it in the domain's security plugin)."""
    failed_bucket_name: pulumi.Output[str]
    """Name of the bucket holding documents OpenSearch rejected."""
    failed_bucket_arn: pulumi.Output[str]
    """ARN of that bucket."""
    transform_function_arn: pulumi.Output[str] | None
    """ARN of the Firehose transformation function, if any (redaction or your own)."""

    def __init__(
        self, name: str, args: SearchAnalyticsPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args, token, opts = hosted(args, _args_from_inputs, TOKEN, opts)
        super().__init__(token, name, None, opts)
        cfg, tags, prefix = args.config, tagged(args.tags, "analytics"), args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        sub = subscribed_queue(
            f"{name}-queue",
            (
                physical("analytics-queue", prefix, fifo=args.topic_fifo),
                physical("analytics-dlq", prefix, fifo=args.topic_fifo),
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
        failed = encrypted_bucket(
            f"{name}-failed",
            physical("analytics-failed-bucket-prefix", prefix),
            parent=self,
            kms_key_arn=args.kms_key_arn,
            tags=tags,
            lifecycle=Lifecycle(expiration_days=cfg.failedDocumentsExpirationDays),
        )
        if cfg.accessLogging:
            access_logged(
                f"{name}-failed",
                failed,
                physical("analytics-log-bucket-prefix", prefix),
                parent=self,
                tags=tags,
                retention_days=cfg.accessLogRetentionDays,
            )
        transform_arn: pulumi.Input[str] | None = cfg.transformFunctionArn
        if cfg.builtin_transform:
            transform_arn = redaction_transform(
                f"{name}-transform",
                physical("analytics-transform-function", prefix),
                parent=self,
                args=args,
                log_level=cfg.logLevel,
                tags=tags,
            )
        self.transform_function_arn = None if transform_arn is None else pulumi.Output.from_input(transform_arn)
        domain_name, domain_arn = planned_domain(cfg, prefix, self)
        network = self._network(name, cfg, args, tags)
        stream_name = physical("analytics-stream", prefix)
        logging = delivery_logging(
            f"{name}-stream",
            stream_name,
            parent=self,
            kms_key_arn=args.kms_key_arn,
            tags=tags,
            log_streams=(DESTINATION_LOG_STREAM, BACKUP_LOG_STREAM),
            retention_days=args.log_retention_days,
        )
        role = firehose_role(
            f"{name}-firehose-role",
            parent=self,
            bucket_arn=failed.arn,
            kms_key_arn=args.kms_key_arn,
            log_group_arn=logging.log_group.arn,
            transform_arn=transform_arn,
            extra=[
                {
                    "Sid": "IndexDocuments",
                    "Effect": "Allow",
                    "Action": FIREHOSE_DOMAIN_ACTIONS + FIREHOSE_HTTP_ACTIONS,
                    "Resource": [domain_arn, pulumi.Output.concat(domain_arn, "/*")],
                },
                *([] if network is None else [delivery_vpc_statement()]),
            ],
            tags=tags,
        )
        if cfg.domainArn:
            found = aws.opensearch.get_domain_output(domain_name=domain_name, opts=pulumi.InvokeOptions(parent=self))
            self.domain_endpoint = found.endpoint
        else:
            log_options = domain_logs(
                name,
                domain_name,
                domain_arn,
                parent=self,
                name_prefix=prefix,
                kms_key_arn=args.kms_key_arn,
                retention_days=args.log_retention_days,
                tags=tags,
            )
            setup = setup_function(
                f"{name}-setup",
                parent=self,
                name_prefix=prefix,
                planned_domain_arn=domain_arn,
                network=network,
                kms_key_arn=args.kms_key_arn,
                log_retention_days=args.log_retention_days,
                log_level=cfg.logLevel,
                tags=tags,
            )
            domain = search_domain(
                name,
                domain_name,
                domain_arn,
                parent=self,
                indexer_arn=role.arn,
                master_arn=setup.role.arn,
                network=network,
                cfg=cfg,
                kms_key_arn=args.kms_key_arn,
                tags=tags,
                log_options=log_options,
            )
            run_setup(
                f"{name}-setup",
                setup,
                parent=self,
                domain=domain,
                index_name=cfg.indexName,
                writer_arns=[role.arn],
                reader_arns=list(cfg.readerArns),
                admin_arns=list(cfg.adminArns),
            )
            domain_arn, self.domain_endpoint = domain.arn, domain.endpoint
        config: dict[str, Any] = {
            "domain_arn": domain_arn,
            "role_arn": role.arn,
            "index_name": cfg.indexName,
            "index_rotation_period": cfg.indexRotation,
            "retry_duration": cfg.retryDurationSeconds,
            "buffering_interval": cfg.bufferingIntervalSeconds,
            "buffering_size": cfg.bufferingSizeMb,
            "s3_backup_mode": "FailedDocumentsOnly",
            "s3_configuration": {
                "role_arn": role.arn,
                "bucket_arn": failed.arn,
                "prefix": cfg.failedDocumentsPrefix,
                "compression_format": cfg.failedDocumentsCompression,
                "kms_key_arn": args.kms_key_arn,
                "cloudwatch_logging_options": logging.options(BACKUP_LOG_STREAM),
            },
            "cloudwatch_logging_options": logging.options(),
        }
        if network is not None:
            config["vpc_config"] = {
                "role_arn": role.arn,
                "subnet_ids": network.client_subnet_ids,
                "security_group_ids": network.client_security_group_ids,
            }
        if cfg.failedDocumentsErrorPrefix is not None:
            config["s3_configuration"]["error_output_prefix"] = cfg.failedDocumentsErrorPrefix
        if transform_arn is not None:
            config["processing_configuration"] = processing(transform_arn)
        self.stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-stream",
            name=stream_name,
            destination="opensearch",
            server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": args.kms_key_arn},
            opensearch_configuration=config,
            tags=tags,
            opts=child,
        )
        self.forwarder, self.mapping = stream_forwarder(
            f"{name}-forwarder",
            physical("analytics-forwarder-function", prefix),
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
        self.domain_arn = pulumi.Output.from_input(domain_arn)
        self.delivery_stream_name, self.delivery_role_arn = self.stream.name, role.arn
        self.failed_bucket_name, self.failed_bucket_arn = failed.bucket, failed.arn
        self.register_outputs(
            {
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "dlqUrl": self.dlq_url,
                "domainArn": self.domain_arn,
                "domainEndpoint": self.domain_endpoint,
                "deliveryStreamName": self.delivery_stream_name,
                "deliveryRoleArn": self.delivery_role_arn,
                "failedBucketName": self.failed_bucket_name,
                "failedBucketArn": self.failed_bucket_arn,
            }
        )

    def _network(
        self, name: str, cfg: AnalyticsConfig, args: SearchAnalyticsPipelineArgs, tags: dict[str, str]
    ) -> SearchNetwork | None:
        """Where the domain and the delivery live: nowhere private for a public domain, the given
        subnets and security groups, or a VPC created for them."""
        if cfg.publicAccess:
            return None
        if cfg.subnetIds:
            return given_network(cfg)
        return created_network(
            f"{name}-network",
            cfg,
            parent=self,
            name_prefix=args.name_prefix,
            kms_key_arn=args.kms_key_arn,
            log_retention_days=args.log_retention_days,
            tags=tags,
        )


def _args_from_inputs(inputs: Mapping[str, Any]) -> SearchAnalyticsPipelineArgs:
    """SearchAnalyticsPipelineArgs from the provider's inputs; ``config`` is checked as stack config is."""
    return args_from_inputs(SearchAnalyticsPipelineArgs, inputs, config=checked_section(AnalyticsConfig))
