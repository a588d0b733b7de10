"""Builders shared by the event fork pipelines: a subscribed queue, a consumer function, a bucket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.buckets import private_bucket
from eventfork.components.parts.common import (
    QueueWithDlq,
    account_and_region,
    allow_topic_to_send,
    merge_tags,
    queue_with_dlq,
    via_services,
)
from eventfork.components.parts.function import BuiltFunction, FunctionSpec, python_function
from eventfork.components.parts.lifecycle import Lifecycle


@dataclass(kw_only=True)
class PipelineArgs:
    """What every pipeline needs: the topic to subscribe to, its key, and how to build functions."""

    name_prefix: str
    topic_arn: pulumi.Input[str]
    topic_fifo: bool
    kms_key_arn: pulumi.Input[str]
    runtime: str = "python3.12"
    architecture: str = "arm64"
    log_retention_days: int = 30
    tags: dict[str, str] = field(default_factory=dict)

    def function_settings(self, tags: dict[str, str]) -> dict[str, Any]:
        """FunctionSpec keyword arguments shared by the pipeline's functions."""
        return {
            "runtime": self.runtime,
            "architecture": self.architecture,
            "log_retention_days": self.log_retention_days,
            "tags": tags,
            "kms_key_arn": self.kms_key_arn,
        }


@dataclass
class SubscribedQueue:
    """A pipeline's queue, its DLQ and the topic subscription that feeds them."""

    queues: QueueWithDlq
    subscription: aws.sns.TopicSubscription


def subscribed_queue(
    name: str,
    names: tuple[str, str],
    *,
    parent: pulumi.Resource,
    topic_arn: pulumi.Input[str],
    fifo: bool,
    kms_key_arn: pulumi.Input[str],
    visibility_timeout: int,
    retention_seconds: int,
    tags: dict[str, str],
    filter_policy: dict[str, Any] | None = None,
    filter_policy_scope: str = "MessageAttributes",
) -> SubscribedQueue:
    """A CMK queue (+DLQ) that only the topic may write to, subscribed with raw delivery.

    Messages SNS cannot deliver go to the same DLQ (subscription redrive policy).
    """
    queues = queue_with_dlq(
        name,
        names,
        parent=parent,
        kms_key_arn=kms_key_arn,
        fifo=fifo,
        high_throughput=True,
        visibility_timeout=visibility_timeout,
        retention_seconds=retention_seconds,
        max_receive_count=5,
        tags=tags,
    )
    policies = [
        allow_topic_to_send(f"{name}-policy", queues.queue, topic_arn, parent),
        allow_topic_to_send(f"{name}-dlq-policy", queues.dlq, topic_arn, parent),
    ]
    extra: dict[str, Any] = {}
    if filter_policy is not None:
        extra = {"filter_policy": json.dumps(filter_policy, sort_keys=True), "filter_policy_scope": filter_policy_scope}
    subscription = aws.sns.TopicSubscription(
        f"{name}-subscription",
        topic=topic_arn,
        protocol="sqs",
        endpoint=queues.queue.arn,
        raw_message_delivery=True,
        redrive_policy=queues.dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn})),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=policies),
        **extra,
    )
    return SubscribedQueue(queues=queues, subscription=subscription)


def queue_consumer(
    name: str,
    spec: FunctionSpec,
    queue: aws.sqs.Queue,
    kms_key_arn: pulumi.Input[str],
    *,
    parent: pulumi.Resource,
    batch_size: int = 10,
    enabled: bool = True,
) -> tuple[BuiltFunction, aws.lambda_.EventSourceMapping]:
    """A function fed by ``queue`` (batches, ReportBatchItemFailures), allowed to consume only that queue."""
    spec.statements = [
        {
            "Sid": "ConsumeQueue",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": queue.arn,
        },
        {
            "Sid": "DecryptQueue",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": kms_key_arn,
            # Through SQS only: the role cannot decrypt what the same key protects in S3 or OpenSearch.
            "Condition": via_services(account_and_region(parent)[1], "sqs"),
        },
        *spec.statements,
    ]
    built = python_function(name, spec, parent)
    mapping = aws.lambda_.EventSourceMapping(
        f"{name}-events",
        event_source_arn=queue.arn,
        function_name=built.function.arn,
        batch_size=batch_size,
        function_response_types=["ReportBatchItemFailures"],
        enabled=enabled,
        tags=spec.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return built, mapping


def stream_forwarder(
    name: str,
    function_name: str,
    timeout: int,
    stream: aws.kinesis.FirehoseDeliveryStream,
    queue: aws.sqs.Queue,
    args: PipelineArgs,
    tags: dict[str, str],
    parent: pulumi.Resource,
    log_level: str = "INFO",
    redact: bool = True,
) -> tuple[BuiltFunction, aws.lambda_.EventSourceMapping]:
    """The forwarder of a pipeline: drains ``queue`` into ``stream`` and may put to that stream only.

    With ``redact`` (the default) it removes card data before Firehose sees a record.
    """
    spec = FunctionSpec(
        code_dir="forwarder",
        function_name=function_name,
        timeout=timeout,
        memory_size=256,
        environment={"DELIVERY_STREAM_NAME": stream.name, "REDACT_CARD_NUMBERS": "true" if redact else "false"},
        log_level=log_level,
        shared_modules=("card_redaction.py",),
        statements=[
            {"Sid": "PutToStream", "Effect": "Allow", "Action": "firehose:PutRecordBatch", "Resource": stream.arn}
        ],
        **args.function_settings(tags),
    )
    return queue_consumer(name, spec, queue, args.kms_key_arn, parent=parent)


def redaction_transform(
    resource_name: str,
    function_name: str,
    *,
    parent: pulumi.Resource,
    args: PipelineArgs,
    log_level: str,
    tags: dict[str, str],
) -> pulumi.Output[str]:
    """The built-in Firehose transform (card data removed): its function's ARN."""
    return python_function(
        resource_name,
        FunctionSpec(
            code_dir="redaction",
            function_name=function_name,
            timeout=60,
            memory_size=256,
            environment={},
            log_level=log_level,
            statements=[],
            shared_modules=("card_redaction.py",),
            **args.function_settings(tags),
        ),
        parent,
    ).function.arn


def encrypted_bucket(
    name: str,
    prefix: str,
    *,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str],
    tags: dict[str, str],
    lifecycle: Lifecycle | None = None,
) -> aws.s3.Bucket:
    """SSE-KMS with the CMK and a bucket key, versioning, no public access, owner-enforced, TLS only.

    Every created bucket gets a lifecycle (``lifecycle``, or the clean-up defaults): it is versioned,
    so without one deleted data and unfinished uploads would be kept and billed forever.
    """
    encryption = {
        "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": kms_key_arn},
        "bucket_key_enabled": True,
    }
    bucket, _ = private_bucket(
        name,
        prefix,
        parent=parent,
        tags=tags,
        encryption=encryption,
        lifecycle=lifecycle or Lifecycle(),
        policy_name=f"{name}-tls-only",
    )
    return bucket


def tagged(tags: dict[str, str], component: str) -> dict[str, str]:
    """The pipeline's tags plus the component tag every taggable resource carries."""
    return merge_tags(tags, {"eventfork:component": component})
