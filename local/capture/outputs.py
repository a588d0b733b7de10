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
    parser.add_argument(
        "--organization",
        default=None,
        help="what pulumi.get_organization() returns (default: organization, as on a self-managed backend)",
    )


def run(args: argparse.Namespace) -> int:
    print(
        json.dumps(
            capture(Path(args.project), args.stack, organization=args.organization).outputs, indent=2, sort_keys=True
        )
    )
    return 0


def load_stack_outputs(specs: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Other stacks' outputs from ``--stack-outputs`` values, and which of them are secret.

    ``STACK=FILE``: FILE is the JSON of ``pulumi stack output --json`` run on STACK (as a program names
    it in ``pulumi.StackReference``). ``FILE`` alone: a JSON object mapping stack names to such output
    objects, for several stacks in one file. A value printed as ``[secret]`` is a secret output.
    """
    outputs: dict[str, dict[str, Any]] = {}
    for spec in specs:
        name, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise CaptureError(f"--stack-outputs {spec}: cannot read JSON ({error})") from None
        if not isinstance(doc, dict):
            raise CaptureError(f"--stack-outputs {spec}: expected a JSON object")
        if name:
            outputs[name] = doc
            continue
        for stack, values in doc.items():
            if not isinstance(values, dict):
                raise CaptureError(
                    f"--stack-outputs {path}: {stack!r} should map to that stack's outputs object "
                    f"(for one stack's `pulumi stack output --json`, use --stack-outputs STACK={path})"
                )
            outputs[stack] = values
    secrets = {stack: sorted(k for k, v in values.items() if v == "[secret]") for stack, values in outputs.items()}
    return outputs, secrets


def matching_stack(reference: str, known: list[str]) -> str | None:
    """The supplied stack a reference means: the same name, or the only one with the same trailing parts."""
    if reference in known:
        return reference
    parts = reference.split("/")
    candidates = [
        k for k in known if k.split("/")[-len(parts) :] == parts or parts[-len(k.split("/")) :] == k.split("/")
    ]
    return candidates[0] if len(candidates) == 1 else None


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
            f"({own_project}/<stack> with a Pulumi.<stack>.yaml in {PROJECT_ROOT}); give other stacks' outputs "
            "with --stack-outputs STACK=FILE (the JSON of `pulumi stack output --json`)"
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
