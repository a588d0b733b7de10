"""Alarms for the buffer's scale limits: in-flight messages near the FIFO cap, a group over its backlog limit."""

from __future__ import annotations

from tests.infra.plans import one, plan, value
from tests.ops.test_operations import alarms


def test_in_flight_messages_approaching_the_fifo_cap_alarm() -> None:
    alarm = alarms(plan())["eventfork-dev-buffer-in-flight"]
    assert value(alarm, "namespace") == "AWS/SQS"
    assert value(alarm, "metricName") == "ApproximateNumberOfMessagesNotVisible"
    assert value(alarm, "dimensions.QueueName") == "eventfork-dev-buffer.fifo"
    assert value(alarm, "statistic") == "Maximum"
    assert value(alarm, "comparisonOperator") == "GreaterThanOrEqualToThreshold"
    assert 0 < value(alarm, "threshold") < 120_000


def test_a_group_over_its_backlog_limit_alarms_on_the_buffer_functions_metric() -> None:
    p = plan()
    alarm = alarms(p)["eventfork-dev-buffer-group-backlog"]
    function = one(p, "aws:lambda/function:Function", "buffer-function")
    assert value(alarm, "namespace") == "eventfork"
    assert value(alarm, "metricName") == "group_backlog_over_limit"
    assert value(alarm, "dimensions.service") == value(function, "name")
    assert value(alarm, "statistic") == "Sum" and value(alarm, "threshold") == 1
    assert value(alarm, "alarmActions") == [p.outputs["alarmTopicArn"]]


def test_the_buffers_limit_metrics_alarm_on_the_buffer_functions_metrics() -> None:
    """A late republish (a possible repeat) and a window not corrected after a slow publish are the
    limits the Guarantees table states; each is alarmed, never only logged."""
    p = plan()
    function = one(p, "aws:lambda/function:Function", "buffer-function")
    for label, metric in (("late-republish", "late_republish"), ("state-not-corrected", "state_not_corrected")):
        alarm = alarms(p)[f"eventfork-dev-buffer-{label}"]
        assert value(alarm, "namespace") == "eventfork"
        assert value(alarm, "metricName") == metric
        assert value(alarm, "dimensions.service") == value(function, "name")
        assert value(alarm, "statistic") == "Sum" and value(alarm, "threshold") == 1
        assert value(alarm, "comparisonOperator") == "GreaterThanOrEqualToThreshold"
        assert value(alarm, "alarmActions") == [p.outputs["alarmTopicArn"]]
