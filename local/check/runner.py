"""``python -m local check``: evaluate the CrossGuard pack on a captured plan, as the engine would.

The program is captured (``local.capture``), the pack in ``policies/`` is loaded with pulumi-policy's
own analyzer (``analyzer``), its config is parsed, merged and validated as the engine does
(``policy_config``), and every resource the engine would analyze (the root stack, default
providers, the program's resources) goes through Remediate, Analyze and AnalyzeStack. Exit codes:
0 no mandatory violation, 1 at least one, 2 could not evaluate (one line on stderr; ``--json``
prints ``{"error": ...}``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.account import ACCOUNT_ID
from local.capture import PROJECT_ROOT, Capture, CaptureError, capture
from local.capture.outputs import load_stack_outputs
from local.check.analyzer import analyze, configure, load_pack, policy_infos
from local.check.policy_config import PolicyConfigError, load, reconcile

POLICIES_DIR = PROJECT_ROOT / "policies"


def _pack() -> tuple[str, list[Any]]:
    """The pack's name and its policies (as the pack module builds them)."""
    if str(POLICIES_DIR) not in sys.path:
        sys.path.insert(0, str(POLICIES_DIR))
    from eventfork_policies.pack import PACK_NAME, POLICIES

    return PACK_NAME, POLICIES


@dataclass
class CheckResult:
    resources: int
    violations: list[dict[str, str]] = field(default_factory=list)
    remediations: list[dict[str, str]] = field(default_factory=list)
    not_expanded: list[str] = field(default_factory=list)
    unknown_invokes: list[str] = field(default_factory=list)
    answered_offline: list[str] = field(default_factory=list)
    not_known_arguments: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[dict[str, str]]:
        return [v for v in self.violations if v["enforcement"] == "mandatory"]

    def as_json(self) -> dict[str, Any]:
        return {"resources": self.resources, "violations": self.violations}

    def notes(self) -> list[str]:
        """What the check did or could not see, beside the violations (printed on standard error)."""
        lines = list(self.environment)
        lines += [f"remediated by {r['policy']} before analysis: {r['urn']}" for r in self.remediations]
        lines += [
            f"not expanded: {urn} is a component from another package (remote); its children are not "
            "registered offline, so no policy sees them"
            for urn in self.not_expanded
        ]
        lines += [
            f"answered offline from the emulator's account ({ACCOUNT_ID}): invoke {token}"
            for token in self.answered_offline
        ]
        lines += [
            f"unknown offline: invoke {token} needs AWS, its result is unknown (as before deployment)"
            for token in self.unknown_invokes
        ]
        lines += [
            f"unknown offline: invoke {token} was given a value not known before deployment, so its result is unknown"
            for token in self.not_known_arguments
        ]
        return lines


def default_policy_config(project_dir: Path, stack: str) -> Path:
    """The file ``pulumi preview --policy-pack-config`` would be given: ``policies/config/<stack>.json``."""
    return Path(project_dir) / "policies" / "config" / f"{stack}.json"


def load_policy_config(project_dir: Path, stack: str) -> dict[str, Any]:
    path = default_policy_config(project_dir, stack)
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text()))
    except ValueError as error:
        raise CaptureError(f"{path}: not valid JSON ({error})") from None


def check_capture(plan: Capture, policy_config: Path | None = None, pack_dir: Path = POLICIES_DIR) -> CheckResult:
    """Run every policy of the pack on ``plan`` with the config in ``policy_config`` (a JSON file)."""
    servicer, pack_name = load_pack(pack_dir)
    policies, initial = policy_infos(servicer)
    configure(servicer, reconcile(policies, initial, load(policy_config), pack_name))
    outcome = analyze(servicer, plan)
    return CheckResult(
        resources=len(plan.resources),
        violations=outcome.violations,
        remediations=outcome.remediations,
        not_expanded=[r.urn for r in plan.remote_components()],
        unknown_invokes=plan.unanswered_invokes,
        answered_offline=plan.answered_offline,
        not_known_arguments=plan.not_known_arguments,
        environment=plan.notes,
    )


def check_project(
    project_dir: Path | str = PROJECT_ROOT,
    stack: str = "dev",
    preview: bool = False,
    *,
    policy_config: Path | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    secret_outputs: dict[str, list[str]] | None = None,
    require_stack: bool = False,
    timeout: float | None = None,
    organization: str | None = None,
) -> CheckResult:
    project_dir = Path(project_dir)
    config_file = policy_config or default_policy_config(project_dir, stack)
    plan = capture(
        project_dir,
        stack,
        preview=preview,
        stack_outputs=stack_outputs,
        secret_outputs=secret_outputs,
        require_stack=require_stack,
        timeout=timeout,
        organization=organization,
    )
    return check_capture(plan, config_file)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="Pulumi Python project directory")
    parser.add_argument("--stack", default=None, help="stack name (Pulumi.<stack>.yaml must exist; default: dev)")
    parser.add_argument("--preview", action="store_true", help="as a first preview: nothing AWS assigns is known")
    parser.add_argument("--json", action="store_true", help='print {"resources": N, "violations": [...]}')
    parser.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help="policy pack config (as pulumi preview --policy-pack-config); "
        "default: <project>/policies/config/<stack>.json",
    )
    parser.add_argument(
        "--stack-outputs",
        action="append",
        default=[],
        metavar="[STACK=]FILE",
        help="outputs of other stacks read by StackReference: STACK=FILE with the JSON of "
        "`pulumi stack output --json` for STACK, or FILE mapping stack names to outputs",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds the command may run (default 120)")
    parser.add_argument(
        "--organization",
        default=None,
        help="what pulumi.get_organization() returns (default: organization, as on a self-managed backend)",
    )


def fail(message: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": message}))
    print(f"error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    stack = args.stack or "dev"
    try:
        outputs, secrets = load_stack_outputs(args.stack_outputs)
        result = check_project(
            Path(args.project),
            stack,
            args.preview,
            policy_config=args.policy_config,
            stack_outputs=outputs,
            secret_outputs=secrets,
            require_stack=args.stack is not None,
            timeout=args.timeout,
            organization=args.organization,
        )
    except (CaptureError, PolicyConfigError) as error:
        return fail(str(error), args.json)
    for note in result.notes():
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.as_json(), indent=2))
    else:
        name, policies = _pack()
        print(f"{name}: {len(policies)} policies on {result.resources} resources of {stack}")
        for v in result.violations:
            print(f"  [{v['enforcement']}] {v['policy']}: {v['message']}\n      {v['urn']}")
        mandatory = len(result.mandatory)
        print(f"{mandatory} mandatory, {len(result.violations) - mandatory} advisory violation(s)")
    return 1 if result.mandatory else 0
