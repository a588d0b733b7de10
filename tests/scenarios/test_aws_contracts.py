"""The buffer's promises under AWS's documented contracts, each through ``simulate``.

Every scenario here failed on the buffer before it was made to respect the contract it names.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from local.simulate.invariants import check
from local.simulate.runner import simulate
from local.simulate.scenario import parse_scenario
from tests.infra.plans import plan


def play(doc: dict[str, Any], interval: float = 60.0) -> dict[str, Any]:
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    assert check(scenario, report, interval) == []
    return report


def primary_bodies(report: dict[str, Any]) -> dict[str, str]:
    return {event_id: body for event_id, body in report["primaryBodies"].items()}


def test_publish_rejected_120_times_in_a_row_is_delivered_once_and_the_function_errors() -> None:
    """A dependency failing 120 attempts in a row never dead-letters a healthy event, and is alarmed."""
    report = play(
        {
            "name": "publish-outage-by-attempts",
            "events": [
                {"at": 0, "group": "user-1", "id": "e1", "body": {"consent": "yes"}},
                {"at": 0, "group": "user-2", "id": "f1", "body": {"consent": "no"}},
                {"at": 1, "group": "user-1", "id": "e2", "body": {"consent": "no"}},
            ],
            "faults": [{"kind": "publish_fail", "id": "e1", "times": 120}],
            "runFor": 6 * 3600,
        }
    )
    assert report["deadLettered"] == []
    assert report["delivered"]["user-1"] == ["e1", "e2"]
    assert report["delivered"]["user-2"] == ["f1"]
    assert report["faultsInjected"].count("publish_fail:e1") == 120
    errors = report["functionErrorTimes"]["eventfork-dev-buffer"]
    assert errors and errors[0] < 60.0  # the errors alarm (60 s period) sees the first failed attempt


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"occurredAt": NaN, "consent": "yes"}', "not valid JSON"),
        ('{"occurredAt": Infinity, "consent": "yes"}', "not valid JSON"),
        ('{"occurredAt": 1e200, "consent": "yes"}', "DynamoDB"),
        ('{"occurredAt": 1767225600000, "consent": "yes"}', "milliseconds"),
        ('{"occurredAt": -1e200, "consent": "yes"}', "DynamoDB"),
    ],
)
def test_implausible_occurred_at_is_dead_lettered_with_a_reason_and_the_group_goes_on(raw: str, expected: str) -> None:
    report = play(
        {
            "name": "bad-occurred-at",
            "events": [
                {"at": 0, "group": "user-1", "id": "bad", "raw": raw},
                {"at": 0, "group": "user-1", "id": "good", "body": {"consent": "no"}},
            ],
            "runFor": 900,
        }
    )
    assert report["deadLettered"] == ["bad"]
    assert expected in report["deadLetterReasons"]["bad"]
    assert report["delivered"] == {"user-1": ["good"]}
    assert report["deliveredAt"]["good"] < 2.0


def test_payload_reaches_the_downstream_byte_for_byte() -> None:
    raw = '{"name": "Zoë \\u00e9 é", "n": 0.12345678901234567890123, "big": 1e400, "nested": {"b": 1, "a": [ ]}}'
    report = play({"name": "bytes", "events": [{"at": 0, "group": "user-1", "id": "e1", "raw": raw}], "runFor": 60})
    body = primary_bodies(report)["e1"]
    assert body.endswith('"payload":' + raw + "}")
    assert json.loads(body)["eventId"] == "e1"


def test_large_multibyte_payload_within_the_limit_is_delivered_once() -> None:
    """A 140 KB body of 2-byte characters is 280 KB if escaped: kept as is, it fits the topic."""
    raw = json.dumps({"text": "é" * 70_000}, ensure_ascii=False)
    report = play({"name": "multibyte", "events": [{"at": 0, "group": "u", "id": "e1", "raw": raw}], "runFor": 60})
    assert report["delivered"] == {"u": ["e1"]}
    assert primary_bodies(report)["e1"].endswith('"payload":' + raw + "}")


def test_ten_30kb_events_are_published_in_batches_that_fit_the_topic() -> None:
    """PublishBatch's entries together may not exceed the topic's MaximumMessageSize (262,144 by default)."""
    events = [
        {"at": 0, "group": f"user-{i}", "id": f"e{i}", "raw": json.dumps({"blob": "x" * 30_000, "i": i})}
        for i in range(10)
    ]
    report = play({"name": "ten-large", "events": events, "runFor": 600})
    assert sorted(i for ids in report["delivered"].values() for i in ids) == sorted(f"e{i}" for i in range(10))
    assert all(report["deliveredAt"][f"e{i}"] < 2.0 for i in range(10))


def test_every_body_the_buffer_queue_accepts_fits_the_topic_once_wrapped() -> None:
    """The buffer queue's maximum leaves room for the envelope: the largest accepted body is delivered."""
    queue = next(r for r in plan("dev").by_type("aws:sqs/queue:Queue") if r.name == "buffer-queue")
    limit = queue.inputs["maxMessageSize"]
    attributes = len("occurredAt") + len("Number") + len("0.0")  # what the scenario producer adds
    raw = json.dumps({"blob": "x" * (limit - attributes - 12)})
    assert len(raw) + attributes == limit
    group, event_id = "g" * 128, "i" * 128  # the longest ids SQS allows
    report = play({"name": "largest", "events": [{"at": 0, "group": group, "id": event_id, "raw": raw}]})
    assert report["delivered"] == {group: [event_id]}
    assert primary_bodies(report)[event_id].endswith('"payload":' + raw + "}")


def test_binary_message_attribute_reaches_the_downstream_unchanged() -> None:
    raw_bytes = bytes(range(256))
    encoded = base64.b64encode(raw_bytes).decode()
    report = play(
        {
            "name": "binary-attribute",
            "events": [
                {
                    "at": 0,
                    "group": "u",
                    "id": "e1",
                    "body": {"x": 1},
                    "attributes": {"signature": {"DataType": "Binary", "BinaryValue": encoded}},
                }
            ],
            "runFor": 60,
        }
    )
    attributes = report["primaryAttributes"]["e1"]
    assert attributes["signature"]["DataType"] == "Binary"
    assert base64.b64decode(attributes["signature"]["BinaryValue"]) == raw_bytes


def test_failed_state_write_after_publish_with_a_long_interval_is_not_delivered_twice() -> None:
    report = play(
        {
            "name": "write-fails-long-interval",
            "config": {"eventfork:buffer": {"intervalSeconds": 600}},
            "events": [
                {"at": 0, "group": "u", "id": "e1", "body": {"consent": "yes"}},
                {"at": 0, "group": "u", "id": "e2", "body": {"consent": "no"}},
            ],
            "faults": [{"kind": "table_write_fail", "id": "e1", "times": 1}],
            "runFor": 3600,
        },
        interval=600.0,
    )
    assert report["delivered"] == {"u": ["e1", "e2"]}
    assert report["deliveredAt"]["e2"] - report["deliveredAt"]["e1"] == pytest.approx(600.0, abs=2.0)


def test_group_item_without_version_is_repaired_not_retried_forever() -> None:
    report = play(
        {
            "name": "item-without-version",
            "tableItems": [
                {
                    "messageGroupId": {"S": "u"},
                    "lastDeliveredAt": {"N": "1767220000"},
                    "lastOccurredAt": {"N": "-100"},
                    "lastEventId": {"S": "old"},
                }
            ],
            "events": [{"at": 0, "group": "u", "id": "e1", "body": {"consent": "yes"}}],
            "runFor": 900,
        }
    )
    assert report["delivered"] == {"u": ["e1"]}
    assert report["deliveredAt"]["e1"] < 2.0
    assert report["deadLettered"] == []


def test_many_events_with_one_occurred_at_keep_the_group_item_small_and_are_never_redelivered() -> None:
    """Date-only timestamps: 300 events share one occurredAt; a retransmission of the first is still caught."""
    events = [
        {"at": i * 0.001, "group": "u", "id": f"e{i:03d}", "body": {"n": i, "occurredAt": "2025-12-31"}}
        for i in range(300)
    ]
    events.append({"at": 20_000, "group": "u", "id": "e000", "body": {"n": 0, "occurredAt": "2025-12-31"}})
    report = play(
        {"name": "same-occurred-at", "config": {"eventfork:buffer": {"intervalSeconds": 0}}, "events": events},
        interval=0.0,
    )
    assert len(report["delivered"]["u"]) == 300
    assert "e000" in report["suppressed"]["duplicate"]
    assert report["maxBufferItemBytes"] <= 4096
