"""Every stack output is in the README's outputs table, with a type that matches its value."""

from __future__ import annotations

import re

import pytest

from tests.infra.plans import ROOT, plan


def documented() -> dict[str, str]:
    """Output name -> documented type, from the README table headed ``| output | type | meaning |``."""
    text = (ROOT / "README.md").read_text()
    table = text[text.index("| output | type | meaning |") :].split("\n\n", 1)[0]
    rows: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        names, kind, meaning = (cell.strip() for cell in line.strip("|").split("|"))
        assert meaning, line
        for name in re.findall(r"`([A-Za-z]+)`", names):
            rows[name] = kind
    return rows


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce", "orders"])
def test_every_output_is_documented_with_its_type(stack: str) -> None:
    rows = documented()
    for name, output in plan(stack).outputs.items():
        assert name in rows, f"{name} is not in the README outputs table"
        assert rows[name] == _kind(output), name


def _kind(output: object) -> str:
    if isinstance(output, bool):
        return "bool"
    if isinstance(output, int | float):
        return "number"
    if isinstance(output, list):
        assert all(isinstance(item, str) for item in output), output
        return "list of string"
    assert isinstance(output, str), output
    return "string"


def test_no_documented_output_is_missing_from_every_stack() -> None:
    exported = set().union(*(plan(s).outputs for s in ("dev", "prod", "ecommerce", "orders")))
    assert set(documented()) == exported
