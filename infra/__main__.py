"""eventfork: read this stack's config, compose the components, export what other stacks read."""

from typing import Any

import pulumi
from aws_provider import confirm_with_service, stack_provider

import source_tree  # noqa: F401 - this clone's eventfork package first on sys.path
from eventfork.components.buffer import FifoEventBuffer, FifoEventBufferArgs
from eventfork.components.existing_topic import ExistingTopic, ExistingTopicArgs
from eventfork.components.fanout import EventFanOut, EventFanOutArgs
from eventfork.components.observability import Observability, ObservabilityArgs, function_name_of
from eventfork.components.parts.packaging import bundled_distributions
from eventfork.components.replay import ReplayPipeline, ReplayPipelineArgs
from eventfork.components.search_analytics import SearchAnalyticsPipeline, SearchAnalyticsPipelineArgs
from eventfork.components.storage_backup import StorageBackupPipeline, StorageBackupPipelineArgs
from eventfork.naming import physical
from stack_config import load_settings

settings = load_settings()
confirm_with_service(settings)  # a created domain's volume, by OpenSearch Service's own limits
bundled_distributions()  # every function ships these pinned packages: refuse any other version up front
buffer_cfg, fanout_cfg, lambda_cfg = settings.buffer, settings.fanout, settings.lambda_

# An explicit provider reads no stack config by itself: it gets every `aws:*` key (aws_provider.py).
provider = stack_provider(
    "aws", {"eventfork:stack": pulumi.get_stack(), "eventfork:project": pulumi.get_project(), **settings.tags}
)
opts = pulumi.ResourceOptions(providers=[provider])

fanout: EventFanOut | None = None
buffer: FifoEventBuffer | None = None
if settings.buffer.enabled:
    fanout = EventFanOut(
        "fanout",
        EventFanOutArgs(
            name_prefix=settings.namePrefix,
            fifo=fanout_cfg.fifo,
            primary_name=fanout_cfg.primaryName,
            primary_visibility_timeout_seconds=fanout_cfg.primaryVisibilityTimeoutSeconds,
            primary_retention_seconds=fanout_cfg.primaryRetentionSeconds,
            primary_max_receive_count=fanout_cfg.primaryMaxReceiveCount,
            primary_high_throughput=fanout_cfg.primaryHighThroughput,
            kms_deletion_window_days=settings.kms.deletionWindowDays,
            archive_retention_days=fanout_cfg.archiveRetentionDays,
            delivery_status_success_sample_rate=fanout_cfg.deliveryStatusSuccessSampleRate,
            log_retention_days=buffer_cfg.logRetentionDays,
        ),
        opts,
    )
    buffer = FifoEventBuffer(
        "buffer",
        FifoEventBufferArgs(
            name_prefix=settings.namePrefix,
            topic_arn=fanout.topic_arn,
            topic_kms_key_arn=fanout.kms_key_arn,
            topic_fifo=fanout_cfg.fifo,
            config=buffer_cfg,
            runtime=lambda_cfg.runtime,
            architecture=lambda_cfg.architecture,
            kms_deletion_window_days=settings.kms.deletionWindowDays,
        ),
        opts,
    )
    topic_arn, topic_key_arn = fanout.topic_arn, fanout.kms_key_arn
else:  # pipelines only, on a topic the stack does not own (validated: the ARN is set)
    existing = ExistingTopic(
        "fanout",
        ExistingTopicArgs(
            name_prefix=settings.namePrefix,
            topic_arn=str(fanout_cfg.existingTopicArn),
            topic_kms_key_arn=fanout_cfg.existingTopicKmsKeyArn,
            kms_deletion_window_days=settings.kms.deletionWindowDays,
        ),
        opts,
    )
    topic_arn, topic_key_arn = existing.topic_arn, existing.kms_key_arn

pipeline_wiring: dict[str, Any] = {
    "name_prefix": settings.namePrefix,
    "topic_arn": topic_arn,
    "topic_fifo": fanout_cfg.topic_fifo,
    "kms_key_arn": topic_key_arn,
    "runtime": lambda_cfg.runtime,
    "architecture": lambda_cfg.architecture,
    "log_retention_days": buffer_cfg.logRetentionDays,
}
if settings.backup.enabled:
    backup = StorageBackupPipeline("backup", StorageBackupPipelineArgs(config=settings.backup, **pipeline_wiring), opts)
    pulumi.export("backupBucketName", backup.bucket_name)
    pulumi.export("backupBucketArn", backup.bucket_arn)
    pulumi.export("backupDeliveryStreamName", backup.delivery_stream_name)
if settings.analytics.enabled:
    analytics = SearchAnalyticsPipeline(
        "analytics", SearchAnalyticsPipelineArgs(config=settings.analytics, **pipeline_wiring), opts
    )
    pulumi.export("analyticsDomainArn", analytics.domain_arn)
    pulumi.export("analyticsDomainEndpoint", analytics.domain_endpoint)
    pulumi.export("analyticsDeliveryStreamName", analytics.delivery_stream_name)
    pulumi.export("analyticsFailedBucketName", analytics.failed_bucket_name)
    pulumi.export("analyticsDeliveryRoleArn", analytics.delivery_role_arn)
if settings.replay.enabled:
    replay = ReplayPipeline(
        "replay",
        ReplayPipelineArgs(
            config=settings.replay,
            # Without a fan-out, config names the destination (checked in stack_shapes).
            destination_queue_arn=fanout.primary_queue_arn if fanout else "",
            destination_queue_url=fanout.primary_queue_url if fanout else "",
            **pipeline_wiring,
        ),
        opts,
    )
    pulumi.export("replayQueueUrl", replay.queue_url)
    pulumi.export("replayQueueArn", replay.queue_arn)
    pulumi.export("replayFunctionName", replay.function_name)
    pulumi.export("replayActive", replay.active)
    pulumi.export("replayDestinationQueueUrl", replay.destination_queue_url)

if settings.alarms.enabled:
    dlqs: dict[str, Any] = {}
    functions: dict[str, Any] = {}
    queues: dict[str, Any] = {}
    if buffer is not None and fanout is not None:
        dlqs = {"buffer": buffer.dlq.name, "primary": fanout.primary_dlq.name}
        functions = {"buffer": buffer.function_name}
        queues = {"primary": fanout.primary_queue.name}
    s3_streams, search_streams = {}, {}
    if settings.backup.enabled:
        dlqs["backup"], functions["backup-forwarder"] = backup.dlq_name, backup.forwarder.function.name
        queues["backup"], s3_streams["backup"] = backup.queue_name, backup.delivery_stream_name
        redaction_arn = getattr(backup, "transform_function_arn", None)  # the built-in one, when on
        if settings.backup.redaction and redaction_arn is not None:
            functions["backup-redaction"] = function_name_of(redaction_arn)
    if settings.analytics.enabled:
        dlqs["analytics"], functions["analytics-forwarder"] = analytics.dlq_name, analytics.forwarder.function.name
        queues["analytics"], search_streams["analytics"] = analytics.queue_name, analytics.delivery_stream_name
        transform_arn = getattr(analytics, "transform_function_arn", None)  # the built-in one, when on
        if settings.analytics.builtin_transform and transform_arn is not None:
            functions["analytics-transform"] = function_name_of(transform_arn)
        if not settings.analytics.domainArn:  # the created domain's setup function
            functions["analytics-setup"] = physical("analytics-setup-function", settings.namePrefix)
    if settings.replay.enabled:
        dlqs["replay"], functions["replay"] = replay.dlq_name, replay.function_name
        queues["replay"] = replay.queue_name
    ops = Observability(
        "ops",
        ObservabilityArgs(
            name_prefix=settings.namePrefix,
            interval_seconds=buffer_cfg.intervalSeconds,
            buffer_queue_name=buffer.queue.name if buffer else None,
            buffer_partition_queue_names=[q.name for q in buffer.partition_queues[1:]] if buffer else [],
            buffer_function_name=buffer.function_name if buffer else None,
            dead_letter_queues=dlqs,
            functions=functions,
            queues=queues,
            s3_streams=s3_streams,
            search_streams=search_streams,
            replay_queue_name=replay.queue_name if settings.replay.enabled else None,
            replay_active=settings.replay.active,
            config=settings.alarms,
            kms_deletion_window_days=settings.kms.deletionWindowDays,
            log_retention_days=buffer_cfg.logRetentionDays,
        ),
        opts,
    )
    pulumi.export("alarmTopicArn", ops.alarm_topic_arn)
    pulumi.export("dashboardName", ops.dashboard_name)

if buffer is not None and fanout is not None:
    pulumi.export("bufferQueueUrl", buffer.queue_url)
    pulumi.export("bufferQueueArn", buffer.queue_arn)
    pulumi.export("bufferQueueUrls", buffer.queue_urls)
    pulumi.export("bufferQueueArns", buffer.queue_arns)
    pulumi.export("bufferPartitions", buffer_cfg.partitions)
    pulumi.export("bufferKmsKeyArn", buffer.kms_key_arn)
    pulumi.export("producerPolicyJson", buffer.producer_policy_json)
    pulumi.export("producerPolicyArn", buffer.producer_policy_arn)
    pulumi.export("bufferDlqUrl", buffer.dlq_url)
    pulumi.export("bufferDlqArn", buffer.dlq_arn)
    pulumi.export("bufferIntervalSeconds", buffer_cfg.intervalSeconds)
    pulumi.export("operatorPolicyJson", buffer.operator_policy_json)
    pulumi.export("operatorPolicyArn", buffer.operator_policy_arn)
    pulumi.export("bufferTableName", buffer.table_name)
    pulumi.export("primaryQueueUrl", fanout.primary_queue_url)
    pulumi.export("primaryQueueArn", fanout.primary_queue_arn)
    pulumi.export("primaryDlqUrl", fanout.primary_dlq_url)
    pulumi.export("primarySubscriptionArn", fanout.primary_subscription_arn)
elif fanout_cfg.existingTopicKmsKeyArn is not None:
    pulumi.export("topicKmsKeyArn", fanout_cfg.existingTopicKmsKeyArn)
pulumi.export("topicArn", topic_arn)
pulumi.export("topicFifo", fanout_cfg.topic_fifo)
pulumi.export("fanoutKmsKeyArn", topic_key_arn)
