"""SearchAnalyticsPipeline: a filtered subset of events indexed in OpenSearch through Firehose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.common import policy_json
from components.function import FunctionSpec, python_function
from components.pipeline_parts import (
    PipelineArgs,
    encrypted_bucket,
    firehose_role,
    processing,
    stream_forwarder,
    subscribed_queue,
    tagged,
)
from pipelines_config import AnalyticsConfig

TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"


@dataclass(kw_only=True)
class SearchAnalyticsPipelineArgs(PipelineArgs):
    """Where to subscribe, which key to use, and the ``eventfork:analytics`` settings."""

    config: AnalyticsConfig = field(default_factory=AnalyticsConfig)


class SearchAnalyticsPipeline(pulumi.ComponentResource):
    """Topic (filter policy) -> queue -> forwarder -> Firehose -> OpenSearch; failed documents -> S3."""

    queue_url: pulumi.Output[str]
    queue_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    domain_arn: pulumi.Output[str]
    domain_endpoint: pulumi.Output[str]
    delivery_stream_name: pulumi.Output[str]
    failed_bucket_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: SearchAnalyticsPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("eventfork:pipelines:SearchAnalyticsPipeline", name, None, opts)
        cfg, tags, prefix = args.config, tagged(args.tags, "analytics"), args.name_prefix
        child = pulumi.ResourceOptions(parent=self)
        sub = subscribed_queue(
            f"{name}-queue",
            f"{prefix}-analytics",
            parent=self,
            topic_arn=args.topic_arn,
            fifo=args.topic_fifo,
            kms_key_arn=args.kms_key_arn,
            visibility_timeout=6 * cfg.functionTimeoutSeconds,
            retention_seconds=1209600,
            tags=tags,
            filter_policy=cfg.filterPolicy,
            filter_policy_scope=cfg.filterPolicyScope,
        )
        failed = encrypted_bucket(
            f"{name}-failed", f"{prefix}-search-failed-", parent=self, kms_key_arn=args.kms_key_arn, tags=tags
        )
        common = args.function_settings(tags)
        transform_arn = None
        if cfg.transform:
            transform_arn = python_function(
                f"{name}-transform",
                FunctionSpec(
                    code_dir="redaction",
                    function_name=f"{prefix}-analytics-transform",
                    timeout=60,
                    memory_size=256,
                    environment={},
                    statements=[],
                    **common,
                ),
                self,
            ).function.arn
        domain_arn: pulumi.Input[str] = cfg.domainArn or ""
        es_statement: dict[str, Any] = {
            "Sid": "IndexDocuments",
            "Effect": "Allow",
            "Action": [
                "es:DescribeDomain",
                "es:DescribeDomains",
                "es:DescribeDomainConfig",
                "es:ESHttpPost",
                "es:ESHttpPut",
                "es:ESHttpGet",
            ],
        }
        if cfg.domainArn:
            es_statement["Resource"] = [cfg.domainArn, f"{cfg.domainArn}/*"]
            role = firehose_role(
                f"{name}-firehose-role",
                parent=self,
                bucket_arn=failed.arn,
                kms_key_arn=args.kms_key_arn,
                transform_arn=transform_arn,
                extra=[es_statement],
                tags=tags,
            )
            self.domain_endpoint = pulumi.Output.from_input("")
        else:
            domain_name = f"{prefix}-search"[:28].rstrip("-")
            region_account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
            region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
            planned_arn = pulumi.Output.concat("arn:aws:es:", region, ":", region_account, ":domain/", domain_name)
            es_statement["Resource"] = [planned_arn, pulumi.Output.concat(planned_arn, "/*")]
            role = firehose_role(
                f"{name}-firehose-role",
                parent=self,
                bucket_arn=failed.arn,
                kms_key_arn=args.kms_key_arn,
                transform_arn=transform_arn,
                extra=[es_statement],
                tags=tags,
            )
            zone_aware = cfg.instanceCount > 1
            cluster: dict[str, Any] = {
                "instance_type": cfg.instanceType,
                "instance_count": cfg.instanceCount,
                "dedicated_master_enabled": cfg.dedicatedMasterEnabled,
                "zone_awareness_enabled": zone_aware,
            }
            if cfg.dedicatedMasterEnabled:
                cluster.update(
                    dedicated_master_type=cfg.dedicatedMasterType, dedicated_master_count=cfg.dedicatedMasterCount
                )
            if zone_aware:
                cluster["zone_awareness_config"] = {"availability_zone_count": 3 if cfg.instanceCount % 3 == 0 else 2}
            domain = aws.opensearch.Domain(
                f"{name}-domain",
                domain_name=domain_name,
                engine_version=cfg.engineVersion,
                cluster_config=cluster,
                ebs_options={"ebs_enabled": True, "volume_size": cfg.volumeSizeGb, "volume_type": "gp3"},
                encrypt_at_rest={"enabled": True, "kms_key_id": args.kms_key_arn},
                node_to_node_encryption={"enabled": True},
                domain_endpoint_options={"enforce_https": True, "tls_security_policy": TLS_POLICY},
                access_policies=policy_json(
                    [
                        {
                            "Sid": "PipelineIndexes",
                            "Effect": "Allow",
                            "Principal": {"AWS": role.arn},
                            "Action": ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"],
                            "Resource": pulumi.Output.concat(planned_arn, "/*"),
                        }
                    ]
                ),
                tags=tags,
                opts=child,
            )
            domain_arn = domain.arn
            self.domain_endpoint = domain.endpoint
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
                "compression_format": cfg.failedDocumentsCompression,
                "kms_key_arn": args.kms_key_arn,
            },
        }
        if transform_arn is not None:
            config["processing_configuration"] = processing(transform_arn)
        self.stream = aws.kinesis.FirehoseDeliveryStream(
            f"{name}-stream",
            name=f"{prefix}-analytics",
            destination="opensearch",
            server_side_encryption={"enabled": True, "key_type": "CUSTOMER_MANAGED_CMK", "key_arn": args.kms_key_arn},
            opensearch_configuration=config,
            tags=tags,
            opts=child,
        )
        self.forwarder, self.mapping = stream_forwarder(
            f"{name}-forwarder",
            f"{prefix}-analytics-forwarder",
            cfg.functionTimeoutSeconds,
            self.stream,
            sub.queues.queue,
            args,
            tags,
            self,
        )
        self.queue_url, self.queue_arn, self.dlq_url = sub.queues.queue.url, sub.queues.queue.arn, sub.queues.dlq.url
        self.dlq_arn = sub.queues.dlq.arn
        self.dlq_name = sub.queues.dlq.name
        self.queue_name = sub.queues.queue.name
        self.domain_arn = pulumi.Output.from_input(domain_arn)
        self.delivery_stream_name = self.stream.name
        self.failed_bucket_name = failed.bucket
        self.register_outputs(
            {
                "queueUrl": self.queue_url,
                "queueArn": self.queue_arn,
                "dlqUrl": self.dlq_url,
                "domainArn": self.domain_arn,
                "domainEndpoint": self.domain_endpoint,
                "deliveryStreamName": self.delivery_stream_name,
                "failedBucketName": self.failed_bucket_name,
            }
        )
