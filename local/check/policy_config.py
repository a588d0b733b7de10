"""Policy pack config parsed, merged and validated as the Pulumi engine does for ``--policy-pack-config``.

Mirrors ``pkg/resource/analyzer/config.go`` (``parsePolicyPackConfig``, ``ReconcilePolicyPackConfig``)
and the analyzer plugin's ``Configure``: a string value must be an enforcement level; an object may
carry ``enforcementLevel`` and properties; defaults come from each policy's level and schema, then the
pack's initial config, then the file; ``all`` sets every policy's level (its properties go nowhere);
every policy's properties are validated against its JSON schema (with ``enforcementLevel`` injected);
and an entry left without a valid level (``{"all": {"x": 1}}``, a properties-only entry for a name
that is no policy) stops the engine. Any problem is a ``PolicyConfigError``: the check cannot run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

LEVELS = ("advisory", "mandatory", "remediate", "disabled")


class PolicyConfigError(ValueError):
    """The engine would refuse this policy config before running anything."""


@dataclass
class PolicyInfo:
    """What ``GetAnalyzerInfo`` says about one policy."""

    name: str
    enforcement_level: str
    schema_properties: dict[str, Any] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)


@dataclass
class Entry:
    level: str
    properties: dict[str, Any] | None


def parse(doc: Any, source: str) -> dict[str, Entry]:
    """``parsePolicyPackConfig``: the file's entries, empty ones dropped."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PolicyConfigError(f"{source}: policy config must be a JSON object")
    if "environments" in doc:
        raise PolicyConfigError(f'{source}: "environments" (ESC) cannot be resolved offline')
    result: dict[str, Entry] = {}
    for key, value in doc.items():
        level, properties = "", None
        if isinstance(value, str):
            if value not in LEVELS:
                raise PolicyConfigError(
                    f'parsing enforcement level for "{key}": "{value}" is not a valid '
                    f"enforcement level (one of {', '.join(LEVELS)})"
                )
            level = value
        elif isinstance(value, dict):
            value = dict(value)
            if "enforcementLevel" in value:
                given = value.pop("enforcementLevel")
                if not isinstance(given, str):
                    raise PolicyConfigError(
                        f'parsing enforcement level for "{key}": {given!r} is not a valid '
                        "enforcement level; must be a string"
                    )
                if given not in LEVELS:
                    raise PolicyConfigError(
                        f'parsing enforcement level for "{key}": "{given}" is not a valid '
                        f"enforcement level (one of {', '.join(LEVELS)})"
                    )
                level = given
            properties = value or None
        else:
            raise PolicyConfigError(f'parsing "{key}": {value!r} is not a valid value; must be a string or object')
        if level or properties:
            result[key] = Entry(level, properties)
    return result


def load(path: Path | None) -> dict[str, Entry]:
    if path is None or not path.is_file():
        return {}
    text = path.read_text()
    if not text.strip():
        return {}
    try:
        doc = json.loads(text)
    except ValueError as error:
        raise PolicyConfigError(f"{path}: not valid JSON ({error})") from None
    return parse(doc, str(path))


def _apply(result: dict[str, Entry], given: dict[str, Entry]) -> dict[str, Entry]:
    everything = given.get("all")
    if everything is not None and everything.level in LEVELS:
        result = {name: Entry(everything.level, entry.properties) for name, entry in result.items()}
    for name, entry in given.items():
        current = result.get(name, Entry("", None))
        level = entry.level if entry.level in LEVELS else current.level
        properties = current.properties
        if entry.properties:
            properties = {**(properties or {}), **entry.properties}
        result[name] = Entry(level, properties)
    return result


def _schema(policy: PolicyInfo) -> dict[str, Any]:
    properties = {**policy.schema_properties, "enforcementLevel": {"type": "string", "enum": list(LEVELS)}}
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if policy.required:
        schema["required"] = list(policy.required)
    return schema


def _where(error: Any) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return f"{path}: " if path else ""


def reconcile(
    policies: list[PolicyInfo], initial: dict[str, Entry], given: dict[str, Entry], pack: str
) -> dict[str, Entry]:
    """``ReconcilePolicyPackConfig`` then ``Configure``'s check: the config each policy runs with."""
    result: dict[str, Entry] = {}
    for policy in policies:
        schema = policy.schema_properties
        defaults = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = Entry(policy.enforcement_level, defaults or None)
    result = _apply(result, initial)
    result = _apply(result, given)
    problems = []
    for policy in policies:
        document = (result.get(policy.name) or Entry("", None)).properties or {}
        for error in sorted(Draft7Validator(_schema(policy)).iter_errors(document), key=lambda e: list(e.path)):
            problems.append(f"{policy.name}: {_where(error)}{error.message}")
    if problems:
        raise PolicyConfigError(f"validating policy config for {pack!r}: {'; '.join(sorted(problems))}")
    for name, entry in sorted(result.items()):
        if entry.level not in LEVELS:
            raise PolicyConfigError(
                f'configuring policy pack {pack!r}: invalid enforcement level "{entry.level}" '
                f"for {name!r} (an entry with properties only must name a policy of the pack; "
                '"all" takes an enforcement level, not properties)'
            )
    return result
