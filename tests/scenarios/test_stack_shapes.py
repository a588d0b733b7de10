"""Stack shapes and archive replay through ``python -m local simulate``."""

from __future__ import annotations

from pathlib import Path

from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
STANDARD = {
    "eventfork:fanout": {
        "existingTopicArn": "arn:aws:sns:us-east-1:123456789012:orders",
        "existingTopicKmsKeyArn": None,
    },
    "eventfork:replay": {"destinationQueueName": "orders-service"},
}


def test_pipelines_only_on_an_existing_fifo_topic_back_up_and_keep_every_order_once_in_group_order() -> None:
    report = simulate(load_scenario(SCENARIOS / "pipelines-only.json"), stack="orders")
    assert report["sent"] == 4 and report["unsupported"] == [] and report["handlerErrors"] == []
    assert sorted(report["backup"]) == ["o1", "o2", "o3"] and report["backupLeaks"] == 0
    assert report["replayable"] == ["o1", "o2", "o3"]  # o3's repeat is dropped by the topic's deduplication
    assert report["delivered"] == {} and "bufferCalls" in report and report["bufferCalls"] == {}


def test_pipelines_only_on_an_existing_standard_topic() -> None:
    doc = {
        "name": "standard-topic",
        "config": STANDARD,
        "existingTopic": {},
        "events": [{"at": i, "group": "c", "id": f"s{i}", "body": {"n": i}} for i in range(3)],
        "runFor": 300,
    }
    report = simulate(parse_scenario(doc), stack="orders")
    assert report["unsupported"] == [] and report["handlerErrors"] == []
    assert sorted(report["backup"]) == ["s0", "s1", "s2"]
    assert report["replayable"] == ["s0", "s1", "s2"]


def test_archive_replay_of_a_window_delivers_only_its_events_in_group_order_once() -> None:
    report = simulate(load_scenario(SCENARIOS / "archive-replay.json"), stack="dev")
    assert report["delivered"] == {"user-1": ["a1", "a2", "a3", "a4"], "user-2": ["b1", "b2"]}
    # Window 100..300 s: a1 (0 s) and a4 (400 s) stay out; each event inside arrives again exactly once.
    assert report["archiveReplayed"] == {"user-1": ["a2", "a3"], "user-2": ["b1", "b2"]}
    assert report["suppressed"] == {"duplicate": [], "stale": []}  # the replay never passes through the buffer
