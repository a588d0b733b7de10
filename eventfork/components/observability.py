"""Observability: the alarms an on-call engineer needs, their encrypted topic, and a dashboard."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import ServiceUse, customer_managed_key, merge_tags, policy_json
from eventfork.components.parts.delivery_status import delivery_status_logging
from eventfork.components.parts.observability_dashboard import DashboardSources, dashboard_body
from eventfork.components.parts.resource_policies import (
    account_uses_topic,
    cloudwatch_alarms_publish,
    deny_insecure_transport,
    subscribe_only_endpoints,
)
from eventfork.config.alarms import AlarmsConfig
from eventfork.naming import physical

# SQS FIFO holds at most 120,000 in-flight messages, then receives return nothing: alarm well before.
BUFFER_IN_FLIGHT_ALARM = 100_000
BUFFER_BACKLOG_METRIC = "group_backlog_over_limit"
BUFFER_OUTSIDE_PARTITION_METRIC = "records_outside_partition"
# The buffer's stated limits (README, Guarantees): each occurrence is alarmed.
BUFFER_LIMIT_ALARMS = (
    (
        "late-republish",
        "late_republish",
        "the buffer published an event again more than 270 s after recording it (its first publish was not "
        "confirmed; SQS returned the record late): the downstream may receive that event twice, with the same "
        "eventId and in its group's order; look for an SQS receive outage or a disabled event source mapping",
    ),
    (
        "state-not-corrected",
        "state_not_corrected",
        "after a publish slower than the buffer's recording margin, its table could not be corrected: that "
        "group's next delivery may come up to the publish's extra duration early; see the buffer table's "
        "throttling and errors",
    ),
)


def function_name_of(arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Lambda metrics are keyed by function name; some components expose only the ARN."""
    return pulumi.Output.from_input(arn).apply(lambda value: value.split(":")[6])


@dataclass
class ObservabilityArgs:
    """What to watch: queue and function names, delivery streams, and the alarm settings."""

    name_prefix: str
    interval_seconds: int
    buffer_queue_name: pulumi.Input[str] | None
    buffer_function_name: pulumi.Input[str] | None
    dead_letter_queues: Mapping[str, pulumi.Input[str]]
    functions: Mapping[str, pulumi.Input[str]]
    queues: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    s3_streams: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    search_streams: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    replay_queue_name: pulumi.Input[str] | None = None
    buffer_partition_queue_names: Sequence[pulumi.Input[str]] = ()  # partitions 1.. of the buffer
    replay_active: bool = False
    config: AlarmsConfig = field(default_factory=AlarmsConfig)
    kms_deletion_window_days: int = 30
    log_retention_days: int = 30  # of the alarm topic's delivery status logs
    tags: dict[str, str] = field(default_factory=dict)


def _dashboard_sources(args: ObservabilityArgs) -> DashboardSources:
    return DashboardSources(
        buffer_queue_name=args.buffer_queue_name,
        buffer_function_name=args.buffer_function_name,
        buffer_partition_queue_names=args.buffer_partition_queue_names,
        queues=args.queues,
        dead_letter_queues=args.dead_letter_queues,
        functions=args.functions,
    )


class Observability(pulumi.ComponentResource):
    """Alarm topic (CMK), one alarm per DLQ, queue age, function errors/throttles, delivery, replay depth."""

    alarm_topic_arn: pulumi.Output[str]
    dashboard_name: pulumi.Output[str]
    alarm_names: list[str]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("eventfork:ops:Observability", name, None, opts)
        cfg, prefix = args.config, args.name_prefix
        self._tags = merge_tags(args.tags, {"eventfork:component": "ops"})
        self._child = pulumi.ResourceOptions(parent=self)
        key = customer_managed_key(
            f"{name}-key",
            physical("alarms-key-alias", prefix),
            "eventfork alarm notifications",
            self,
            args.kms_deletion_window_days,
            self._tags,
            # CloudWatch publishing this stack's alarms (named "<prefix>-<label>") to the SSE-KMS topic.
            service_uses=[
                ServiceUse(
                    "CloudWatchAlarmsOfThisStackPublish",
                    "cloudwatch.amazonaws.com",
                    lambda partition, account, region: pulumi.Output.concat(
                        "arn:",
                        partition,
                        ":cloudwatch:",
                        region,
                        ":",
                        account,
                        ":alarm:",
                        physical("alarm", prefix, label="*"),
                    ),
                    match="ArnLike",
                )
            ],
        )
        topic_name = physical("alarm-topic", prefix)
        # Subscribers are e-mail (SNS logs no status for it) and HTTPS (the http family).
        delivery_logs = delivery_status_logging(
            f"{name}-alarms",
            topic_name,
            parent=self,
            kms_key_arn=key.arn,
            retention_days=args.log_retention_days,
            tags=self._tags,
        )
        self.topic = aws.sns.Topic(
            f"{name}-alarms",
            name=topic_name,
            kms_master_key_id=key.arn,
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=delivery_logs.dependencies),
            **delivery_logs.topic_args("http", cfg.deliveryStatusSuccessSampleRate),
        )
        endpoints = [e for e in (cfg.email, cfg.httpsEndpoint) if e]
        topic_policy = aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=self.topic.arn,
            policy=policy_json(
                [
                    account_uses_topic("AccountManagesAndSubscribes", self.topic.arn),
                    cloudwatch_alarms_publish(self.topic.arn, physical("alarm", prefix, label="*")),
                    deny_insecure_transport("sns", self.topic.arn),
                    subscribe_only_endpoints(self.topic.arn, endpoints),
                ]
            ),
            opts=self._child,
        )
        admitted = pulumi.ResourceOptions(parent=self, depends_on=[topic_policy])
        if cfg.email:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=self.topic.arn, protocol="email", endpoint=cfg.email, opts=admitted
            )
        if cfg.httpsEndpoint:
            aws.sns.TopicSubscription(
                f"{name}-https", topic=self.topic.arn, protocol="https", endpoint=cfg.httpsEndpoint, opts=admitted
            )
        self.alarm_names = []
        self._cfg, self._name, self._name_prefix = cfg, name, prefix
        for label, queue in args.dead_letter_queues.items():
            self._alarm(
                f"{label}-dlq-visible",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": queue},
                "Maximum",
                "GreaterThanOrEqualToThreshold",
                cfg.dlqVisibleThreshold,
                f"dead-letter queue of {label} holds messages: inspect their 'reason' attribute",
            )
        age = cfg.oldestMessageAgeSeconds or 5 * args.interval_seconds + 300
        if args.buffer_queue_name is not None and args.buffer_function_name is not None:  # None: no buffer
            partitions = [("", args.buffer_queue_name)] + [
                (f"-p{i}", queue) for i, queue in enumerate(args.buffer_partition_queue_names, start=1)
            ]
            for suffix, queue in partitions:
                self._buffer_queue_alarms(suffix, queue, age)
            if args.buffer_partition_queue_names:
                self._alarm(
                    "buffer-outside-partition",
                    "eventfork",
                    BUFFER_OUTSIDE_PARTITION_METRIC,
                    {"service": args.buffer_function_name},
                    "Sum",
                    "GreaterThanOrEqualToThreshold",
                    1,
                    "a producer sends groups to a buffer partition they do not belong to: still delivered in "
                    "order, but a flood of such a group is no longer isolated; fix the producer's routing",
                )
            self._alarm(
                "buffer-group-backlog",
                "eventfork",
                BUFFER_BACKLOG_METRIC,
                {"service": args.buffer_function_name},
                "Sum",
                "GreaterThanOrEqualToThreshold",
                1,
                "a group's backlog is over its limit (eventfork:buffer.maxGroupBacklogSeconds): its events go to "
                "the buffer DLQ with the reason; find the producer flooding that group",
            )
            for label, metric, description in BUFFER_LIMIT_ALARMS:
                self._alarm(
                    f"buffer-{label}",
                    "eventfork",
                    metric,
                    {"service": args.buffer_function_name},
                    "Sum",
                    "GreaterThanOrEqualToThreshold",
                    1,
                    description,
                )
        for label, function in args.functions.items():
            self._alarm(
                f"{label}-errors",
                "AWS/Lambda",
                "Errors",
                {"FunctionName": function},
                "Sum",
                "GreaterThanOrEqualToThreshold",
                cfg.lambdaErrorsThreshold,
                f"function {label} fails",
            )
            self._alarm(
                f"{label}-throttles",
                "AWS/Lambda",
                "Throttles",
                {"FunctionName": function},
                "Sum",
                "GreaterThanOrEqualToThreshold",
                cfg.lambdaThrottlesThreshold,
                f"function {label} is throttled",
            )
        # DeliveryTo*.Success is a ratio (successful puts or indexed records over attempts) per datapoint.
        success_floor = round(1 - cfg.firehoseFailureThreshold, 6)
        deliveries = [(label, stream, "s3", "DeliveryToS3.Success", "S3") for label, stream in args.s3_streams.items()]
        deliveries += [
            (label, stream, "search", "DeliveryToAmazonOpenSearchService.Success", "OpenSearch")
            for label, stream in args.search_streams.items()
        ]
        for label, stream, kind, metric, target in deliveries:
            self._alarm(
                f"{label}-{kind}-delivery",
                "AWS/Firehose",
                metric,
                {"DeliveryStreamName": stream},
                "Average",
                "LessThanThreshold",
                success_floor,
                f"{label} delivery stream fails to deliver to {target}: see its delivery error log group",
            )
        if args.replay_active and args.replay_queue_name is not None:
            self._alarm(
                "replay-depth",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                {"QueueName": args.replay_queue_name},
                "Maximum",
                "GreaterThanThreshold",
                cfg.replayDepthThreshold,
                "replay is active and its queue is not draining",
            )
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=physical("dashboard", prefix),
            dashboard_body=pulumi.Output.json_dumps(dashboard_body(_dashboard_sources(args), self)),
            opts=self._child,
        )
        self.alarm_topic_arn = self.topic.arn
        self.dashboard_name = self.dashboard.dashboard_name
        self.register_outputs(
            {
                "alarmTopicArn": self.alarm_topic_arn,
                "dashboardName": self.dashboard_name,
                "alarmNames": self.alarm_names,
            }
        )

    def _buffer_queue_alarms(self, suffix: str, queue: pulumi.Input[str], age: int) -> None:
        """Age of the oldest message and in-flight count of one buffer partition queue (suffix -p<i>)."""
        where = f"buffer queue{' partition ' + suffix[2:] if suffix else ''}"
        self._alarm(
            f"buffer-oldest-message{suffix}",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": queue},
            "Maximum",
            "GreaterThanThreshold",
            age,
            f"{where} is falling behind: events wait longer than their windows explain",
        )
        self._alarm(
            f"buffer-in-flight{suffix}",
            "AWS/SQS",
            "ApproximateNumberOfMessagesNotVisible",
            {"QueueName": queue},
            "Maximum",
            "GreaterThanOrEqualToThreshold",
            BUFFER_IN_FLIGHT_ALARM,
            f"{where} nears the FIFO cap of 120,000 in-flight messages, past which its delivery stops: look "
            "for a flood of waiting users or stuck invocations",
        )

    def _alarm(
        self,
        label: str,
        namespace: str,
        metric: str,
        dimensions: dict[str, pulumi.Input[str]],
        statistic: str,
        comparison: str,
        threshold: float,
        description: str,
    ) -> None:
        alarm_name = physical("alarm", self._name_prefix, label=label)
        aws.cloudwatch.MetricAlarm(
            f"{self._name}-{label}",
            name=alarm_name,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic,
            comparison_operator=comparison,
            threshold=threshold,
            period=self._cfg.periodSeconds,
            evaluation_periods=self._cfg.evaluationPeriods,
            treat_missing_data="notBreaching",
            alarm_description=description,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            tags=self._tags,
            opts=self._child,
        )
        self.alarm_names.append(alarm_name)
