"""Hypothesis scenarios at AWS's limits, on the strict emulator: every promise still holds.

Large and multi-byte payloads, binary attributes, intervals up to 12 hours, outages of seconds to
hours of any dependency, and corrupted group items.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.simulate.invariants import check
from local.simulate.runner import simulate
from local.simulate.scenario import parse_scenario

OUTAGES = [
    {"service": "sns", "operation": "PublishBatch", "error": "ThrottledException"},
    {"service": "dynamodb", "error": "InternalServerError"},
    {"service": "dynamodb", "operation": "BatchExecuteStatement", "error": "ThrottlingException"},
    {"service": "sqs", "operation": "SendMessageBatch", "error": "ServiceUnavailable"},
]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    interval = draw(st.sampled_from([0, 30, 600, 43_200]))
    groups = [f"user-{i}" for i in range(draw(st.integers(1, 3)))]
    events: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 6))):
        text = draw(st.sampled_from(["plain", "é" * 20_000, "🙂" * 10_000, "x" * 60_000, "\u00e9\\u00e9"]))
        body = json.dumps({"n": i, "text": text, "f": 0.12345678901234567890123}, ensure_ascii=False)
        event: dict[str, Any] = {"at": draw(st.integers(0, 900)), "group": draw(st.sampled_from(groups)), "id": f"e{i}"}
        event["raw"] = body if draw(st.integers(0, 7)) else '{"occurredAt": NaN}'
        if draw(st.booleans()):
            blob = base64.b64encode(draw(st.binary(min_size=1, max_size=64))).decode()
            event["attributes"] = {"sig": {"DataType": "Binary", "BinaryValue": blob}}
        events.append(event)
    faults = []
    if draw(st.booleans()):
        start = draw(st.integers(0, 600))
        faults.append(
            {
                "kind": "outage",
                **draw(st.sampled_from(OUTAGES)),
                "from": start,
                "until": start + draw(st.sampled_from([5, 90, 1800, 7200])),
            }
        )
    items = []
    if draw(st.booleans()):  # a hand-edited item: no version, maybe no times
        item: dict[str, Any] = {"messageGroupId": {"S": groups[0]}, "lastEventId": {"S": "old"}}
        if draw(st.booleans()):
            item["lastDeliveredAt"] = {"N": "1767000000"}
            item["lastOccurredAt"] = {"N": "-5"}
        items.append(item)
    last = max(e["at"] for e in events)
    run_for = last + 7200 + 3 * max(interval, 60) * len(events) + 3600
    return {
        "name": "aws-limits",
        "config": {
            "eventfork:buffer": {"intervalSeconds": interval},
            "eventfork:analytics": {"enabled": False},
            "eventfork:replay": {"enabled": False},
        },
        "events": events,
        "faults": faults,
        "tableItems": items,
        "runFor": run_for,
    }


@settings(max_examples=12, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_promise_holds_at_aws_limits(doc: dict[str, Any]) -> None:
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    interval = float(doc["config"]["eventfork:buffer"]["intervalSeconds"])
    assert check(scenario, report, interval) == [], report["handlerErrors"]
    for event in doc["events"]:
        delivered = report["primaryBodies"].get(event["id"])
        if delivered is not None:
            assert delivered.endswith('"payload":' + event["raw"] + "}")
            sent = event.get("attributes", {}).get("sig")
            if sent:
                assert report["primaryAttributes"][event["id"]]["sig"]["BinaryValue"] == sent["BinaryValue"]
    for error in report["handlerErrors"]:
        assert "DependencyUnavailableError" in error and doc["faults"], error
