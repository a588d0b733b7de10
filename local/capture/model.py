"""What a captured program declared: resources as the engine would receive them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class CapturedResource:
    """One resource registration as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    custom: bool
    provider: str = ""
    protect: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)

    def as_plan_entry(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "inputs": self.inputs,
        }


@dataclass
class Capture:
    """The result of running a program: its resources, stack outputs and config."""

    project: str
    stack: str
    resources: list[CapturedResource]
    outputs: dict[str, Any]
    config: dict[str, Any]
    project_dir: Path

    def by_type(self, type_token: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, CapturedResource]:
        return {r.urn: r for r in self.resources}

    def children_of(self, urn: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.parent == urn]


class CaptureError(Exception):
    """The project could not be loaded or its program failed."""
