"""The YAML and TypeScript consumer examples, checked against the schema the plugin serves.

Those runtimes are not run here; instead every component type, property (and nested setting), value
type, required input and output reference the examples use must be in the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from tests.package.test_component_provider import ROOT

EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class Reference:
    """``${fanout.topicArn}`` (YAML) or ``fanout.topicArn`` (TypeScript): another resource's output."""

    resource: str
    output: str


def check_value(schema: dict[str, Any], prop: dict[str, Any], value: Any, where: str) -> list[str]:
    """Problems of one property value against its schema property."""
    if isinstance(value, Reference):
        return []  # resolved against the referenced component's outputs by check_references
    if "$ref" in prop and prop["$ref"].startswith("#/types/"):
        typ = schema["types"][prop["$ref"].removeprefix("#/types/")]
        if not isinstance(value, dict):
            return [f"{where}: expected an object of {prop['$ref']}"]
        return check_object(schema, typ["properties"], typ.get("required", []), value, where)
    if prop.get("$ref") == "pulumi.json#/Any":
        return []
    kind = str(prop.get("type"))
    expected: dict[str, Any] = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    expected.update(object=dict, array=list)
    if isinstance(value, bool) and kind != "boolean" or not isinstance(value, expected[kind]):
        return [f"{where}: {value!r} is not {kind}"]
    if kind == "object" and "additionalProperties" in prop:
        each = prop["additionalProperties"]
        return [p for k, v in value.items() for p in check_value(schema, each, v, f"{where}.{k}")]
    if kind == "array":
        return [p for i, v in enumerate(value) for p in check_value(schema, prop["items"], v, f"{where}[{i}]")]
    return []


def check_object(
    schema: dict[str, Any], properties: dict[str, Any], required: list[str], values: dict[str, Any], where: str
) -> list[str]:
    problems = [f"{where}: required {name} missing" for name in required if name not in values]
    for name, value in values.items():
        if name not in properties:
            problems.append(f"{where}.{name}: not in the schema")
        else:
            problems += check_value(schema, properties[name], value, f"{where}.{name}")
    return problems


def references(value: Any) -> list[Reference]:
    if isinstance(value, Reference):
        return [value]
    if isinstance(value, dict):
        return [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


def check_program(schema: dict[str, Any], resources: dict[str, tuple[str, dict[str, Any]]], used: list[Any]) -> None:
    """Every resource's type and properties, and every output referenced (in properties or exports)."""
    problems: list[str] = []
    for name, (token, properties) in resources.items():
        resource = schema["resources"].get(token)
        if resource is None:
            problems.append(f"{name}: {token} is not a resource of the package")
            continue
        problems += check_object(schema, resource["inputProperties"], resource["requiredInputs"], properties, name)
    for ref in references([props for _, props in resources.values()] + used):
        token = resources[ref.resource][0]
        if ref.output not in schema["resources"][token]["properties"]:
            problems.append(f"{ref.resource}.{ref.output}: not an output of {token}")
    assert not problems, "\n".join(problems)


# YAML ----------------------------------------------------------------------------------------------

YAML_REFERENCE = re.compile(r"\$\{(\w+)\.(\w+)\}")


def yaml_values(value: Any) -> Any:
    if isinstance(value, str) and (match := YAML_REFERENCE.fullmatch(value)):
        return Reference(match.group(1), match.group(2))
    if isinstance(value, dict):
        return {k: yaml_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [yaml_values(v) for v in value]
    return value


def yaml_program() -> tuple[dict[str, tuple[str, dict[str, Any]]], list[Any]]:
    project = yaml.safe_load((EXAMPLES / "package-yaml" / "Pulumi.yaml").read_text())
    resources = {
        name: (spec["type"], yaml_values(spec.get("properties", {}))) for name, spec in project["resources"].items()
    }
    return resources, [yaml_values(v) for v in project.get("outputs", {}).values()]


# TypeScript (the subset the example uses: object literals, string/number/boolean literals, references)

TS_COMPONENT = re.compile(r"const (\w+) = new eventfork\.(\w+)\(\"[\w-]+\", \{")
SPACE, COMMA = re.compile(r"\s*"), re.compile(r"\s*,?")


def ts_literal(source: str, start: int) -> tuple[Any, int]:
    """The value starting at ``source[start]`` and the index after it."""
    source_from = source[start:]
    if source_from.startswith("{"):
        values: dict[str, Any] = {}
        i = start + 1
        while True:
            match = re.compile(r"\s*(?:(\})|(\w+|\"[^\"]+\"):\s*)").match(source, i)
            assert match, f"cannot read the object at {source[i : i + 40]!r}"
            if match.group(1):
                return values, match.end()
            values[match.group(2).strip('"')], i = ts_literal(source, match.end())
            i = COMMA.match(source, i).end()  # type: ignore[union-attr]
    if source_from.startswith("["):
        items: list[Any] = []
        i = start + 1
        while True:
            i = SPACE.match(source, i).end()  # type: ignore[union-attr]
            if source[i] == "]":
                return items, i + 1
            item, i = ts_literal(source, i)
            items.append(item)
            i = COMMA.match(source, i).end()  # type: ignore[union-attr]
    token = re.compile(r"\"[^\"]*\"|-?\d+(?:\.\d+)?|true|false|(\w+)\.(\w+)|\w+").match(source, start)
    assert token, f"cannot read the value at {source_from[:40]!r}"
    text = token.group(0)
    if text.startswith('"'):
        return text[1:-1], token.end()
    if text in ("true", "false"):
        return text == "true", token.end()
    if re.fullmatch(r"-?\d+", text):
        return int(text), token.end()
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text), token.end()
    if token.group(2):
        return Reference(token.group(1), token.group(2)), token.end()
    constants = dict(re.findall(r"const (\w+) = (\"[^\"]*\");", source))
    assert text in constants, f"{text} is not a string constant of the example"
    return constants[text][1:-1], token.end()


def ts_program() -> tuple[dict[str, tuple[str, dict[str, Any]]], list[Any]]:
    source = (EXAMPLES / "package-typescript" / "index.ts").read_text()
    resources: dict[str, tuple[str, dict[str, Any]]] = {}
    for match in TS_COMPONENT.finditer(source):
        properties, _ = ts_literal(source, match.end() - 1)
        resources[match.group(1)] = (f"eventfork:index:{match.group(2)}", properties)
    exports = [Reference(r, o) for r, o in re.findall(r"export const \w+ = (\w+)\.(\w+);", source) if r in resources]
    return resources, exports


@pytest.mark.parametrize("read", [yaml_program, ts_program], ids=["yaml", "typescript"])
def test_example_uses_only_what_the_schema_has(schema: dict[str, Any], read: Any) -> None:
    resources, used = read()
    assert len(resources) >= 3 and used
    check_program(schema, resources, used)


def test_the_checker_finds_what_the_schema_lacks(schema: dict[str, Any]) -> None:
    """A misspelt property, a missing required input, a wrong type, an unknown setting, a wrong output."""
    resources, used = ts_program()
    fanout_token, fanout = resources["fanout"]
    broken = {
        **resources,
        "fanout": (fanout_token, {**fanout, "namePrefx": "x"}),
        "buffer": (resources["buffer"][0], {**resources["buffer"][1], "intervalSeconds": "60"}),
        "analytics": (resources["analytics"][0], {"config": {"instanceCnt": 2}}),
    }
    with pytest.raises(AssertionError) as failed:
        check_program(schema, broken, [*used, Reference("fanout", "queueUrl")])
    message = str(failed.value)
    for expected in (
        "fanout.namePrefx: not in the schema",
        "buffer.intervalSeconds: '60' is not integer",
        "analytics: required namePrefix missing",
        "analytics.config.instanceCnt: not in the schema",
        "fanout.queueUrl: not an output",
    ):
        assert expected in message
