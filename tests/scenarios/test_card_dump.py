"""What the pipelines store holds no card number, whatever the format and whatever fails.

The dump of ``simulate --dump-dir`` (every S3 object, every indexed document) is scanned by the
independent detector of tests/functions/card_detector.py, not by the redaction code.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from local.simulate import runner
from local.simulate.runner import simulate
from local.simulate.scenario import load_scenario
from tests.functions.card_detector import found_cards, readable

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "card-formats.json"
PLANTED = ["4111111111111111", "5500000000000004", "378282246310005", "6011111111111117"]


def _scan(directory: Path) -> tuple[list[Path], dict[str, list[str]]]:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    leaks = {str(p.relative_to(directory)): found_cards(readable(p.read_bytes()), PLANTED) for p in files}
    return files, {name: cards for name, cards in leaks.items() if cards}


def _failing_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Firehose invocation of a transform fails (a Lambda timeout or throttle, after Firehose's retries)."""

    def invoke(invokers: dict[str, Any], arn: str, event: dict[str, Any]) -> Any:
        raise TimeoutError(f"{arn}: Task timed out")

    monkeypatch.setattr(runner, "_invoke_by_arn", invoke)


def test_dump_holds_every_stored_object_and_document_and_no_card_number(tmp_path: Path) -> None:
    simulate(load_scenario(SCENARIO), stack="ecommerce", dump_dir=tmp_path)
    files, leaks = _scan(tmp_path)
    stored = [p for p in files if p.relative_to(tmp_path).parts[0] == "s3"]
    documents = [p for p in files if p.relative_to(tmp_path).parts[0] == "analytics"]
    assert stored and documents  # the scan below has something to judge
    assert all(isinstance(json.loads(p.read_text()), dict) for p in documents)
    assert leaks == {}


def test_with_every_transform_invocation_failing_nothing_raw_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failing_transform(monkeypatch)
    scenario = load_scenario(SCENARIO)
    with_transforms = dataclasses.replace(
        scenario,
        name="failing-transforms",
        config={"eventfork:analytics": {"transform": True}},
        faults=[],
    )
    simulate(with_transforms, stack="ecommerce", dump_dir=tmp_path)
    files, leaks = _scan(tmp_path)
    names = [str(p.relative_to(tmp_path)) for p in files]
    # Both failure paths were taken: the backup's error prefix and the failed-documents bucket.
    assert any("-backup-" in n and "/errors/" in n for n in names)
    assert any("processing-failed/" in n for n in names)
    assert leaks == {}


def test_the_detector_finds_the_cards_when_redaction_is_explicitly_off(tmp_path: Path) -> None:
    """The scan is not vacuous: with both pipelines' redaction off the same scenario leaks."""
    scenario = load_scenario(SCENARIO)
    leaky = dataclasses.replace(
        scenario,
        name="leaky",
        config={
            "eventfork:backup": {"redaction": False},
            "eventfork:analytics": {"redaction": False, "transform": False},
        },
        faults=[],
    )
    simulate(leaky, stack="ecommerce", dump_dir=tmp_path)
    _, leaks = _scan(tmp_path)
    # The Discover number is only in a body the buffer dead-letters (NaN is not JSON): not stored.
    assert set(PLANTED[:3]) <= {card for cards in leaks.values() for card in cards}
    assert any(name.startswith("analytics/") for name in leaks) and any(name.startswith("s3/") for name in leaks)
