"""Cached plans of this project and strict accessors for captured inputs."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from local.capture import Capture, CapturedResource, capture

ROOT = Path(__file__).resolve().parents[2]
_MISSING = object()


@lru_cache(maxsize=32)
def _plan(stack: str, overrides: str, preview: bool) -> Capture:
    return capture(ROOT, stack, config_overrides=json.loads(overrides), preview=preview)


def plan(stack: str = "dev", overrides: dict[str, Any] | None = None, preview: bool = False) -> Capture:
    return _plan(stack, json.dumps(overrides or {}, sort_keys=True), preview)


def value(resource: CapturedResource, path: str) -> Any:
    """The input at a dotted path; fails (never passes vacuously) if it is missing or unknown."""
    current: Any = resource.inputs
    for part in path.split("."):
        if isinstance(current, list):
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current.get(part, _MISSING)
        else:
            current = _MISSING
        if current is _MISSING:
            raise AssertionError(f"{resource.name}: input {path} is not set")
    if current == UNKNOWN:
        raise AssertionError(f"{resource.name}: input {path} is unknown at plan time")
    return current


def one(capture_: Capture, type_token: str, name: str) -> CapturedResource:
    found = [r for r in capture_.resources if r.type == type_token and r.name == name]
    assert len(found) == 1, f"expected one {type_token} named {name}, found {len(found)}"
    return found[0]


def children(capture_: Capture, component_type: str) -> list[CapturedResource]:
    """Every resource whose parent chain reaches a component of ``component_type``."""
    by_urn = capture_.by_urn()
    out = []
    for resource in capture_.resources:
        parent = by_urn.get(resource.parent)
        while parent is not None and parent.type != component_type:
            parent = by_urn.get(parent.parent)
        if parent is not None:
            out.append(resource)
    return out


def policy(resource: CapturedResource, key: str = "policy") -> dict[str, Any]:
    return json.loads(value(resource, key))
