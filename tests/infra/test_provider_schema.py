"""Every input the plan sends is one pulumi-aws 7 (the pinned version) knows, nested types included.

A renamed or removed argument (v7 renamed BucketV2 to Bucket, dropped inline bucket lifecycle rules,
moved get_region's ``name`` to ``region``...) would be rejected by the provider at preview; the
captured plan shows every input, so it is checked here against the SDK's own input types.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from importlib.metadata import version
from typing import Any

import pytest

from tests.infra.plans import ROOT, plan

EVERYTHING_ON = {
    "eventfork:backup": {"enabled": True, "redaction": True, "transitionDays": 30, "expirationDays": 400},
    "eventfork:analytics": {
        "enabled": True,
        "transform": True,
        "instanceCount": 3,
        "dedicatedMasterEnabled": True,
        "readerArns": ["arn:aws:iam::123456789012:role/reader"],
        "filterPolicy": {"kind": ["order"]},
    },
    "eventfork:replay": {"enabled": True, "active": True},
    "eventfork:alarms": {"enabled": True, "email": "oncall@example.org", "httpsEndpoint": "https://example.org/x"},
}


def test_the_sdk_checked_is_the_pinned_one() -> None:
    pinned = re.search(r"^pulumi-aws==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert pinned and version("pulumi-aws") == pinned.group(1) and pinned.group(1).startswith("7.")


@cache
def args_class(type_token: str) -> type:
    """``aws:sqs/queue:Queue`` -> ``pulumi_aws.sqs.QueueArgs``."""
    if type_token == "pulumi:providers:aws":
        return importlib.import_module("pulumi_aws").ProviderArgs  # type: ignore[no-any-return]
    package, rest = type_token.split(":", 1)
    module, name = rest.split(":")
    module = module.split("/")[0]
    python_module = {"lambda": "lambda_", "index": ""}.get(module, module)
    sdk = importlib.import_module(f"pulumi_{package}" + (f".{python_module}" if python_module else ""))
    resource_module = importlib.import_module(getattr(sdk, name).__module__)
    # Where an input type already has the name <Name>Args, the resource's own is <Name>InitArgs.
    return getattr(resource_module, f"{name}InitArgs", None) or getattr(resource_module, f"{name}Args")  # type: ignore[no-any-return]


def properties(cls: type) -> dict[str, type | None]:
    """Wire name -> nested input type (or None) of an input type."""
    module = importlib.import_module(cls.__module__)
    inputs = importlib.import_module(module.__name__.rsplit(".", 1)[0] + "._inputs")
    found: dict[str, type | None] = {}
    for attribute in vars(cls).values():
        if isinstance(attribute, property) and hasattr(attribute.fget, "_pulumi_name"):
            annotation = str(getattr(attribute.fget, "__annotations__", {}).get("return", ""))
            nested = re.search(r"'(\w+Args)'", annotation)
            found[attribute.fget._pulumi_name] = getattr(inputs, nested.group(1), None) if nested else None  # type: ignore[union-attr]
    return found


def unknown_inputs(cls: type, inputs: dict[str, Any], path: str) -> list[str]:
    known = properties(cls)
    problems = []
    for key, value in inputs.items():
        if key not in known:
            problems.append(f"{path}.{key}")
            continue
        nested = known[key]
        if nested is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                problems += unknown_inputs(nested, item, f"{path}.{key}")
    return problems


@pytest.mark.parametrize(
    ("stack", "overrides"), [("dev", None), ("prod", None), ("ecommerce", None), ("dev", EVERYTHING_ON)]
)
def test_every_input_is_an_input_of_the_resource_type(stack: str, overrides: dict[str, Any] | None) -> None:
    resources = [
        r for r in plan(stack, overrides).resources if r.custom and r.type.startswith(("aws:", "pulumi:providers"))
    ]
    checked = set()
    problems = []
    for r in resources:
        problems += unknown_inputs(args_class(r.type), r.inputs, f"{r.type} {r.name}")
        checked.add(r.type)
    assert not problems
    assert len(checked) >= 25  # every kind of resource the program declares


def test_the_check_reports_unknown_arguments_at_any_depth() -> None:
    from pulumi_aws.lambda_ import FunctionArgs
    from pulumi_aws.s3 import BucketLifecycleConfigurationArgs

    assert unknown_inputs(FunctionArgs, {"name": "f", "layer": "x"}, "function") == ["function.layer"]
    rule = {"id": "r", "status": "Enabled", "filter": {"objectSizeGreaterThan": 0, "size": 1}}
    assert unknown_inputs(BucketLifecycleConfigurationArgs, {"rules": [rule]}, "lc") == ["lc.rules.filter.size"]
    logging = {"logFormat": "JSON", "applicationLogLevel": "DEBUG", "logLevel": "DEBUG"}
    assert unknown_inputs(FunctionArgs, {"loggingConfig": logging}, "f") == ["f.loggingConfig.logLevel"]
