"""Dependency outages and slow calls, played in scenario time through ``simulate``.

An outage of any dependency the buffer calls, lasting two hours, must lose and dead-letter
nothing; the function's errors alarm (60-second period, threshold 1) must see it within one period;
after recovery every event goes out once, in order, within its window plus the longest backoff.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.simulate.invariants import check
from local.simulate.runner import simulate
from local.simulate.scenario import ScenarioError, parse_scenario

OUTAGE_START, OUTAGE_END = 30.0, 30.0 + 2 * 3600
LONGEST_BACKOFF = 120.0


def events() -> list[dict[str, Any]]:
    """Three users: before, during and after the outage, some inside each other's windows."""
    out: list[dict[str, Any]] = []
    for user in range(3):
        for i, at in enumerate((0, 40, 100, 3600, OUTAGE_END + 10)):
            out.append({"at": at + user, "group": f"user-{user}", "id": f"u{user}-e{i}", "body": {"i": i}})
    return out


def play(fault: dict[str, Any]) -> dict[str, Any]:
    scenario = parse_scenario({"name": "outage", "events": events(), "faults": [fault], "runFor": OUTAGE_END + 3600})
    report = simulate(scenario)
    assert check(scenario, report, 60.0) == []
    return report


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "outage", "service": "sns", "operation": "PublishBatch", "error": "ThrottledException"},
        {"kind": "outage", "service": "sns", "operation": "PublishBatch", "error": "KMSDisabledException"},
        {"kind": "outage", "service": "dynamodb", "error": "InternalServerError"},
        {"kind": "outage", "service": "dynamodb", "operation": "BatchExecuteStatement", "error": "ThrottlingException"},
        {"kind": "outage", "service": "kms", "error": "ThrottlingException"},
    ],
    ids=["sns-throttled", "sns-kms-disabled", "dynamodb-down", "dynamodb-writes-throttled", "kms-throttled"],
)
def test_a_two_hour_outage_loses_and_dead_letters_nothing_and_is_alarmed(fault: dict[str, Any]) -> None:
    report = play({**fault, "from": OUTAGE_START, "until": OUTAGE_END})
    assert report["deadLettered"] == []
    refused = report["refusedBySqs"]  # a KMS outage also refuses producers' sends: they got the error
    assert all(OUTAGE_START <= at < OUTAGE_END for e in events() for at in [e["at"]] if e["id"] in refused)
    delivered = sorted(i for ids in report["delivered"].values() for i in ids)
    assert delivered == sorted(e["id"] for e in events() if e["id"] not in refused)
    errors = report["functionErrorTimes"].get("eventfork-dev-buffer", [])
    if fault["service"] == "kms":
        # SQS cannot decrypt for the event source either: the function is not invoked at all, and the
        # buffer queue's age-of-oldest-message alarm is the one that sees it.
        assert errors == []
    else:
        assert errors and errors[0] < OUTAGE_START + 60.0, "the errors alarm must see the outage within one period"
    sent_at = {e["id"]: e["at"] for e in events()}
    for event_id, at in report["deliveredAt"].items():
        due = max(sent_at[event_id], OUTAGE_END)
        # after recovery: within the longest backoff plus the queued events' windows
        assert at <= due + LONGEST_BACKOFF + 5 * 60.0, (event_id, at)


def test_an_outage_of_the_dead_letter_queue_keeps_the_rejected_event_and_its_group_waits_in_order() -> None:
    scenario = parse_scenario(
        {
            "name": "dlq-outage",
            "events": [
                {"at": 0, "group": "u", "id": "bad", "raw": "not json"},
                {"at": 1, "group": "u", "id": "good", "body": {"ok": True}},
            ],
            "faults": [{"kind": "outage", "service": "sqs", "operation": "SendMessageBatch", "from": 0, "until": 7200}],
            "runFor": 3 * 3600,
        }
    )
    report = simulate(scenario)
    assert check(scenario, report, 60.0) == []
    assert report["deadLettered"] == ["bad"] and "not valid JSON" in report["deadLetterReasons"]["bad"]
    assert report["delivered"] == {"u": ["good"]}
    assert report["deliveredAt"]["good"] >= 7200.0  # it waited behind the event before it, in order


def test_a_slow_read_does_not_shorten_the_interval() -> None:
    """The window runs from when the publish happened, not from when the batch started."""
    scenario = parse_scenario(
        {
            "name": "slow-read",
            "events": [
                {"at": 0, "group": "u", "id": "e1", "body": {"consent": "yes"}},
                {"at": 50, "group": "u", "id": "e2", "body": {"consent": "no"}},
            ],
            "faults": [
                {
                    "kind": "latency",
                    "service": "dynamodb",
                    "operation": "BatchGetItem",
                    "seconds": 20,
                    "from": 0,
                    "until": 1,
                }
            ],
            "runFor": 600,
        }
    )
    report = simulate(scenario)
    assert check(scenario, report, 60.0) == []
    assert report["deliveredAt"]["e1"] >= 20.0
    assert report["deliveredAt"]["e2"] - report["deliveredAt"]["e1"] >= 60.0


def test_dependency_faults_are_validated() -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\].service"):
        parse_scenario({"events": [], "faults": [{"kind": "outage", "service": "s3", "until": 5}]})
    with pytest.raises(ScenarioError, match=r"faults\[0\].until"):
        parse_scenario({"events": [], "faults": [{"kind": "latency", "service": "sns", "seconds": 1, "until": 0}]})
