"""The Observability dashboard's body: buffer traffic and outcomes, queue depths and ages, durations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws

if TYPE_CHECKING:  # observability.py imports this module
    from eventfork.components.observability import ObservabilityArgs

BUFFER_OUTCOMES = ("delivered", "delayed", "waiting", "duplicate", "stale", "dead_lettered", "failed")


def _largest_over(queues: list[Any], metric: str, label: str, prefix: str) -> list[Any]:
    """Hidden per-queue lines with ids ``<prefix><i>`` and one line, their maximum: METRICS("<prefix>")
    is every metric of the widget whose id contains the string (CloudWatch metric math functions)."""
    lines: list[Any] = [
        ["AWS/SQS", metric, "QueueName", queue, {"id": f"{prefix}{i}", "visible": False}]
        for i, queue in enumerate(queues)
    ]
    lines.append([{"expression": f'MAX(METRICS("{prefix}"))', "label": f"{label}, max of {len(queues)} partitions"}])
    return lines


def dashboard_body(args: ObservabilityArgs, parent: pulumi.Resource) -> dict[str, Any]:
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

    outcome = [["eventfork", kind, "service", args.buffer_function_name] for kind in BUFFER_OUTCOMES]
    queues = dict(args.queues)
    if args.buffer_queue_name is not None:
        queues = {"buffer": args.buffer_queue_name, **queues}
    depth = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in queues.values()]
    depth += [
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q] for q in args.dead_letter_queues.values()
    ]
    ages = [["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q] for q in queues.values()]
    if args.buffer_partition_queue_names:  # the buffer's line is the largest over its partitions
        partitions = [args.buffer_queue_name, *args.buffer_partition_queue_names]
        depth = depth[1:] + _largest_over(partitions, "ApproximateNumberOfMessagesVisible", "buffer", "bq")
        ages = ages[1:] + _largest_over(partitions, "ApproximateAgeOfOldestMessage", "buffer", "bq")
    durations = [["AWS/Lambda", "Duration", "FunctionName", f] for f in args.functions.values()]
    events_in: list[Any] = [["AWS/SQS", "NumberOfMessagesSent", "QueueName", args.buffer_queue_name]]
    if args.buffer_partition_queue_names:  # one line: the sum over every partition queue
        every = [args.buffer_queue_name, *args.buffer_partition_queue_names]
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
            *(buffer_widgets if args.buffer_queue_name is not None else []),
            widget("queue depths (incl. dead-letter queues)", depth, "Maximum"),
            widget("age of oldest message", ages, "Maximum"),
            widget("function durations", durations, "Average"),
        ]
    }
