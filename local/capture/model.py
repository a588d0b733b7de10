"""What a captured program declared: resources as the engine would receive them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class CapturedResource:
    """One resource registration as the engine would receive it.

    ``inputs`` is the Python view the repository's code reads (secrets unwrapped, assets as small
    dicts with absolute paths); ``wire`` is the engine's view (``04da6b54-...`` for unknowns, assets,
    archives and secrets as signature-tagged objects), which is what an analyzer is handed.
    """

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
    wire: dict[str, Any] = field(default_factory=dict)
    wire_outputs: dict[str, Any] = field(default_factory=dict)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    custom_timeouts: dict[str, float] = field(default_factory=dict)
    delete_before_replace: bool | None = None
    aliases: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    remote: bool = False
    package_version: str = ""
    engine: bool = False  # registered by the engine (root stack, default provider), not by the program

    @property
    def package(self) -> str:
        if self.type.startswith("pulumi:providers:"):
            return self.type.split(":")[2]
        return self.type.split(":")[0]

    def options(self) -> dict[str, Any]:
        """The resource options the engine hands an analyzer (``AnalyzerResourceOptions``)."""
        out: dict[str, Any] = {
            "protect": self.protect,
            "ignoreChanges": list(self.ignore_changes),
            "customTimeouts": {k: self.custom_timeouts.get(k, 0) for k in ("create", "update", "delete")},
            "additionalSecretOutputs": list(self.additional_secret_outputs),
            "aliases": list(self.aliases),
        }
        if self.delete_before_replace is not None:
            out["deleteBeforeReplace"] = self.delete_before_replace
        return out

    def as_plan_entry(self) -> dict[str, Any]:
        from local.capture.wire import redacted

        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "inputs": redacted(self.wire),
            "custom": self.custom,
            "provider": self.provider,
            "dependencies": list(self.dependencies),
            "propertyDependencies": {k: list(v) for k, v in self.property_dependencies.items()},
            "options": self.options(),
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
    root: CapturedResource | None = None
    providers: list[CapturedResource] = field(default_factory=list)
    unanswered_invokes: list[str] = field(default_factory=list)
    answered_offline: list[str] = field(default_factory=list)
    preview: bool = False
    not_known_arguments: list[str] = field(default_factory=list)  # invokes given values not known yet
    notes: list[str] = field(default_factory=list)  # how the program was run, when not as the engine would

    def by_type(self, type_token: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, CapturedResource]:
        return {r.urn: r for r in self.resources}

    def children_of(self, urn: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.parent == urn]

    def engine_resources(self) -> list[CapturedResource]:
        """Every resource the engine registers: the root stack, default providers, then the program's own."""
        ordered: list[CapturedResource] = [self.root] if self.root else []
        pending = {p.urn: p for p in self.providers}
        for resource in self.resources:
            ref = resource.provider.rsplit("::", 1)[0]
            if ref in pending:
                ordered.append(pending.pop(ref))
            ordered.append(resource)
        return ordered + list(pending.values())

    def remote_components(self) -> list[CapturedResource]:
        return [r for r in self.resources if r.remote]


class CaptureError(Exception):
    """The project could not be loaded or its program failed."""
