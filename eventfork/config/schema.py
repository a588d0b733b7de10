"""A small declarative validator for per-stack config sections.

Each section is a dataclass whose fields carry a ``Rule`` in their metadata. Parsing checks
types strictly (a string "60" is not an integer), ranges and choices, rejects unknown keys, and
collects every problem so one ``pulumi up`` shows them all, each naming the full key, the value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """Stack config is invalid; raised before any resource is declared."""

    def __init__(self, problems: list[str], what: str = "eventfork stack config") -> None:
        self.problems = problems
        super().__init__(f"invalid {what}:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Rule:
    """What a config value may be. ``kind`` is one of int, number, bool, str, list, dict."""

    kind: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    pattern: str | None = None
    nullable: bool = False
    doc: str = ""

    def describe(self) -> str:
        if self.choices is not None:
            allowed = "one of " + ", ".join(json.dumps(c) for c in self.choices)
        elif self.kind in ("int", "number") and (self.minimum is not None or self.maximum is not None):
            noun = "an integer" if self.kind == "int" else "a number"
            allowed = f"{noun} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        elif self.pattern is not None:
            allowed = f"a string matching {self.pattern}"
        else:
            allowed = {
                "int": "an integer",
                "number": "a number",
                "bool": "true or false",
                "str": "a string",
                "list": "a list",
                "dict": "an object",
            }[self.kind]
        return allowed + (" or null" if self.nullable else "")


def _fmt(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if float(value).is_integer() else str(value)


def setting(default: Any, rule: Rule) -> Any:
    """A dataclass field with a default and its validation rule."""
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: json.loads(json.dumps(default)), metadata={"rule": rule})
    return field(default=default, metadata={"rule": rule})


def _type_ok(rule: Rule, value: Any) -> bool:
    if value is None:
        return rule.nullable
    if rule.kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if rule.kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if rule.kind == "bool":
        return isinstance(value, bool)
    if rule.kind == "str":
        return isinstance(value, str)
    if rule.kind == "list":
        return isinstance(value, list)
    if rule.kind == "dict":
        return isinstance(value, dict)
    raise AssertionError(f"unknown rule kind {rule.kind}")


def check_value(key: str, rule: Rule, value: Any) -> str | None:
    """Return a problem message for ``value`` or None when it is allowed."""
    shown = json.dumps(value)
    if not _type_ok(rule, value):
        return f"{key}: got {shown} ({type(value).__name__}); allowed: {rule.describe()}"
    if value is None:
        return None
    if rule.choices is not None and value not in rule.choices:
        return f"{key}: got {shown}; allowed: {rule.describe()}"
    if rule.minimum is not None and value < rule.minimum or rule.maximum is not None and value > rule.maximum:
        return f"{key}: got {shown}; allowed: {rule.describe()}"
    if rule.pattern is not None and not re.fullmatch(rule.pattern, value):
        return f"{key}: got {shown}; allowed: {rule.describe()}"
    return None


def parse_section(key: str, raw: Any, cls: type[T], problems: list[str]) -> T:
    """Build ``cls`` from ``raw`` (an object or None), appending every problem found."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(f"{key}: got {json.dumps(raw)}; allowed: an object with keys {', '.join(sorted(fields))}")
        return cls()
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in fields:
            problems.append(f"{key}.{name}: unknown key; allowed keys: {', '.join(sorted(fields))}")
            continue
        rule: Rule = fields[name].metadata["rule"]
        problem = check_value(f"{key}.{name}", rule, value)
        if problem:
            problems.append(problem)
        else:
            values[name] = value
    return cls(**values)


def check_section(key: str, raw: Any, cls: type[T], problems: list[str]) -> T:
    """``parse_section``, then the section's own combination rules (``cls.cross_check``), if it has any."""
    section = parse_section(key, raw, cls, problems)
    cross_check = getattr(cls, "cross_check", None)
    if cross_check is not None:
        problems.extend(cross_check(section, key))
    return section


def describe_section(cls: type) -> list[tuple[str, Any, str, str]]:
    """(key, default, allowed, doc) for each setting, for documentation."""
    rows = []
    for f in dataclasses.fields(cls):
        rule: Rule = f.metadata["rule"]
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
        rows.append((f.name, default, rule.describe(), rule.doc))
    return rows
