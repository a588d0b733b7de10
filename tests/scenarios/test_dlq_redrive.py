"""The buffer DLQ redriven as an operator does it (``redriveDlq`` actions), end to end on the emulator.

Judged on what reached the primary queue (the report's ``delivered``, read from the queue's arrivals)
and on the invariants checker, not on the buffer's own account of itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.simulate.invariants import check
from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
LEFT_IN_THE_DLQ = ("was dead-lettered", "was neither delivered nor suppressed (lost)")


def play(name: str, **changes: Any) -> dict[str, Any]:
    doc = json.loads((SCENARIOS / f"{name}.json").read_text())
    doc.update(changes)
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    problems = check(scenario, report, 60.0)
    # the checker counts a poison event with a number of failures as healthy: one left in the DLQ on purpose
    left = {f"{i} is healthy but {what}" for i in report["deadLettered"] for what in LEFT_IN_THE_DLQ}
    assert [p for p in problems if p not in left] == []
    return report


def by_event(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["eventId"]: entry for entry in report["redriven"]}


def test_poison_events_fixed_and_redriven_are_delivered_in_order_or_suppressed_as_stale() -> None:
    report = play("dlq-redrive")
    # user-1: nothing newer was delivered, so p1 goes out once, after a1 (its group's order)
    assert report["delivered"]["user-1"] == ["a1", "p1"]
    # user-2: s2 was delivered while s1 was dead-lettered: s1 is older, suppressed as stale and counted
    assert report["delivered"]["user-2"] == ["s2"]
    assert report["suppressed"]["stale"] == ["s1"]
    assert report["bufferMetrics"]["stale"] == 1  # counted: what the stale metric (and dashboard) shows
    redriven = by_event(report)
    assert redriven["p1"]["predicted"] == "deliver" and redriven["p1"]["outcome"] == "delivered"
    assert redriven["s1"]["predicted"] == "stale" and redriven["s1"]["outcome"] == "stale"
    assert "older than the last delivered" in redriven["s1"]["why"]
    assert report["deadLettered"] == []  # the DLQ is empty afterwards


def test_only_the_chosen_ids_are_redriven() -> None:
    report = play("dlq-redrive", actions=[{"at": 3600, "kind": "redriveDlq", "ids": ["p1"]}])
    assert report["delivered"]["user-1"] == ["a1", "p1"]
    assert [e["eventId"] for e in report["redriven"]] == ["p1"]
    assert report["deadLettered"] == ["s1"]  # left in the DLQ, still with its reason
    assert "processing failed" in report["deadLetterReasons"]["s1"]


def test_an_event_sqs_dead_lettered_and_redriven_by_sqs_keeps_its_id_and_is_delivered_once() -> None:
    """The function crashed between recording e1 and publishing it until SQS dead-lettered it (dedup id
    replaced by the message id); the producer's retransmission is held as a possible repeat; SQS's own
    redrive brings the dead letter back as e1, which the buffer publishes again: e1 reaches the consumer once."""
    report = play("sqs-dead-letter-redrive")
    assert report["delivered"] == {"user-1": ["e1"]}
    [entry] = report["redriven"]
    assert entry["eventId"] == "e1" and entry["via"] == "sqs"
    assert entry["outcome"] == "delivered"


def test_the_same_dead_letter_redriven_by_the_command_is_delivered_once() -> None:
    report = play("sqs-dead-letter-redrive", actions=[{"at": 40000, "kind": "redriveDlq"}])
    assert report["delivered"] == {"user-1": ["e1"]}
    assert by_event(report)["e1"]["outcome"] == "delivered"


def test_a_redrive_interrupted_halfway_and_run_again_delivers_nothing_twice() -> None:
    report = play("interrupted-redrive")
    assert report["delivered"] == {"user-1": ["x1"], "user-2": ["x2"], "user-3": ["x3"]}
    first = [e for e in report["redriven"] if e["at"] == 3600.0]
    again = [e for e in report["redriven"] if e["at"] > 3600.0]
    assert sum(e["redriven"] for e in first) == 2 and all(e.get("interruptedRun") for e in first)
    # the second run sent x2 again (not deleted before the interruption) and x3; x2's repeat is suppressed
    assert sorted(e["eventId"] for e in again) == ["x2", "x3"]
    assert {e["eventId"]: e["outcome"] for e in again} == {"x2": "duplicate", "x3": "delivered"}
    assert report["deadLettered"] == []


def test_an_event_whose_id_sqs_lost_is_not_redriven_by_the_command() -> None:
    """Without the producer's eventId attribute, SQS's dead-lettering left only its message id: the command
    will not guess, it leaves the event in the DLQ and says why."""
    doc = json.loads((SCENARIOS / "sqs-dead-letter-redrive.json").read_text())
    for event in doc["events"]:
        event.pop("attributes")
    doc["actions"] = [{"at": 40000, "kind": "redriveDlq"}]
    report = simulate(parse_scenario(doc))
    [entry] = report["redriven"]
    assert entry["outcome"] == "notRedriven" and "event id is unknown" in entry["why"]
    assert len(report["deadLettered"]) == 1


def test_scenario_actions_are_checked() -> None:
    import pytest

    from local.simulate.scenario import ScenarioError

    for bad, message in (
        ([{"at": 1, "kind": "purge"}], "kind"),
        ([{"at": 1, "kind": "redriveDlq", "via": "sqs", "ids": ["a"]}], "moves every message"),
        ([{"at": 1, "kind": "redriveDlq", "interruptAfter": 0}], "interruptAfter"),
    ):
        with pytest.raises(ScenarioError, match=message):
            parse_scenario({"events": [], "actions": bad})
    assert load_scenario(SCENARIOS / "dlq-redrive.json").actions[0].kind == "redriveDlq"


def test_with_partitions_each_event_goes_back_to_its_groups_partition() -> None:
    """One DLQ for every partition: the command sends each event to the queue its group hashes to, so no batch
    holds a group of another partition (the buffer counts those as records_outside_partition)."""
    config = {"eventfork:buffer": {"intervalSeconds": 60, "maxAttempts": 3, "partitions": 4}}
    report = play("dlq-redrive", config=config)
    assert report["delivered"]["user-1"] == ["a1", "p1"]
    assert report["suppressed"]["stale"] == ["s1"]
    assert "records_outside_partition" not in report["bufferMetrics"]
    moved = play("dlq-redrive", config=config, actions=[{"at": 3600, "kind": "redriveDlq", "via": "sqs"}])
    assert moved["delivered"]["user-1"] == ["a1", "p1"]  # SQS's redrive to partition 0 still delivers once
    assert moved["bufferMetrics"].get("records_outside_partition", 0) >= 1  # but from the wrong partition
