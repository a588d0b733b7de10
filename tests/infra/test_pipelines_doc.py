"""docs/pipelines.md's key tables against the config schema's own keys and defaults.

The page explains each pipeline's keys where it explains the pipeline, so it restates their defaults;
this keeps every restated key a real one and every restated default the class's own (the full
reference, types and allowed values included, is docs/configuration.md, checked the same way).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from eventfork.config.pipelines import PIPELINE_SECTIONS
from stack_config import CORE_SECTIONS
from tests.infra.test_configuration_doc import cells

DOC = Path(__file__).resolve().parents[2] / "docs" / "pipelines.md"
SECTIONS: dict[str, type] = {**CORE_SECTIONS, **PIPELINE_SECTIONS}


def restated(text: str) -> list[tuple[str, str, str]]:
    """(section, key, default cell) for every key row; a heading naming one section sets it, and a
    row may name its section (``fanout.existingTopicArn``) or several keys (``a`` / ``b``, or
    ``a`` + ``b`` set together); a default cell may explain itself after a colon (``null: create one``)."""
    rows: list[tuple[str, str, str]] = []
    section, in_key_table = None, False
    for line in text.splitlines():
        if line.startswith("#"):
            named = re.findall(r"`eventfork:(\w+)`", line)
            section = named[0] if len(named) == 1 else None
        elif line.startswith("|"):
            in_key_table = in_key_table or cells(line)[:2] == ["key", "default"]
        else:
            in_key_table = False
        if in_key_table and line.startswith("| `"):
            key_cell, default_cell = cells(line)[:2]
            keys = [k.strip().strip("`") for k in re.split(r" / | \+ ", key_cell)]
            defaults = [d.strip() for d in default_cell.split(":", 1)[0].split(" / ")]
            if len(defaults) == 1:  # one default for keys set together
                defaults = defaults * len(keys)
            for key, default in zip(keys, defaults, strict=True):
                where, _, name = key.rpartition(".")
                rows.append((where or section or "?", name, default))
    return rows


def matches(cell: str, default: Any) -> bool:
    cell = cell.strip("`")
    if isinstance(default, str):
        return cell == default
    return cell == json.dumps(default)


def problems(text: str) -> list[str]:
    found = []
    for section, key, cell in restated(text):
        cls = SECTIONS.get(section)
        fields = {f.name: f for f in dataclasses.fields(cls)} if cls else {}
        if key not in fields:
            found.append(f"{section}.{key}: not a key the schema accepts")
            continue
        field = fields[key]
        default = field.default_factory() if field.default_factory is not dataclasses.MISSING else field.default
        if not matches(cell, default):
            found.append(f"{section}.{key}: restated default {cell!r}, schema {json.dumps(default)}")
    return found


def test_every_restated_key_and_default_is_the_schemas() -> None:
    assert len(restated(DOC.read_text())) >= 60  # the tables were read
    assert problems(DOC.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("| `bufferingSizeMb` | 5 |", "| `bufferingSizeMb` | 6 |", "backup.bufferingSizeMb: restated default"),
        ("| `compression` | GZIP |", "| `compressionType` | GZIP |", "backup.compressionType: not a key"),
    ],
)
def test_the_check_fails_on_a_wrong_default_or_key(old: str, new: str, problem: str) -> None:
    text = DOC.read_text()
    assert old in text
    assert any(p.startswith(problem) for p in problems(text.replace(old, new, 1)))
