"""Scenario and report extensions: events without occurredAt, the clock's start, producers that
ignore partitions, ids shared across groups, and backup objects any valid JSON can produce."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from local.simulate.invokers import partitions_module
from local.simulate.report import count_leaks
from local.simulate.runner import simulate
from local.simulate.scenario import ScenarioError, parse_scenario

QUIET = {"eventfork:analytics": {"enabled": False}, "eventfork:replay": {"enabled": False}}
CARD = "4111111111111111"


def play(events: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    doc = {"name": "extensions", "events": events, "runFor": 900.0, "config": QUIET, **extra}
    return simulate(parse_scenario(doc))


def nested(depth: int, inner: Any) -> Any:
    value = inner
    for _ in range(depth):
        value = {"a": value}
    return value


def test_backup_records_holding_unicode_line_separators_are_read_whole() -> None:
    # Firehose objects are newline-delimited; U+2028, U+2029 and U+0085 are ordinary JSON string characters.
    report = play([{"at": 0, "group": "u-1", "id": "sep", "body": {"note": "a\u2028b\u2029c\u0085d"}}])
    assert report["delivered"] == {"u-1": ["sep"]}
    assert report["backup"] == ["sep"]


def test_a_body_nested_900_levels_is_dead_lettered_with_its_reason_and_the_report_scans_it() -> None:
    report = play([{"at": 0, "group": "u-1", "id": "deep", "body": nested(900, {"ref": "x"})}])
    assert report["delivered"] == {}
    assert report["deadLettered"] == ["deep"]
    assert "nested deeper than 100 levels" in report["deadLetterReasons"]["deep"]
    assert report["backupLeaks"] == 0


def test_a_body_nested_90_levels_reaches_the_backup() -> None:
    report = play([{"at": 0, "group": "u-1", "id": "deep", "body": nested(90, {"ref": "x"})}])
    assert report["delivered"] == {"u-1": ["deep"]}
    assert report["backup"] == ["deep"]


def test_a_card_number_nested_600_levels_is_dead_lettered_and_never_reaches_the_backup_bucket() -> None:
    # The buffer refuses bodies nested past its documented limit before anything is published.
    report = play([{"at": 0, "group": "u-1", "id": "deep", "body": nested(600, {"payment": {"card-number": CARD}})}])
    assert report["delivered"] == {}
    assert report["deadLettered"] == ["deep"]
    assert report["backupLeaks"] == 0


def test_card_scan_counts_at_any_depth_without_recursion() -> None:
    deep = json.dumps(nested(900, {"payment": {"card-number": "x"}, "n": CARD}))
    assert count_leaks(deep) == 2  # the card-* key under payment and the Luhn-valid number
    deeper = '{"a":' * 5000 + f'{{"n":"{CARD}"}}' + "}" * 5000  # past the decoder's depth: scanned as text
    assert count_leaks(deeper) == 1
    assert count_leaks(json.dumps({"note": "\u2028" + CARD})) == 1


def test_occurred_at_null_sends_no_attribute_and_the_send_time_is_used() -> None:
    report = play(
        [
            {"at": 5, "group": "u-1", "id": "none", "body": {}, "occurredAt": None},
            {"at": 5, "group": "u-2", "id": "given", "body": {}},
        ]
    )
    start = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert json.loads(report["primaryBodies"]["none"])["occurredAt"] == pytest.approx(start + 5, abs=0.01)
    assert json.loads(report["primaryBodies"]["given"])["occurredAt"] == 5  # the scenario's value, as sent


@pytest.mark.parametrize("start_at", ["2026-12-07T01:00:00Z", 1_796_605_200, "2026-12-07T01:00:00"])
def test_start_at_sets_the_clock(start_at: Any) -> None:
    real_now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC).timestamp()
    body = {"occurredAt": real_now + 10}  # a real producer timestamp, 10 s after the scenario's start
    report = play([{"at": 20, "group": "u-1", "id": "real", "body": body, "occurredAt": None}], startAt=start_at)
    assert report["delivered"] == {"u-1": ["real"]}
    assert report["deadLettered"] == []


def test_start_at_and_seed_are_validated() -> None:
    with pytest.raises(ScenarioError, match="startAt"):
        parse_scenario({"events": [], "startAt": "yesterday"})
    with pytest.raises(ScenarioError, match="seed"):
        parse_scenario({"events": [], "seed": 1.5})
    with pytest.raises(ScenarioError, match="partition"):
        parse_scenario({"events": [{"at": 0, "group": "g", "id": "1", "partition": -1}]})


def test_a_producer_may_send_to_a_partition_other_than_the_groups() -> None:
    route = partitions_module().partition_of
    group = next(f"user-{i}" for i in range(100) if route(f"user-{i}", 2) == 1)
    config = {**QUIET, "eventfork:backup": {"enabled": False}, "eventfork:buffer": {"partitions": 2}}
    doc = {
        "name": "ignores-partitions",
        "events": [{"at": 0, "group": group, "id": "p0", "body": {}, "partition": 0}],
        "runFor": 600.0,
        "config": config,
    }
    report = simulate(parse_scenario(doc))
    assert report["delivered"] == {group: ["p0"]}
    assert report["bufferMetrics"].get("records_outside_partition") == 1  # the function saw it on queue 0
    with pytest.raises(ScenarioError, match="partition 2"):
        simulate(parse_scenario({**doc, "events": [{**doc["events"][0], "partition": 2}]}))


def test_ids_shared_across_groups_are_reported_by_group() -> None:
    report = play(
        [
            {"at": 0, "group": "u-a", "id": "1", "body": {"v": "a1"}},
            {"at": 1, "group": "u-b", "id": "1", "body": {"v": "b1"}},
            {"at": 2, "group": "u-b", "id": "bad", "raw": "not json"},
            {"at": 3, "group": "u-a", "id": "bad", "raw": "not json either"},
            {"at": 400, "group": "u-a", "id": "1", "body": {"v": "a1"}, "occurredAt": 0},
        ]
    )
    assert report["delivered"] == {"u-a": ["1"], "u-b": ["1"]}
    assert set(report["deliveredAtByGroup"]) == {"u-a", "u-b"}
    assert report["deliveredAtByGroup"]["u-a"]["1"] < report["deliveredAtByGroup"]["u-b"]["1"]
    assert report["suppressedByGroup"]["duplicate"] == {"u-a": ["1"]}
    assert {g: sorted(ids) for g, ids in report["deadLetteredByGroup"].items()} == {"u-a": ["bad"], "u-b": ["bad"]}
    assert set(report["deadLetterReasonsByGroup"]["u-b"]) == {"bad"}
    assert "deliveredAt" in report and report["deadLettered"].count("bad") == 2  # today's keys unchanged
