"""``python -m local plan``: the resources the program declares, as the engine receives them."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from local.capture import PROJECT_ROOT, capture
from local.capture.outputs import load_stack_outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="Pulumi Python project directory")
    parser.add_argument("--stack", default=None, help="stack name (Pulumi.<stack>.yaml must exist; default: dev)")
    parser.add_argument("--json", action="store_true", help="print [{urn,type,name,parent,inputs,...}]")
    parser.add_argument("--summary", action="store_true", help="print resource counts by type only")
    parser.add_argument("--preview", action="store_true", help="as a first preview: nothing AWS assigns is known")
    parser.add_argument(
        "--all", action="store_true", help="with --json: also the root stack and default providers the engine registers"
    )
    parser.add_argument(
        "--stack-outputs",
        action="append",
        default=[],
        metavar="[STACK=]FILE",
        help="outputs of other stacks read by StackReference (see check --help)",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds the command may run (default 120)")
    parser.add_argument(
        "--organization",
        default=None,
        help="what pulumi.get_organization() returns (default: organization, as on a self-managed backend)",
    )


def run(args: argparse.Namespace) -> int:
    outputs, secrets = load_stack_outputs(args.stack_outputs)
    plan = capture(
        Path(args.project),
        args.stack or "dev",
        preview=args.preview,
        stack_outputs=outputs,
        secret_outputs=secrets,
        require_stack=args.stack is not None,
        timeout=args.timeout,
        organization=args.organization,
    )
    if args.json:
        entries = plan.engine_resources() if args.all else plan.resources
        print(json.dumps([r.as_plan_entry() for r in entries], indent=2))
        return 0
    by_urn = plan.by_urn()
    print(f"{plan.project}/{plan.stack}: {len(plan.resources)} resources")
    if args.summary:
        for type_token, count in sorted(Counter(r.type for r in plan.resources).items()):
            print(f"  {count:>3}  {type_token}")
        return 0
    for resource in plan.resources:
        depth = 0
        parent = by_urn.get(resource.parent)
        while parent is not None:
            depth += 1
            parent = by_urn.get(parent.parent)
        print(f"{'  ' * depth}{resource.type:<58} {resource.name}")
    counts = Counter(r.type for r in plan.resources)
    print(f"\n{len(counts)} resource types; outputs: {', '.join(sorted(plan.outputs))}")
    return 0
