"""``python -m local check``: evaluate the CrossGuard pack on a captured plan, as the engine would.

Every resource becomes a ``ResourceValidationArgs`` (type token, camelCase props wrapped in
pulumi-policy's unknown-checking proxy, URN, name, options with the parent, provider) and the whole
plan a ``StackValidationArgs`` (props are the resource's state: inputs plus what AWS assigns, with
parents and dependencies linked). Enforcement levels and per-policy config come from the pack's
defaults and the stack's ``policies/config/<stack>.json`` (the file given to
``pulumi preview --policy-pack-config``). A value unknown at preview makes the policy report that
it could not check (advisory), as the engine does.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.capture import PROJECT_ROOT, Capture, CapturedResource, CaptureError, capture

POLICIES_DIR = PROJECT_ROOT / "policies"


def _pack() -> tuple[str, list[Any]]:
    if str(POLICIES_DIR) not in sys.path:
        sys.path.insert(0, str(POLICIES_DIR))
    from eventfork_policies.pack import PACK_NAME, POLICIES

    return PACK_NAME, POLICIES


@dataclass
class CheckResult:
    resources: int
    violations: list[dict[str, str]] = field(default_factory=list)

    @property
    def mandatory(self) -> list[dict[str, str]]:
        return [v for v in self.violations if v["enforcement"] == "mandatory"]

    def as_json(self) -> dict[str, Any]:
        return {"resources": self.resources, "violations": self.violations}


def load_policy_config(project_dir: Path, stack: str) -> dict[str, Any]:
    path = Path(project_dir) / "policies" / "config" / f"{stack}.json"
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text()))
    except ValueError as error:
        raise CaptureError(f"{path}: not valid JSON ({error})") from None


def _settings(policy: Any, config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Enforcement level and properties of one policy: schema defaults, then the stack's file."""
    entry = config.get(policy.name, config.get("all"))
    properties: dict[str, Any] = {}
    schema = getattr(policy.config_schema, "properties", None) or {}
    for key, spec in schema.items():
        if isinstance(spec, dict) and "default" in spec:
            properties[key] = spec["default"]
    level = policy.enforcement_level.value if policy.enforcement_level is not None else "mandatory"
    if isinstance(entry, str):
        level = entry
    elif isinstance(entry, dict):
        level = entry.get("enforcementLevel", level)
        properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
    return level, properties


def _options(resource: CapturedResource) -> Any:
    from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions

    return PolicyResourceOptions(
        resource.protect,
        list(resource.ignore_changes),
        None,
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        resource.parent or None,
    )


def _provider(resource: CapturedResource, by_urn: dict[str, CapturedResource]) -> Any:
    from pulumi_policy import PolicyProviderResource
    from pulumi_policy.deserialize import deserialize_properties
    from pulumi_policy.proxy import unknown_checking_proxy

    if not resource.provider:
        return None
    provider = by_urn.get(resource.provider.rsplit("::", 1)[0])  # a reference is "<urn>::<id>"
    if provider is None:
        return None
    props = unknown_checking_proxy(deserialize_properties(dict(provider.inputs)))
    return PolicyProviderResource(provider.type, props, provider.urn, provider.name)


def check_capture(plan: Capture, policy_config: dict[str, Any] | None = None) -> CheckResult:
    """Run every policy of the pack on ``plan``."""
    from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs
    from pulumi_policy.deserialize import deserialize_properties
    from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

    _, policies = _pack()
    config = policy_config or {}
    result = CheckResult(resources=len(plan.resources))
    by_urn = plan.by_urn()

    def reporter(policy: str, level: str, default_urn: str) -> Any:
        def report(message: str, urn: str | None = None) -> None:
            result.violations.append(
                {"policy": policy, "urn": urn or default_urn, "message": message, "enforcement": level}
            )

        return report

    def could_not_check(policy: str, urn: str, error: Exception) -> None:
        result.violations.append(
            {
                "policy": policy,
                "urn": urn,
                "enforcement": "advisory",
                "message": f"could not check during preview: {getattr(error, 'message', error)}",
            }
        )

    stack_resources: list[Any] = []
    linked: dict[str, Any] = {}
    for r in plan.resources:
        state = unknown_checking_proxy(deserialize_properties({**r.outputs, **r.inputs} if r.outputs else r.inputs))
        resource = PolicyResource(r.type, state, r.urn, r.name, _options(r), _provider(r, by_urn), None, [], {})
        stack_resources.append(resource)
        linked[r.urn] = resource
    for r, resource in zip(plan.resources, stack_resources, strict=True):
        resource.parent = linked.get(r.parent)
        resource.dependencies = [linked[d] for d in r.dependencies if d in linked]

    for policy in policies:
        level, properties = _settings(policy, config)
        if level == "disabled":
            continue
        level = "mandatory" if level == "remediate" else level
        if type(policy).__name__ == "StackValidationPolicy":
            try:
                policy.validate(StackValidationArgs(stack_resources, properties), reporter(policy.name, level, ""))
            except UnknownValueError as error:
                could_not_check(policy.name, "", error)
            continue
        for r in plan.resources:
            props = unknown_checking_proxy(deserialize_properties(dict(r.inputs)))
            args = ResourceValidationArgs(r.type, props, r.urn, r.name, _options(r), _provider(r, by_urn), properties)
            try:
                policy.validate(args, reporter(policy.name, level, r.urn))
            except UnknownValueError as error:
                could_not_check(policy.name, r.urn, error)
    return result


def check_project(project_dir: Path | str = PROJECT_ROOT, stack: str = "dev", preview: bool = False) -> CheckResult:
    project_dir = Path(project_dir)
    plan = capture(project_dir, stack, preview=preview)
    return check_capture(plan, load_policy_config(project_dir, stack))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="Pulumi Python project directory")
    parser.add_argument("--stack", default="dev", help="stack name (config and policies/config/<stack>.json)")
    parser.add_argument("--preview", action="store_true", help="leave provider-computed values unknown")
    parser.add_argument("--json", action="store_true", help='print {"resources": N, "violations": [...]}')


def run(args: argparse.Namespace) -> int:
    try:
        result = check_project(Path(args.project), args.stack, args.preview)
    except CaptureError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        name, policies = _pack()
        print(f"{name}: {len(policies)} policies on {result.resources} resources of {args.stack}")
        for v in result.violations:
            print(f"  [{v['enforcement']}] {v['policy']}: {v['message']}\n      {v['urn']}")
        mandatory = len(result.mandatory)
        print(f"{mandatory} mandatory, {len(result.violations) - mandatory} advisory violation(s)")
    return 1 if result.mandatory else 0
