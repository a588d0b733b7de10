"""Hypothesis-generated scenarios through the simulator: the buffer's promises under faults."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.simulate.invariants import check, tally
from local.simulate.reliability import load_scenario_doc, merge, play_shard, shard
from local.simulate.runner import simulate
from local.simulate.scenario import parse_scenario

INTERVAL = 30
QUIET = {
    "eventfork:buffer": {"intervalSeconds": INTERVAL, "maxAttempts": 2},
    "eventfork:analytics": {"enabled": False},
    "eventfork:replay": {"enabled": False},
}
MALFORMED = ["not json", "[1, 2]", '{"occurredAt": true}', '{"occurredAt": "someday"}', '"text"']
# Slow dependencies make invocations overlap (Lambda runs up to maxConcurrency at once); a 40 s publish
# outlives the function's 30 s timeout, so the invocation is stopped and its batch comes back.
SLOWNESS: list[list[dict[str, Any]]] = [
    [],
    [
        {"kind": "latency", "service": "dynamodb", "seconds": 0.3, "from": 0, "until": 3000},
        {"kind": "latency", "service": "sns", "seconds": 0.4, "from": 0, "until": 3000},
    ],
    [{"kind": "latency", "service": "sns", "operation": "PublishBatch", "seconds": 40, "from": 0, "until": 120}],
]
FAULTS = ["crash_before_publish", "crash_after_publish", "table_write_fail", "publish_fail", "dlq_send_fail", "timeout"]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    groups = [f"user-{i}" for i in range(draw(st.integers(1, 3)))]
    events: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 9))):
        event: dict[str, Any] = {"at": draw(st.integers(0, 240)), "group": draw(st.sampled_from(groups)), "id": f"e{i}"}
        if draw(st.integers(0, 9)) == 0:
            event["raw"] = draw(st.sampled_from(MALFORMED))
        else:
            event["body"] = {"n": i, "payment": {"card-number": "4111111111111111"}}
        events.append(event)
    for original in draw(st.lists(st.sampled_from(events), max_size=3)):
        later = original["at"] + draw(st.sampled_from([5, 100, 301, 400]))
        events.append({**original, "at": later, "occurredAt": original["at"]})
    ids = sorted({e["id"] for e in events})
    faults = [
        {"kind": draw(st.sampled_from(FAULTS)), "id": draw(st.sampled_from(ids)), "times": draw(st.integers(1, 2))}
        for _ in range(draw(st.integers(0, 3)))
    ]
    if draw(st.booleans()):
        faults.append({"kind": "fail_processing", "id": draw(st.sampled_from(ids))})
    faults.extend(draw(st.sampled_from(SLOWNESS)))
    seed = draw(st.integers(0, 3))
    return {"name": "property", "config": QUIET, "events": events, "faults": faults, "runFor": 3000, "seed": seed}


@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_promise_holds_under_random_interleavings_and_faults(doc: dict[str, Any]) -> None:
    scenario = parse_scenario(doc)
    report = simulate(scenario)
    assert check(scenario, report, INTERVAL) == [], report
    # The only invocation errors are the alarmed ones of a failing dependency, and only when one was injected.
    dependency_faults = {"publish_fail", "table_write_fail", "dlq_send_fail"}
    injected = {f.split(":")[0] for f in report["faultsInjected"]}
    for error in report["handlerErrors"]:
        assert "DependencyUnavailableError" in error and injected & dependency_faults, error
    assert report["backupLeaks"] == 0
    backed_up = set(report["backup"])
    delivered = {i for ids in report["delivered"].values() for i in ids}
    assert delivered <= backed_up, f"not backed up: {delivered - backed_up}"


def test_the_reliability_load_runs_invocations_concurrently_and_loses_nothing() -> None:
    doc = load_scenario_doc(events=400, groups=40)
    report = merge([play_shard(doc)])  # what make reliability plays per shard, in this process
    assert report["maxConcurrentInvocations"] > 1
    row = tally(parse_scenario(doc), report, 60.0)
    failures = {k: row[k] for k in ("lost", "duplicated", "outOfOrder", "tooClose", "healthyDeadLettered")}
    assert failures == dict.fromkeys(failures, 0)
    assert row["delivered"] > 0


def test_sharding_keeps_every_event_and_fault_once() -> None:
    doc = load_scenario_doc(events=500, groups=50, seed=3)
    parts = shard(doc, 3)
    assert sorted(e["id"] + str(e["at"]) for p in parts for e in p["events"]) == sorted(
        e["id"] + str(e["at"]) for e in doc["events"]
    )
    assert sum(len(p["faults"]) for p in parts) == len(doc["faults"])
    groups = [{e["group"] for e in p["events"]} for p in parts]
    assert not (groups[0] & groups[1]) and not (groups[1] & groups[2])


def test_merge_combines_reports() -> None:
    a = {
        "delivered": {"g1": ["a"]},
        "deliveredAt": {"a": 1.0},
        "suppressed": {"duplicate": ["x"], "stale": []},
        "deadLettered": ["m"],
        "faultsInjected": ["crash:a"],
        "backupLeaks": 0,
    }
    b = {
        "delivered": {"g2": ["b"]},
        "deliveredAt": {"b": 2.0},
        "suppressed": {"duplicate": [], "stale": ["y"]},
        "deadLettered": [],
        "faultsInjected": [],
        "backupLeaks": 1,
    }
    merged = merge([a, b])
    assert merged["delivered"] == {"g1": ["a"], "g2": ["b"]}
    assert merged["suppressed"] == {"duplicate": ["x"], "stale": ["y"]}
    assert merged["backupLeaks"] == 1 and merged["deadLettered"] == ["m"]
