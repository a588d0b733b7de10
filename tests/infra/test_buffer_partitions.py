"""``buffer.partitions``: P buffer queues, one event source mapping each, one DLQ, one function, one table."""

from __future__ import annotations

import fnmatch
import json

import pytest

from eventfork.naming import alarm_labels, declared_names, physical
from local.simulate.invokers import load_module
from stack_config import ConfigError, parse_settings
from tests.buffer.conftest import BUFFER_DIR
from tests.infra.plans import one, plan, policy, value

QUEUE = "aws:sqs/queue:Queue"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
partitions_module = load_module(BUFFER_DIR, "partitions", "eventfork_test_infra_partitions")


def _partitioned(count: int) -> object:
    return plan("dev", overrides={"eventfork:buffer": {"partitions": count}})


def test_one_partition_is_the_unpartitioned_buffer() -> None:
    """The default declares exactly what a stack had before partitions (same names, no extra resources)."""
    p = plan()
    assert [r.name for r in p.by_type(QUEUE) if r.name.startswith("buffer-queue")] == [
        "buffer-queue-dlq",
        "buffer-queue",
    ]
    assert [r.name for r in p.by_type(ESM) if r.name.startswith("buffer")] == ["buffer-events"]
    allow = one(p, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "buffer-queue-dlq-allow")
    assert json.loads(value(allow, "redriveAllowPolicy")) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [one(p, QUEUE, "buffer-queue").outputs["arn"]],
    }
    assert p.outputs["bufferPartitions"] == 1 and p.outputs["bufferQueueUrls"] == [p.outputs["bufferQueueUrl"]]


def test_each_partition_is_a_queue_like_the_first_with_its_own_event_source_mapping() -> None:
    p = _partitioned(4)
    first, dlq = one(p, QUEUE, "buffer-queue"), one(p, QUEUE, "buffer-queue-dlq")
    fn = one(p, "aws:lambda/function:Function", "buffer-function")
    arns = [first.outputs["arn"]]
    for index in (1, 2, 3):
        queue = one(p, QUEUE, f"buffer-queue-p{index}")
        assert value(queue, "name") == f"eventfork-dev-buffer-p{index}.fifo"
        assert value(queue, "name") == partitions_module.partition_queue_name("eventfork-dev-buffer.fifo", index)
        for key in (
            "fifoQueue",
            "deduplicationScope",
            "fifoThroughputLimit",
            "kmsMasterKeyId",
            "visibilityTimeoutSeconds",
            "messageRetentionSeconds",
            "maxMessageSize",
            "redrivePolicy",
        ):
            assert value(queue, key) == value(first, key), key
        assert json.loads(value(queue, "redrivePolicy"))["deadLetterTargetArn"] == dlq.outputs["arn"]
        esm = one(p, ESM, f"buffer-events-p{index}")
        assert value(esm, "eventSourceArn") == queue.outputs["arn"] and value(esm, "functionName") == fn.outputs["arn"]
        assert value(esm, "functionResponseTypes") == ["ReportBatchItemFailures"]
        arns.append(queue.outputs["arn"])
    assert p.outputs["bufferQueueArns"] == arns and len(p.outputs["bufferQueueUrls"]) == 4
    assert p.outputs["bufferQueueUrl"] == p.outputs["bufferQueueUrls"][0]
    assert value(fn, "environment.variables")["BUFFER_PARTITIONS"] == "4"
    pattern = arns[0].rsplit(":", 1)[0] + ":eventfork-dev-buffer-p*.fifo"  # partitions 1.., one pattern
    consume = next(
        s
        for s in policy(one(p, "aws:iam/rolePolicy:RolePolicy", "buffer-function-policy"))["Statement"]
        if s["Sid"] == "ConsumeBufferQueue"
    )
    assert consume["Resource"] == [arns[0], pattern]
    producer = json.loads(p.outputs["producerPolicyJson"])
    assert next(s for s in producer["Statement"] if s["Sid"] == "SendEvents")["Resource"] == [arns[0], pattern]
    assert fnmatch.fnmatchcase(arns[3], pattern) and not fnmatch.fnmatchcase(dlq.outputs["arn"], pattern)


def test_policies_stay_within_iams_size_limits_at_the_most_partitions() -> None:
    """IAM and AWS STS quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html):
    a managed policy at most 6,144 characters and a role's inline policies 10,240 in all, whitespace
    not counted."""
    p = _partitioned(256)
    managed = one(p, "aws:iam/policy:Policy", "buffer-producer-policy")
    assert len(json.dumps(policy(managed), separators=(",", ":"))) <= 6_144
    inline = [r for r in p.by_type("aws:iam/rolePolicy:RolePolicy") if r.name.startswith("buffer-function")]
    assert inline and sum(len(json.dumps(policy(r), separators=(",", ":"))) for r in inline) <= 10_240


def test_redrive_allow_policy_names_sources_only_up_to_the_ten_sqs_allows() -> None:
    """botocore sqs 2012-11-05 SetQueueAttributes RedriveAllowPolicy: "You can specify up to 10 source
    queue ARNs. To allow more than 10 source queues ..., set the redrivePermission parameter to allowAll"."""
    ten = json.loads(
        value(
            one(_partitioned(10), "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "buffer-queue-dlq-allow"),
            "redriveAllowPolicy",
        )
    )
    assert ten["redrivePermission"] == "byQueue" and len(ten["sourceQueueArns"]) == 10
    eleven = json.loads(
        value(
            one(_partitioned(11), "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "buffer-queue-dlq-allow"),
            "redriveAllowPolicy",
        )
    )
    assert eleven == {"redrivePermission": "allowAll"}


def test_every_partition_has_its_alarms_and_misrouting_has_one() -> None:
    p = _partitioned(3)
    names = {value(a, "name"): a for a in p.by_type(ALARM)}
    for suffix in ("", "-p1", "-p2"):
        queue_name = value(one(p, QUEUE, "buffer-queue" + suffix), "name")
        for kind in ("oldest-message", "in-flight"):
            alarm = names[f"eventfork-dev-buffer-{kind}{suffix}"]
            assert value(alarm, "dimensions") == {"QueueName": queue_name}
    outside = names["eventfork-dev-buffer-outside-partition"]
    assert value(outside, "metricName") == "records_outside_partition" and value(outside, "threshold") == 1
    assert "eventfork-dev-buffer-outside-partition" not in {value(a, "name") for a in plan().by_type(ALARM)}


def test_naming_table_matches_the_plan_for_partitions() -> None:
    settings = parse_settings({"buffer": {"partitions": 3}}, "dev")
    declared = {n.name for n in declared_names(settings)}
    assert {"eventfork-dev-buffer-p1.fifo", "eventfork-dev-buffer-p2.fifo"} <= declared
    assert "eventfork-dev-buffer-p3.fifo" not in declared
    assert physical("buffer-partition-queue", "x", label="7") == "x-buffer-p7.fifo"
    assert "buffer-in-flight-p2" in alarm_labels(settings) and "buffer-outside-partition" in alarm_labels(settings)


@pytest.mark.parametrize("bad", [0, 257, "4", True])
def test_partitions_out_of_range_fail_before_any_resource(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"eventfork:buffer\.partitions: got .*allowed: an integer from 1 to 256"):
        parse_settings({"buffer": {"partitions": bad}}, "dev")


def test_the_dashboard_sums_events_in_over_every_partition() -> None:
    p = _partitioned(3)
    dashboard = one(p, "aws:cloudwatch/dashboard:Dashboard", "ops-dashboard")
    widgets = json.loads(value(dashboard, "dashboardBody"))["widgets"]
    [events_in] = [w["properties"]["metrics"] for w in widgets if w["properties"]["title"].startswith("events in")]
    queues = [value(one(p, QUEUE, "buffer-queue" + s), "name") for s in ("", "-p1", "-p2")]
    assert events_in[:3] == [
        ["AWS/SQS", "NumberOfMessagesSent", "QueueName", q, {"id": f"in{i}", "visible": False}]
        for i, q in enumerate(queues)
    ]
    assert events_in[3] == [{"expression": "SUM(METRICS())", "label": "events in, 3 partitions"}]


def test_the_dashboard_shows_the_largest_depth_and_age_over_the_partitions() -> None:
    p = _partitioned(3)
    widgets = json.loads(value(one(p, "aws:cloudwatch/dashboard:Dashboard", "ops-dashboard"), "dashboardBody"))[
        "widgets"
    ]
    queues = [value(one(p, QUEUE, "buffer-queue" + s), "name") for s in ("", "-p1", "-p2")]
    for title, metric in (
        ("queue depths", "ApproximateNumberOfMessagesVisible"),
        ("age of", "ApproximateAgeOfOldestMessage"),
    ):
        [lines] = [w["properties"]["metrics"] for w in widgets if w["properties"]["title"].startswith(title)]
        hidden = [line for line in lines if isinstance(line[-1], dict) and line[-1].get("visible") is False]
        assert hidden == [
            ["AWS/SQS", metric, "QueueName", q, {"id": f"bq{i}", "visible": False}] for i, q in enumerate(queues)
        ]
        assert [{"expression": 'MAX(METRICS("bq"))', "label": "buffer, max of 3 partitions"}] in lines
        assert ["AWS/SQS", metric, "QueueName", queues[0]] not in lines  # no bare partition-0 line
