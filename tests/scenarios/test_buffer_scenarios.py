"""Scenario tests through ``python -m local simulate``: the buffer semantics end to end on the emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.simulate.invariants import check
from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def play(name: str, interval: float = 60.0) -> dict[str, Any]:
    scenario = load_scenario(SCENARIOS / f"{name}.json")
    report = simulate(scenario)
    assert check(scenario, report, interval) == []
    return report


def test_consent_race_cli_contract_and_outcome() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "local", "simulate", "--scenario", str(SCENARIOS / "consent-race.json"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(out.stdout)
    for key in (
        "delivered",
        "deliveredAt",
        "suppressed",
        "deadLettered",
        "backup",
        "backupLeaks",
        "analytics",
        "replayable",
    ):
        assert key in report
    assert report["delivered"]["user-1"] == ["e1", "e2"]  # yes, then no; never yes again
    # one interval, plus the publish margin, rounded up to SQS's whole-second visibility
    assert 60.0 <= report["deliveredAt"]["e2"] - report["deliveredAt"]["e1"] <= 62.0
    assert report["suppressed"]["duplicate"] == ["e1"]
    assert report["deadLettered"] == ["bad"]
    assert report["faultsInjected"] == ["crash_after_publish:e2"]


def test_reorder_race_keeps_the_newer_decision() -> None:
    report = play("reorder-race")
    assert report["delivered"] == {"user-1": ["no-1"]}
    assert report["suppressed"]["stale"] == ["yes-1"]


def test_retransmission_within_and_after_the_dedup_window() -> None:
    report = play("retransmission")
    assert report["delivered"] == {"user-1": ["e1", "e2"]}
    # one copy dropped by the queue's 5-minute dedup, one (after 5 minutes) by the buffer's memory
    assert sorted(report["suppressed"]["duplicate"]) == ["e1", "e1"]


def test_crashes_before_and_after_publish_deliver_once_in_order() -> None:
    report = play("crashes")
    assert report["delivered"] == {"user-1": ["a1", "a2"], "user-2": ["b1", "b2"]}
    assert sorted(report["faultsInjected"]) == [
        "crash_after_publish:b1",
        "crash_after_publish:b1",
        "crash_before_publish:a1",
    ]
    assert report["crashes"] == 3


def test_burst_of_25_for_one_user_is_delivered_in_order_one_interval_apart() -> None:
    report = play("burst")
    burst = report["delivered"]["user-burst"]
    assert burst == [f"burst-{i:02d}" for i in range(25)]
    times = [report["deliveredAt"][i] for i in burst]
    # never closer than the interval; at most the publish margin and SQS's whole-second visibility later
    assert all(60.0 <= b - a <= 62.0 for a, b in zip(times, times[1:], strict=False))
    assert report["deadLettered"] == []
    assert report["delivered"]["user-calm"] == ["calm-1"]
    assert report["deliveredAt"]["calm-1"] == pytest.approx(0.5)  # other users are not held back


def test_poison_and_malformed_events_are_dead_lettered_and_their_groups_go_on() -> None:
    report = play("poison")
    assert report["delivered"] == {"user-1": ["p2"], "user-2": ["ok"]}
    assert sorted(report["deadLettered"]) == ["m1", "m2", "m3", "p1"]
    assert "processing failed 3 times" in report["deadLetterReasons"]["p1"]
    assert "not valid JSON" in report["deadLetterReasons"]["m1"]
    assert "not an object" in report["deadLetterReasons"]["m2"]
    assert "occurredAt" in report["deadLetterReasons"]["m3"]


def test_an_hour_of_1000_events_keeps_every_invariant() -> None:
    events = [{"at": i * 3.6, "group": f"user-{i % 100}", "id": f"e{i}", "body": {"i": i}} for i in range(1000)]
    scenario = parse_scenario({"name": "hour", "events": events, "runFor": 4000})
    report = simulate(scenario)
    assert check(scenario, report, 60.0) == []
    assert sum(len(v) for v in report["delivered"].values()) == 1000


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"events": [{"at": -1, "group": "g", "id": "i"}]}, "events[0].at"),
        ({"events": [{"at": 0, "id": "i"}]}, "events[0].group"),
        ({"events": [], "faults": [{"kind": "explode", "id": "x"}]}, "faults[0].kind"),
        ({"events": [{"at": 0, "group": "g", "id": "i", "body": {}, "raw": "x"}]}, "either body or raw"),
        ({"events": [], "surprise": 1}, "unknown keys"),
    ],
)
def test_bad_scenarios_are_rejected_with_the_place_and_the_reason(doc: dict[str, Any], message: str) -> None:
    from local.simulate.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_scenario(doc)


def test_repeated_crash_with_malformed_records_in_the_batch_still_delivers_once() -> None:
    """Rejected records of the batch must come back early too, or they hold the group past the dedup window."""
    doc = {
        "name": "crash-with-rejects",
        "config": {"eventfork:buffer": {"intervalSeconds": 30}},
        "events": [
            {"at": 0, "group": "user-0", "id": "e0", "body": {"n": 0}},
            {"at": 0, "group": "user-0", "id": "e1", "raw": "not json"},
            {"at": 0, "group": "user-0", "id": "e2", "raw": "[]"},
        ],
        "faults": [{"kind": "crash_after_publish", "id": "e0", "times": 2}],
        "runFor": 3000,
    }
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    assert check(scenario, report, 30) == []
    assert report["delivered"] == {"user-0": ["e0"]}
    assert sorted(report["deadLettered"]) == ["e1", "e2"]


@pytest.mark.parametrize("kind", ["table_write_fail", "publish_fail", "dlq_send_fail"])
def test_infrastructure_faults_retry_without_loss_or_duplicates(kind: str) -> None:
    doc = {
        "name": kind,
        "events": [
            {"at": 0, "group": "user-1", "id": "bad", "raw": "not json"},
            {"at": 1, "group": "user-1", "id": "a1", "body": {"n": 1}},
            {"at": 2, "group": "user-2", "id": "b1", "body": {"n": 1}},
            {"at": 70, "group": "user-1", "id": "a2", "body": {"n": 2}},
        ],
        "faults": [{"kind": kind, "id": "bad" if kind == "dlq_send_fail" else "a1", "times": 2}],
        "runFor": 2000,
    }
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    assert check(scenario, report, 60) == []
    assert report["faultsInjected"] == [f"{kind}:{'bad' if kind == 'dlq_send_fail' else 'a1'}"] * 2
    assert report["delivered"] == {"user-1": ["a1", "a2"], "user-2": ["b1"]}
    assert report["deadLettered"] == ["bad"]
