"""docs/configuration.md against the config schema's own rules and defaults.

Every key the schema accepts (each section's dataclass, and the top-level keys) is documented with
its actual default and allowed values; no documented key is unknown. The page is parsed here as a
reader reads it (one table per ``## `eventfork:<section>` `` heading); the expectations come from
the classes, never from the page.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from eventfork.config.pipelines import PIPELINE_SECTIONS
from eventfork.config.schema import Rule, describe_section
from stack_config import CORE_SECTIONS, SCALAR_KEYS

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
TOP_LEVEL = "Top-level keys"
Row = tuple[str, str, str]  # type, default, allowed


def cells(line: str) -> list[str]:
    """A table row's cells; ``\\|`` is a pipe inside a cell."""
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def documented(text: str) -> dict[str, dict[str, Row]]:
    """Section -> key -> (type, default, allowed), from the page's tables."""
    found: dict[str, dict[str, Row]] = {}
    section = None
    for line in text.splitlines():
        heading = re.fullmatch(r"## `eventfork:(\w+)`|## (Top-level keys)", line)
        if heading:
            section = heading.group(1) or heading.group(2)
            found[section] = {}
        elif line.startswith("## "):
            section = None
        elif section and line.startswith("| `"):
            key, kind, default, allowed, _meaning = cells(line)
            assert key.strip("`") not in found[section], f"{section}.{key} documented twice"
            found[section][key.strip("`")] = (kind, default, allowed)
    return found


def expected_row(rule: Rule, default: object) -> Row:
    return rule.kind + (" or null" if rule.nullable else ""), f"`{json.dumps(default)}`", rule.describe()


def expected() -> dict[str, dict[str, Row]]:
    sections: dict[str, dict[str, Row]] = {
        TOP_LEVEL: {key: expected_row(rule, None) for key, rule in SCALAR_KEYS.items()}
    }
    for name, cls in {**CORE_SECTIONS, **PIPELINE_SECTIONS}.items():
        rules = {f.name: f.metadata["rule"] for f in dataclasses.fields(cls)}
        sections[name] = {key: expected_row(rules[key], default) for key, default, _, _ in describe_section(cls)}
    return sections


def problems(text: str) -> list[str]:
    """Differences between the page and the schema, each naming the key."""
    page, schema = documented(text), expected()
    found = [f"section {s}: not documented" for s in schema if s not in page]
    found += [f"section {s}: not a config section" for s in page if s not in schema]
    for section in set(page) & set(schema):
        for key in schema[section].keys() - page[section].keys():
            found.append(f"{section}.{key}: not documented")
        for key in page[section].keys() - schema[section].keys():
            found.append(f"{section}.{key}: documented but not a key the schema accepts")
        for key in schema[section].keys() & page[section].keys():
            if page[section][key] != schema[section][key]:
                found.append(f"{section}.{key}: documented {page[section][key]}, schema {schema[section][key]}")
    return found


def test_every_key_is_documented_with_its_type_default_and_allowed_values() -> None:
    assert problems(DOC.read_text()) == []
    assert sum(len(keys) for keys in documented(DOC.read_text()).values()) >= 100  # the tables were read


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "| `intervalSeconds` | int | `60` |",
            "| `intervalSeconds` | int | `30` |",
            "buffer.intervalSeconds: documented",
        ),
        (
            "an integer from 1 to 10 | records per invocation |",
            "an integer from 1 to 20 | records |",
            "buffer.batchSize",
        ),
        ("| `memorySize` |", "| `memorySizeMb` |", "buffer.memorySizeMb: documented but not a key"),
        ("| `groupStateTtlSeconds` |", "| `groupStateTtl` |", "buffer.groupStateTtlSeconds: not documented"),
    ],
)
def test_the_check_fails_on_a_wrong_default_range_or_key(old: str, new: str, problem: str) -> None:
    text = DOC.read_text()
    assert old in text
    assert any(p.startswith(problem) for p in problems(text.replace(old, new, 1)))
