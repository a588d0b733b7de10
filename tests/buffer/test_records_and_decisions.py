"""Record validation and the pure decision functions, without AWS."""

from __future__ import annotations

import base64
import sys
from typing import Any

import pytest

from local.simulate.invokers import load_module
from tests.buffer.conftest import BUFFER_DIR

decisions = load_module(BUFFER_DIR, "decisions", "eventfork_test_buffer_decisions")
records = sys.modules[decisions.Event.__module__]  # the very modules the decisions use
state = sys.modules[decisions.GroupState.__module__]
NOW = 1_767_225_600.0


def record(body: str, message_id: str = "m1", group: str = "g", event_id: str = "e1", **extra: Any) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"r-{message_id}",
        "body": body,
        "attributes": {"MessageGroupId": group, "MessageDeduplicationId": event_id, "ApproximateReceiveCount": "1"},
        **extra,
    }


def test_a_downstream_message_over_the_topic_limit_is_rejected_at_validation() -> None:
    """SNS PublishInput.Message: body and attributes together at most the topic's MaximumMessageSize."""
    parsed = records.parse_record(record('{"blob": "' + "x" * 1000 + '"}'), NOW, topic_max_bytes=1024)
    assert isinstance(parsed, records.Rejection)
    assert "bytes" in parsed.reason and "1024" in parsed.reason


def test_an_iso_time_without_offset_is_utc() -> None:
    parsed = records.parse_record(record('{"occurredAt": "2026-01-01T00:00:00"}'), NOW)
    assert isinstance(parsed, records.Event) and parsed.occurred_at == NOW


def test_binary_attributes_are_decoded_from_the_lambda_event_to_bytes() -> None:
    raw = bytes(range(10))
    extra = {"messageAttributes": {"sig": {"binaryValue": base64.b64encode(raw).decode(), "dataType": "Binary"}}}
    parsed = records.parse_record(record("{}", **extra), NOW)
    assert isinstance(parsed, records.Event)
    assert records.sns_attributes(parsed)["sig"] == {"DataType": "Binary", "BinaryValue": raw}


def test_a_binary_attribute_that_is_not_base64_is_rejected() -> None:
    extra = {"messageAttributes": {"sig": {"binaryValue": "not base64!", "dataType": "Binary"}}}
    parsed = records.parse_record(record("{}", **extra), NOW)
    assert isinstance(parsed, records.Rejection) and "base64" in parsed.reason


@pytest.mark.parametrize("value", ["NaN", "-Infinity", "1e999"])
def test_non_finite_occurred_at_is_rejected(value: str) -> None:
    parsed = records.parse_record(record('{"occurredAt": ' + value + "}"), NOW)
    assert isinstance(parsed, records.Rejection)


def test_later_records_of_a_group_are_released_behind_the_first_retried_one() -> None:
    """A record that failed returns with a backoff; its group's delayed record must not hold it back,
    and costs no in-flight slot: it is released and waits behind the first one."""
    batch = [
        records.parse_record(record('{"n": 1}', "m1", event_id="e1"), NOW),
        records.parse_record(record('{"n": 2}', "m2", event_id="e2"), NOW),
    ]
    decided = decisions.decide(batch, {}, NOW, 600.0)
    assert [decided.outcomes[m].kind for m in ("m1", "m2")] == ["deliver", "delayed"]
    outcomes = decisions.settle(batch, decided, {"m1": "throttled"}, {}, NOW)
    assert [o.kind for o in outcomes] == ["failed", "waiting"]
    assert outcomes[0].visible_at == decisions.dependency_retry_at(NOW, 1)
    assert outcomes[1].visible_at == NOW
    assert outcomes[0].dependency


def test_an_event_recorded_but_not_confirmed_is_published_again_not_suppressed() -> None:
    """Recorded before publishing, then the function died: the event comes back and goes out again."""
    groups = {"g": state.GroupState(NOW - 10.0, 5.0, "e1", 4, {"e1": 5.0}, pending={state.pending_key("m1"): NOW - 10})}
    batch = [records.parse_record(record('{"occurredAt": 5}', "m1", event_id="e1"), NOW)]
    decided = decisions.decide(batch, groups, NOW, 60.0)
    assert decided.outcomes["m1"].kind == "deliver" and decided.outcomes["m1"].republish
    confirmed = {"g": state.GroupState(NOW - 10.0, 5.0, "e1", 4, {"e1": 5.0})}
    assert decisions.decide(batch, confirmed, NOW, 60.0).outcomes["m1"].kind == "duplicate"
    retransmitted = [records.parse_record(record('{"occurredAt": 5}', "m2", event_id="e1"), NOW)]
    assert decisions.decide(retransmitted, groups, NOW, 60.0).outcomes["m2"].kind == "duplicate"


def test_dependency_retries_back_off_with_the_receive_count_up_to_two_minutes() -> None:
    waits = [decisions.dependency_retry_at(0.0, n) for n in (1, 2, 3, 4, 5, 6, 50)]
    assert waits == [5.0, 10.0, 20.0, 40.0, 80.0, 120.0, 120.0]


def test_the_window_is_measured_from_the_recorded_delivery() -> None:
    groups = {"g": state.GroupState(NOW - 59.0, 1.0, "e0", 3)}
    batch = [records.parse_record(record('{"occurredAt": 2}'), NOW)]
    decided = decisions.decide(batch, groups, NOW, 60.0)
    assert decided.outcomes["m1"].kind == "delayed" and decided.outcomes["m1"].visible_at == NOW + 1.0
