"""SearchAnalyticsPipeline: a filtered subset of events indexed in OpenSearch through Firehose."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.common import account_and_region, policy_json
from eventfork.components.delivery import (
    BACKUP_LOG_STREAM,
    DESTINATION_LOG_STREAM,
    delivery_logging,
    firehose_role,
    processing,
)
from eventfork.components.hosting import args_from_inputs, checked_section, hosted, schema_view
from eventfork.components.pipeline_parts import (
    PipelineArgs,
    encrypted_bucket,
    redaction_transform,
    stream_forwarder,
    subscribed_queue,
    tagged,
)
from eventfork.naming import physical
from eventfork.pipelines_config import AnalyticsConfig

TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
# What Firehose does on a domain: describe it, then bulk-index over HTTPS.
FIREHOSE_DOMAIN_ACTIONS = ["es:DescribeDomain", "es:DescribeDomains", "es:DescribeDomainConfig"]
FIREHOSE_HTTP_ACTIONS = ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"]
READER_HTTP_ACTIONS = ["es:ESHttpGet", "es:ESHttpHead"]
# Published to CloudWatch Logs: who did what (needs fine-grained access control) and the domain's errors.
DOMAIN_LOG_TYPES = {"AUDIT_LOGS": "audit", "ES_APPLICATION_LOGS": "errors"}

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


def cluster_config(cfg: AnalyticsConfig) -> dict[str, Any]:
    """Data nodes (zone aware over 2 or 3 zones when more than one) and optional dedicated masters."""
    zone_aware = cfg.instanceCount > 1
    cluster: dict[str, Any] = {
        "instance_type": cfg.instanceType,
        "instance_count": cfg.instanceCount,
        "dedicated_master_enabled": cfg.dedicatedMasterEnabled,
        "zone_awareness_enabled": zone_aware,
    }
    if cfg.dedicatedMasterEnabled:
        cluster.update(dedicated_master_type=cfg.dedicatedMasterType, dedicated_master_count=cfg.dedicatedMasterCount)
    if zone_aware:
        cluster["zone_awareness_config"] = {"availability_zone_count": 3 if cfg.instanceCount % 3 == 0 else 2}
    return cluster


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
        )
        transform_arn: pulumi.Input[str] | None = cfg.transformFunctionArn
        if cfg.transform:
            transform_arn = redaction_transform(
                f"{name}-transform",
                physical("analytics-transform-function", prefix),
                parent=self,
                args=args,
                log_level=cfg.logLevel,
                tags=tags,
            )
        self.transform_function_arn = None if transform_arn is None else pulumi.Output.from_input(transform_arn)
        domain_name = cfg.domainArn.split(":domain/")[1] if cfg.domainArn else physical("analytics-domain", prefix)
        if cfg.domainArn:
            domain_arn: pulumi.Input[str] = cfg.domainArn
        else:
            account, region = account_and_region(self)
            partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self)).partition
            # The domain's own access policy names its ARN before the domain exists.
            domain_arn = pulumi.Output.concat("arn:", partition, ":es:", region, ":", account, ":domain/", domain_name)
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
                }
            ],
            tags=tags,
        )
        if cfg.domainArn:
            found = aws.opensearch.get_domain_output(domain_name=domain_name, opts=pulumi.InvokeOptions(parent=self))
            self.domain_endpoint = found.endpoint
        else:
            log_options = self._domain_logs(name, domain_name, domain_arn, args, tags)
            domain = self._domain(name, domain_name, domain_arn, role, cfg, args, tags, log_options)
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

    def _domain(
        self,
        name: str,
        domain_name: str,
        planned_arn: pulumi.Input[str],
        role: aws.iam.Role,
        cfg: AnalyticsConfig,
        args: SearchAnalyticsPipelineArgs,
        tags: dict[str, str],
        log_options: list[dict[str, Any]],
    ) -> aws.opensearch.Domain:
        """A private-by-policy domain: CMK at rest, TLS 1.2+ between nodes and to clients, fine-grained access.

        Fine-grained access control maps the IAM master user to all_access: the Firehose role is the
        master, so it can create the rotated indices; other readers are mapped through the security plugin.
        """
        statements: list[dict[str, Any]] = [
            {
                "Sid": "PipelineIndexes",
                "Effect": "Allow",
                "Principal": {"AWS": role.arn},
                "Action": FIREHOSE_HTTP_ACTIONS,
                "Resource": pulumi.Output.concat(planned_arn, "/*"),
            }
        ]
        if cfg.readerArns:
            statements.append(
                {
                    "Sid": "ReadersSearch",
                    "Effect": "Allow",
                    "Principal": {"AWS": list(cfg.readerArns)},
                    "Action": READER_HTTP_ACTIONS,
                    "Resource": pulumi.Output.concat(planned_arn, "/*"),
                }
            )
        return aws.opensearch.Domain(
            f"{name}-domain",
            domain_name=domain_name,
            engine_version=cfg.engineVersion,
            cluster_config=cluster_config(cfg),
            ebs_options={"ebs_enabled": True, "volume_size": cfg.volumeSizeGb, "volume_type": "gp3"},
            encrypt_at_rest={"enabled": True, "kms_key_id": args.kms_key_arn},
            node_to_node_encryption={"enabled": True},
            domain_endpoint_options={"enforce_https": True, "tls_security_policy": TLS_POLICY},
            access_policies=policy_json(statements),
            advanced_security_options={
                "enabled": True,
                "anonymous_auth_enabled": False,
                "internal_user_database_enabled": False,
                "master_user_options": {"master_user_arn": role.arn},
            },
            log_publishing_options=log_options,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _domain_logs(
        self,
        name: str,
        domain_name: str,
        domain_arn: pulumi.Input[str],
        args: SearchAnalyticsPipelineArgs,
        tags: dict[str, str],
    ) -> list[dict[str, Any]]:
        """CMK-encrypted log groups for the domain's audit and error logs, and the policy letting it write them."""
        child = pulumi.ResourceOptions(parent=self)
        groups = {
            log_type: aws.cloudwatch.LogGroup(
                f"{name}-domain-{suffix}-logs",
                name=physical("domain-log-group", args.name_prefix, of=domain_name, label=suffix),
                kms_key_id=args.kms_key_arn,
                retention_in_days=args.log_retention_days,
                tags=tags,
                opts=child,
            )
            for log_type, suffix in DOMAIN_LOG_TYPES.items()
        }
        account, _ = account_and_region(self)
        aws.cloudwatch.LogResourcePolicy(
            f"{name}-domain-logs-policy",
            policy_name=f"{domain_name}-logs",
            policy_document=policy_json(
                [
                    {
                        "Sid": "DomainWritesItsLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "es.amazonaws.com"},
                        "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                        "Resource": [pulumi.Output.concat(g.arn, ":*") for g in groups.values()],
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account},
                            "ArnLike": {"aws:SourceArn": domain_arn},
                        },
                    }
                ]
            ),
            opts=child,
        )
        return [{"log_type": t, "cloudwatch_log_group_arn": g.arn, "enabled": True} for t, g in groups.items()]


def _args_from_inputs(inputs: Mapping[str, Any]) -> SearchAnalyticsPipelineArgs:
    """SearchAnalyticsPipelineArgs from the provider's inputs; ``config`` is checked as stack config is."""
    return args_from_inputs(SearchAnalyticsPipelineArgs, inputs, config=checked_section(AnalyticsConfig))
