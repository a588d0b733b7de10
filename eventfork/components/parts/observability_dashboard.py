"""The Observability dashboard's body: buffer traffic and outcomes, queue depths and ages, durations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

BUFFER_OUTCOMES = ("delivered", "delayed", "waiting", "duplicate", "stale", "dead_lettered", "failed")


@dataclass(frozen=True)
class DashboardSources:
    """What the dashboard plots; the Observability component hands over its own names (no import back)."""

    buffer_queue_name: pulumi.Input[str] | None
    buffer_function_name: pulumi.Input[str] | None
    buffer_partition_queue_names: Sequence[pulumi.Input[str]]
    queues: Mapping[str, pulumi.Input[str]]
    dead_letter_queues: Mapping[str, pulumi.Input[str]]
    functions: Mapping[str, pulumi.Input[str]]


def _largest_over(queues: list[Any], metric: str, label: str, prefix: str) -> list[Any]:
    """Hidden per-queue lines with ids ``<prefix><i>`` and one line, their maximum: METRICS("<prefix>")
    is every metric of the widget whose id contains the string (CloudWatch metric math functions)."""
    lines: list[Any] = [
        ["AWS/SQS", metric, "QueueName", queue, {"id": f"{prefix}{i}", "visible": False}]
        for i, queue in enumerate(queues)
    ]
    lines.append([{"expression": f'MAX(METRICS("{prefix}"))', "label": f"{label}, max of {len(queues)} partitions"}])
    return lines


def dashboard_body(sources: DashboardSources, parent: pulumi.Resource) -> dict[str, Any]:
    """The widgets, each asking the region of ``parent``'s provider (the dashboard's own)."""

    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum") -> dict[str, Any]:
        return {
            "type": "metric",
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "metrics": metrics,
                "stat": stat,
                "period": 60,
                "region": aws.get_region_output(opts=pulumi.InvokeOptions(parent=parent)).region,
            },
        }

    outcome = [["eventfork", kind, "service", sources.buffer_function_name] for kind in BUFFER_OUTCOMES]
    queues = dict(sources.queues)
    if sources.buffer_queue_name is not None:
        queues = {"buffer": sources.buffer_queue_name, **queues}
    depth = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in queues.values()]
    depth += [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in sources.dead_letter_queues.values()
    ]
    ages = [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q] for q in queues.values()]
    if sources.buffer_partition_queue_names:  # the buffer's line is the largest over its partitions
        partitions = [sources.buffer_queue_name, *sources.buffer_partition_queue_names]
        depth = depth[1:] + _largest_over(partitions, "ApproximateNumberOfMessagesVisible", "buffer", "bq")
        ages = ages[1:] + _largest_over(partitions, "ApproximateAgeOfOldestMessage", "buffer", "bq")
    durations = [["AWS/Lambda", "Duration", "FunctionName", f] for f in sources.functions.values()]
    events_in: list[Any] = [["AWS/SQS", "NumberOfMessagesSent", "QueueName", sources.buffer_queue_name]]
    if sources.buffer_partition_queue_names:  # one line: the sum over every partition queue
        every = [sources.buffer_queue_name, *sources.buffer_partition_queue_names]
        events_in = [
            ["AWS/SQS", "NumberOfMessagesSent", "QueueName", queue, {"id": f"in{i}", "visible": False}]
            for i, queue in enumerate(every)
        ]
        # METRICS() is every metric of the widget, not its expressions (CloudWatch metric math functions).
        events_in.append([{"expression": "SUM(METRICS())", "label": f"events in, {len(every)} partitions"}])
    buffer_widgets = [
        widget("events in (buffer queue)", events_in),
        widget("buffer outcomes: delivered, delayed, suppressed, dead-lettered", outcome),
    ]
    return {
        "widgets": [
            *(buffer_widgets if sources.buffer_queue_name is not None else []),
            widget("queue depths (incl. dead-letter queues)", depth, "Maximum"),
            widget("age of oldest message", ages, "Maximum"),
            widget("function durations", durations, "Average"),
        ]
    }
