"""``python -m local plan``: the resources the program declares, as the engine receives them."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from local.capture import PROJECT_ROOT, capture


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="Pulumi Python project directory")
    parser.add_argument("--stack", default="dev", help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--json", action="store_true", help="print [{urn,type,name,parent,inputs}]")
    parser.add_argument("--summary", action="store_true", help="print resource counts by type only")


def run(args: argparse.Namespace) -> int:
    plan = capture(Path(args.project), args.stack)
    if args.json:
        print(json.dumps([r.as_plan_entry() for r in plan.resources], indent=2))
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
