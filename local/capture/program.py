"""Run a Pulumi Python program under Pulumi's mock runtime and capture what the engine would get.

The mock monitor records, for every ``RegisterResource`` call, the type token, name, URN, parent
URN, custom flag, provider reference, resource options and the inputs exactly as serialized on
the wire (camelCase keys, as the Pulumi engine and CrossGuard see them). Outputs returned by the
mocks are realistic (ARNs, URLs, names) so that values flowing between resources can be played
against the embedded AWS emulator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from local.account import ACCOUNT_ID, REGION
from local.capture.model import Capture, CapturedResource, CaptureError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def load_project(project_dir: Path) -> tuple[str, Path]:
    """Return the project name and the main program path from Pulumi.yaml."""
    pulumi_yaml = project_dir / "Pulumi.yaml"
    if not pulumi_yaml.is_file():
        raise CaptureError(f"{project_dir}: no Pulumi.yaml (not a Pulumi project directory)")
    doc = yaml.safe_load(pulumi_yaml.read_text()) or {}
    runtime = doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise CaptureError(f"{pulumi_yaml}: runtime is {runtime_name!r}; only python programs can be run")
    main = project_dir / str(doc.get("main", "."))
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise CaptureError(f"{pulumi_yaml}: main program {main} does not exist")
    return str(doc["name"]), main


def load_stack_config(project_dir: Path, project: str, stack: str) -> dict[str, Any]:
    """Read Pulumi.<stack>.yaml's ``config:`` block, keys namespaced as the engine does."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text()) or {}
    config = doc.get("config") or {}
    result: dict[str, Any] = {}
    for key, value in config.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = "[secret]"
        result[full] = value
    return result


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in, recursively for nested objects."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _config_strings(config: dict[str, Any]) -> dict[str, str]:
    """The engine hands config to programs as strings: objects and lists as JSON."""
    out: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = json.dumps(value)
    return out


def capture(
    project_dir: Path | str = PROJECT_ROOT,
    stack: str = "dev",
    config_overrides: dict[str, Any] | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    preview: bool = False,
) -> Capture:
    """Run the program in ``project_dir`` for ``stack`` under mocks and return what it declared.

    ``stack_outputs`` maps a fully qualified stack name (as given to ``pulumi.StackReference``)
    to its outputs, so that programs reading other stacks can be planned offline.
    """
    from local.capture.mocks import CaptureMocks, CaptureMonitor, run_program

    project_dir = Path(project_dir).resolve()
    project, main = load_project(project_dir)
    config = load_stack_config(project_dir, project, stack)
    if config_overrides:
        config = deep_merge(config, config_overrides)
    mocks = CaptureMocks(stack_outputs or {}, preview=preview)
    monitor = CaptureMonitor(mocks)
    outputs = run_program(
        main=main,
        project=project,
        stack=stack,
        config=_config_strings(config),
        mocks=mocks,
        monitor=monitor,
        preview=preview,
    )
    return Capture(
        project=project,
        stack=stack,
        resources=monitor.captured,
        outputs=outputs,
        config=config,
        project_dir=project_dir,
    )


__all__ = [
    "ACCOUNT_ID",
    "REGION",
    "Capture",
    "CaptureError",
    "CapturedResource",
    "capture",
    "deep_merge",
    "load_project",
    "load_stack_config",
]
