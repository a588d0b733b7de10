"""``python -m local outputs``: a stack's outputs from its own plan (what other stacks read)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.capture import PROJECT_ROOT, CaptureError, capture, load_project


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="Pulumi Python project directory")
    parser.add_argument("--stack", default="dev", help="stack name")


def run(args: argparse.Namespace) -> int:
    print(json.dumps(capture(Path(args.project), args.stack).outputs, indent=2, sort_keys=True))
    return 0


def resolve_stack_reference(reference: str) -> dict[str, Any]:
    """Outputs for ``[org/]eventfork/<stack>`` (or ``<stack>``) from this project's own plan.

    Runs in a separate process: the Pulumi runtime is global, and the referencing program is
    being captured at that moment.
    """
    parts = reference.split("/")
    stack = parts[-1]
    project = parts[-2] if len(parts) >= 2 else None
    own_project, _ = load_project(PROJECT_ROOT)
    if project not in (None, own_project) or not (PROJECT_ROOT / f"Pulumi.{stack}.yaml").is_file():
        raise CaptureError(
            f"StackReference {reference!r}: offline, only this project's stacks can be resolved "
            f"({own_project}/<stack> with a Pulumi.<stack>.yaml in {PROJECT_ROOT})"
        )
    done = subprocess.run(
        [sys.executable, "-m", "local", "outputs", "--stack", stack],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise CaptureError(f"StackReference {reference!r}: planning stack {stack} failed: {done.stderr.strip()}")
    return dict(json.loads(done.stdout))
