"""The e-commerce fork: six orders around the 100-dollar boundary, through every pipeline."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ORDERS = [f"order-{i}" for i in range(1, 7)]


def test_orders_are_backed_up_without_cards_indexed_over_100_and_replayable() -> None:
    report = simulate(load_scenario(SCENARIOS / "ecommerce.json"), stack="ecommerce")
    assert sorted(report["backup"]) == ORDERS
    assert report["backupLeaks"] == 0
    assert sorted(report["analytics"]) == ["order-4", "order-5", "order-6"]  # 100.01, 150, 500; not 50, 99.99, 100
    assert sorted(report["replayable"]) == ORDERS
    assert report["replayed"] == {}
    assert report["unsupported"] == []


def test_with_replay_active_orders_are_replayed_to_checkout_in_group_order() -> None:
    report = simulate(load_scenario(SCENARIOS / "ecommerce-replay.json"), stack="ecommerce")
    assert report["replayed"] == {
        "customer-1": ["order-1", "order-3", "order-5"],
        "customer-2": ["order-2", "order-4", "order-6"],
    }
    assert report["replayable"] == []


def test_without_redaction_the_leak_scan_finds_the_cards() -> None:
    scenario = load_scenario(SCENARIOS / "ecommerce.json")
    leaky = dataclasses.replace(
        scenario,
        name="leaky",
        config={"eventfork:backup": {"redaction": False}},
        faults=[],
    )
    report = simulate(leaky, stack="ecommerce")
    assert report["backupLeaks"] >= 12  # one card-number key and one card number in a note, per order
