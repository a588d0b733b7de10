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


def test_a_failed_attempt_backs_off_five_seconds_per_attempt_then_goes_to_the_dlq() -> None:
    [event] = [records.parse_record(record("{}"), NOW)]
    first = decisions.failed_attempt(event, 1, 3, "boom", NOW)
    assert (first.kind, first.visible_at, first.reason) == ("failed", NOW + 5, "attempt 1/3: boom")
    assert decisions.failed_attempt(event, 20, 30, "boom", NOW).visible_at == NOW + 60
    last = decisions.failed_attempt(event, 3, 3, "boom", NOW)
    assert (last.kind, last.reason) == (decisions.DEAD_LETTER, "processing failed 3 times: boom")


def test_a_batch_comes_back_sooner_only_when_a_record_may_have_crashed() -> None:
    again = {"attributes": {"MessageGroupId": "g", "MessageDeduplicationId": "e1", "ApproximateReceiveCount": "2"}}
    [first] = [records.parse_record(record("{}"), NOW)]
    [returned] = [records.parse_record({**record("{}"), **again}, NOW)]
    window_ended = {"g": state.GroupState(NOW - 60.5, NOW - 100, "e0", 1)}
    assert not decisions.retry_sooner([first], {}, NOW, 60.0)
    assert decisions.retry_sooner([returned], {}, NOW, 60.0)
    assert not decisions.retry_sooner([returned], window_ended, NOW, 60.0)  # delayed, not crashed


def test_an_edge_result_is_put_in_place_only_when_deciding_again_would_give_the_same() -> None:
    groups = {"g": state.GroupState(NOW - 10, -1.0, "e0", 1)}  # sent at 0: waited far past 90 s
    sent_at = {"attributes": {"MessageGroupId": "g", "ApproximateReceiveCount": "1", "SentTimestamp": "0"}}
    batch = [
        records.parse_record({**record("{}", "m1", event_id="e1"), **_with(sent_at, "e1")}, NOW),
        records.parse_record({**record("{}", "m2", event_id="e2"), **_with(sent_at, "e2")}, NOW),
        records.parse_record(record("{}", "m3", group="h", event_id="x1"), NOW),
    ]
    decided = decisions.decide(batch, groups, NOW, 60.0, {}, 90.0)
    assert [decided.outcomes[m].kind for m in ("m1", "m2", "m3")] == ["over_backlog", "over_backlog", "deliver"]
    sent = {"m1": decisions.Outcome(decisions.DEAD_LETTERED, "m1", "e1", "g", "backlog")}
    applied = decisions.with_outcomes(decided, sent)
    assert applied == decisions.decide(batch, groups, NOW, 60.0, sent, 90.0)
    not_sent = {"m1": decisions.dependency_failure(batch[0], "dead-letter send failed", NOW)}
    assert decisions.with_outcomes(decided, not_sent) is None  # it now holds its group: m2 waits behind it
    not_built = {"m3": decisions.Outcome(decisions.DEAD_LETTERED, "m3", "x1", "h", "could not be built")}
    assert decisions.with_outcomes(decided, not_built) is None  # no longer delivered: h's window did not move


def _with(attributes: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {"attributes": {**attributes["attributes"], "MessageDeduplicationId": event_id}}
