"""``python -m local outputs``: a stack's outputs from its own plan (what other stacks read)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from local.capture import PROJECT_ROOT, CaptureError, capture, load_project
from local.capture.project import read_project


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default=str(PROJECT_ROOT), help="Pulumi Python project directory")
    parser.add_argument("--stack", default="dev", help="stack name")
    parser.add_argument("--timeout", type=float, default=None, help="seconds the command may run (default 120)")
    parser.add_argument(
        "--organization",
        default=None,
        help="what pulumi.get_organization() returns (default: organization, as on a self-managed backend)",
    )


def run(args: argparse.Namespace) -> int:
    print(
        json.dumps(
            capture(Path(args.project), args.stack, organization=args.organization, timeout=args.timeout).outputs,
            indent=2,
            sort_keys=True,
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


def resolve_stack_reference(
    reference: str,
    program_project: str,
    program_dir: Path,
    program_stack: str,
    organization: str | None = None,
    timeout: float = 300,
) -> dict[str, Any]:
    """Outputs of the stack ``[org/][project/]<stack>`` from that project's own plan, where offline it has one.

    A bare ``<stack>`` is a stack of the program's own project, as for the engine. Offline, a project
    provides its outputs only if its directory is known: the program's own project, or this one
    (eventfork, whose consumers name it ``eventfork/<stack>``). Runs in a separate process: the Pulumi
    runtime is global, and the referencing program is being captured at that moment.
    """
    parts = reference.split("/")
    stack = parts[-1]
    project = parts[-2] if len(parts) >= 2 else program_project
    own_project, _ = load_project(PROJECT_ROOT)
    directories = {program_project: Path(program_dir), own_project: PROJECT_ROOT}
    directory = directories.get(project)
    has_stack = directory is not None and read_project(directory).stack_file(stack).is_file()
    if project == program_project and stack == program_stack:
        raise CaptureError(
            f"StackReference {reference!r}: stack {program_stack} of project {program_project} reads its own "
            "outputs, which are those of its last deployment and do not exist offline; give them with "
            "--stack-outputs STACK=FILE (the JSON of `pulumi stack output --json`)"
        )
    if not has_stack or directory is None:
        where = f"{program_project}/<stack> with a Pulumi.<stack>.yaml in {program_dir}"
        raise CaptureError(
            f"StackReference {reference!r} (stack {stack} of project {project}): offline, a reference resolves "
            f"only from --stack-outputs or from the program's own project's stacks ({where}); give the outputs "
            "with --stack-outputs STACK=FILE (the JSON of `pulumi stack output --json`)"
        )
    tool_python = os.environ.get("LOCAL_CHECK_TOOL_PYTHON") or sys.executable  # set in a project's own Python
    command = [tool_python, "-m", "local", "outputs", "--project", str(directory), "--stack", stack]
    command += ["--timeout", f"{max(timeout - 1, 1):g}"]
    if organization:
        command += ["--organization", organization]
    try:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=max(timeout, 1)
        )
    except subprocess.TimeoutExpired:
        raise CaptureError(
            f"StackReference {reference!r}: planning stack {stack} of project {project} did not finish "
            f"within {max(timeout, 1):g} s (the limit is --timeout)"
        ) from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no message)"]
        raise CaptureError(
            f"StackReference {reference!r}: planning stack {stack} of project {project} failed: {lines[-1]}"
        )
    return dict(json.loads(done.stdout))
