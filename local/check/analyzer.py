"""The policy pack's own analyzer, driven in-process the way the Pulumi engine drives it over gRPC.

The pack's ``__main__.py`` is run as the engine's language host runs it, except that the
``PolicyPack`` it builds hands over its analyzer servicer (pulumi-policy's ``_PolicyAnalyzerServicer``)
instead of starting a gRPC server. The engine's side is reproduced from its Go code
(``step_generator.go``, ``analyze_snapshot.go``): for each resource in registration order, Remediate,
apply every returned fix, then Analyze the fixed inputs, every diagnostic attributed to that
resource and ``remediate`` reported as ``mandatory``; at the end AnalyzeStack on every resource's
outputs, a diagnostic whose URN names no resource of the stack attributed to the root stack.
"""

from __future__ import annotations

import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from local.capture import Capture, CapturedResource
from local.capture.wire import UNKNOWN, from_struct, to_struct
from local.check.policy_config import Entry, PolicyInfo

LEVEL_NAMES: dict[Any, str] = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
LEVEL_CODES = {name: code for code, name in LEVEL_NAMES.items()}
_PACKS: dict[Path, tuple[Any, str]] = {}


class _HandoverError(Exception):
    def __init__(self, servicer: Any) -> None:
        self.servicer = servicer


def load_pack(pack_dir: Path) -> tuple[Any, str]:
    """The pack's analyzer servicer and name, loaded once per process from ``pack_dir/__main__.py``."""
    pack_dir = pack_dir.resolve()
    if pack_dir not in _PACKS:
        import pulumi_policy.policy as policy_module

        original = policy_module._PolicyAnalyzerServicer

        def hand_over(*args: Any, **kwargs: Any) -> Any:
            raise _HandoverError(original(*args, **kwargs))

        setattr(policy_module, "_PolicyAnalyzerServicer", hand_over)  # noqa: B010 - a class attribute swap
        sys.path.insert(0, str(pack_dir))
        try:
            runpy.run_path(str(pack_dir / "__main__.py"), run_name="__main__")
        except _HandoverError as handover:
            info = handover.servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
            _PACKS[pack_dir] = (handover.servicer, info.name)
        finally:
            setattr(policy_module, "_PolicyAnalyzerServicer", original)  # noqa: B010
        if pack_dir not in _PACKS:
            raise RuntimeError(f"{pack_dir / '__main__.py'} did not build a PolicyPack")
    return _PACKS[pack_dir]


def policy_infos(servicer: Any) -> tuple[list[PolicyInfo], dict[str, Entry]]:
    """The policies and initial config as ``GetAnalyzerInfo`` reports them to the engine."""
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    policies = []
    for p in info.policies:
        schema = from_struct(p.configSchema.properties) if p.HasField("configSchema") else {}
        policies.append(PolicyInfo(p.name, LEVEL_NAMES[p.enforcementLevel], schema, list(p.configSchema.required)))
    initial = {
        k: Entry(LEVEL_NAMES.get(v.enforcementLevel, ""), from_struct(v.properties) or None)
        for k, v in info.initialConfig.items()
    }
    return sorted(policies, key=lambda p: p.name), initial


def configure(servicer: Any, config: dict[str, Entry]) -> None:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, entry in config.items():
        request.policyConfig[name].CopyFrom(
            analyzer_pb2.PolicyConfig(
                enforcementLevel=LEVEL_CODES[entry.level], properties=to_struct(entry.properties or {})
            )
        )
    servicer.Configure(request, None)


@dataclass
class Outcome:
    violations: list[dict[str, str]] = field(default_factory=list)
    remediations: list[dict[str, str]] = field(default_factory=list)


def _options(r: CapturedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    timeouts = analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
        **{k: r.custom_timeouts.get(k, 0) for k in ("create", "update", "delete")}
    )
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=r.protect,
        ignoreChanges=r.ignore_changes,
        deleteBeforeReplace=bool(r.delete_before_replace),
        deleteBeforeReplaceDefined=r.delete_before_replace is not None,
        additionalSecretOutputs=r.additional_secret_outputs,
        aliases=r.aliases,
        customTimeouts=timeouts,
        parent=r.parent,
    )


def _provider(r: CapturedResource, by_urn: dict[str, CapturedResource]) -> analyzer_pb2.AnalyzerProviderResource | None:
    provider = by_urn.get(r.provider.rsplit("::", 1)[0]) if r.provider else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=to_struct(provider.wire), urn=provider.urn, name=provider.name
    )


def _request(r: CapturedResource, props: dict[str, Any], by_urn: dict[str, CapturedResource]) -> Any:
    return analyzer_pb2.AnalyzeRequest(
        type=r.type,
        properties=to_struct(props),
        urn=r.urn,
        name=r.name,
        options=_options(r),
        provider=_provider(r, by_urn),
    )


def _message(diagnostic: Any) -> str:
    """The rule's own message (pulumi-policy prefixes the policy's description and a newline)."""
    text = diagnostic.message
    prefix = f"{diagnostic.description}\n"
    if text.startswith(prefix):
        return text[len(prefix) :]
    marker = "during preview: "
    if text.startswith("can't run policy") and marker in text:
        return "could not check during preview: " + text.split(marker, 1)[1]
    return text


def _level(code: Any) -> str:
    level = LEVEL_NAMES[code]
    return "mandatory" if level == "remediate" else level


def _state(r: CapturedResource, fixed: dict[str, Any] | None) -> dict[str, Any]:
    """What AnalyzeStack sees: the resource's outputs (inputs plus what the provider computed)."""
    state = dict(r.wire_outputs or r.wire)
    if fixed is not None:
        state.update({k: v for k, v in fixed.items() if r.wire.get(k) != v})
    if r.custom and not r.engine and "id" not in state:
        state["id"] = r.id or UNKNOWN
    return state


def analyze(servicer: Any, plan: Capture) -> Outcome:
    """Remediate and Analyze each resource, then AnalyzeStack, as the engine does during an update."""
    resources = plan.engine_resources()
    by_urn = {r.urn: r for r in resources}
    root = plan.root.urn if plan.root else ""
    outcome = Outcome()
    fixed: dict[str, dict[str, Any]] = {}
    for r in resources:
        props = dict(r.wire)
        for remediation in servicer.Remediate(_request(r, props, by_urn), None).remediations:
            if remediation.diagnostic:
                reason = remediation.diagnostic.split("during preview: ", 1)[-1]
                outcome.violations.append(
                    {
                        "policy": remediation.policyName,
                        "urn": r.urn,
                        "enforcement": "advisory",
                        "message": f"could not remediate during preview: {reason}",
                    }
                )
                continue
            props = from_struct(remediation.properties)
            outcome.remediations.append({"policy": remediation.policyName, "urn": r.urn})
        if props != r.wire:
            fixed[r.urn] = props
        response = servicer.Analyze(_request(r, props, by_urn), None)
        for d in response.diagnostics:
            outcome.violations.append(
                {
                    "policy": d.policyName,
                    "urn": r.urn,
                    "message": _message(d),
                    "enforcement": _level(d.enforcementLevel),
                }
            )
    stack = analyzer_pb2.AnalyzeStackRequest()
    for r in resources:
        deps = {k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items() if v}
        stack.resources.append(
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=to_struct(_state(r, fixed.get(r.urn))),
                urn=r.urn,
                name=r.name,
                options=_options(r),
                provider=_provider(r, by_urn),
                parent=r.parent,
                dependencies=r.dependencies,
                propertyDependencies=deps,
            )
        )
    for d in servicer.AnalyzeStack(stack, None).diagnostics:
        urn = d.urn if d.urn in by_urn else root
        outcome.violations.append(
            {"policy": d.policyName, "urn": urn, "message": _message(d), "enforcement": _level(d.enforcementLevel)}
        )
    return outcome


__all__ = ["Outcome", "analyze", "configure", "load_pack", "policy_infos", "struct_pb2"]
