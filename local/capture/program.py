"""Run a Pulumi Python program under Pulumi's mock runtime and capture what the engine would get.

The monitor records, for every ``RegisterResource`` call, the type token, name, URN, parent,
provider, options, dependencies and the inputs as they travel on the wire (camelCase keys, as the
engine and CrossGuard see them). Beside the program's own resources the capture adds what the engine
registers itself: the root ``pulumi:pulumi:Stack`` and a default provider for each package used
without an explicit provider. A program that fails is reported in one line naming its own file and
line (``ProgramError``), never with a traceback through this tool.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from local.account import ACCOUNT_ID, REGION
from local.capture.interpreter import Interpreter, choose, lacking_requirements
from local.capture.model import Capture, CapturedResource, CaptureError
from local.capture.project import (
    config_strings,
    load_project,
    load_stack_config,
    read_project,
    stack_config,
)
from local.capture.wire import SECRET_SIG, SIG, UNKNOWN

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_config_strings = config_strings


class ProgramError(CaptureError):
    """The program raised, exited, timed out or could not be compiled."""


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in, recursively for nested objects."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _program_location(error: BaseException, project_dir: Path) -> str:
    """``file:line`` of the innermost frame in the program's own files (not in installed packages)."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{_relative(Path(error.filename), project_dir)}:{error.lineno}"
    root, tool = str(project_dir), str(Path(__file__).resolve().parents[1])
    location = ""
    for frame in traceback.extract_tb(error.__traceback__):
        own = frame.filename.startswith(root) and not frame.filename.startswith(tool)
        if own and "site-packages" not in frame.filename:
            location = f"{_relative(Path(frame.filename), project_dir)}:{frame.lineno}"
    return location


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base))
    except ValueError:
        return str(path)


def program_error(error: BaseException, project_dir: Path, interpreter: Interpreter | None = None) -> ProgramError:
    from local.capture.runtime import ProgramTimeoutError, UnanswerableInvokeError

    where = _program_location(error, project_dir)
    if isinstance(error, SystemExit):
        what = f"the program called sys.exit({error.code!r}), so what it would have declared is not known"
    elif isinstance(error, ProgramTimeoutError):
        what = f"{error} (the limit is --timeout)"
    elif isinstance(error, UnanswerableInvokeError):
        what = str(error)
    elif isinstance(error, SyntaxError):
        what = f"SyntaxError: {error.msg}"
    else:
        text = " ".join(str(error).split()) or "(no message)"
        what = f"{type(error).__name__}: {text}"
        if isinstance(error, ModuleNotFoundError) and error.name and error.name.split(".")[0] not in sys.modules:
            requirements = project_dir / "requirements.txt"
            fix = f"the program's requirements ({requirements})" if requirements.is_file() else "that package"
            what += f": the Python running the check lacks a package the program imports; install {fix} into it"
    if interpreter is not None and interpreter.fallback and isinstance(error, (ImportError, AttributeError)):
        lacking = lacking_requirements(project_dir / "requirements.txt")
        what += f" ({interpreter.note}" + (f"; of the program's requirements it lacks {lacking})" if lacking else ")")
    return ProgramError(f"program failed at {where}: {what}" if where else f"program failed: {what}")


def region_of(config: dict[str, Any]) -> str | None:
    """The AWS provider's region: ``aws:region`` in config, else AWS_REGION / AWS_DEFAULT_REGION, else unset."""
    value = config.get("aws:region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return str(value) if value else None


def _ordered(monitor: Any) -> list[CapturedResource]:
    """Resources in the order the program constructed them (deterministic), not the order RPCs completed."""
    positions: dict[tuple[str, str], list[int]] = {}
    for index, key in enumerate(getattr(monitor, "order", [])):
        positions.setdefault(key, []).append(index)
    synchronous = getattr(monitor, "synchronous", len(getattr(monitor, "order", [])))

    def order_key(resource: CapturedResource) -> tuple[int, int, str]:
        found = positions.get((resource.type, resource.name)) or [10**9]
        index = found.pop(0) if len(found) > 1 else found[0]
        return (0, index, "") if index < synchronous else (1, 0, resource.urn)

    return sorted(monitor.captured, key=order_key)


def _default_providers(
    resources: list[CapturedResource],
    project: str,
    stack: str,
    config: dict[str, Any],
    secret_keys: set[str],
    preview: bool,
) -> list[CapturedResource]:
    """The engine's default providers, one per package and version, and each resource's reference to it."""
    providers: dict[str, CapturedResource] = {}
    for resource in resources:
        engine_managed = resource.type.startswith("pulumi:providers:") or not (resource.custom or resource.remote)
        if resource.provider or engine_managed:
            continue
        package, version = resource.package, resource.package_version
        name = "default" + ("_" + version.replace(".", "_").replace("-", "_").replace("+", "_") if version else "")
        urn = f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::{name}"
        if urn not in providers:
            inputs: dict[str, Any] = {}
            for key in sorted(config):
                if key.split(":", 1)[0] == package and ":" in key:
                    text = config_strings({key: config[key]})[key]
                    inputs[key.split(":", 1)[1]] = {SIG: SECRET_SIG, "value": text} if key in secret_keys else text
            if version:
                inputs["version"] = version
            digest = hashlib.sha256(urn.encode()).hexdigest()
            parts = (digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32])
            ident = UNKNOWN if preview else "-".join(parts)
            providers[urn] = CapturedResource(
                urn=urn,
                type=f"pulumi:providers:{package}",
                name=name,
                parent="",
                inputs=dict(inputs),
                custom=True,
                wire=inputs,
                wire_outputs=inputs,
                id=ident,
                outputs=dict(inputs),
                engine=True,
                package_version=version,
            )
        resource.provider = f"{urn}::{providers[urn].id}"
    return list(providers.values())


def capture(
    project_dir: Path | str = PROJECT_ROOT,
    stack: str = "dev",
    config_overrides: dict[str, Any] | None = None,
    stack_outputs: dict[str, dict[str, Any]] | None = None,
    preview: bool = False,
    *,
    require_stack: bool = False,
    secret_outputs: dict[str, list[str]] | None = None,
    timeout: float | None = None,
    organization: str | None = None,
    in_process: bool = False,
) -> Capture:
    """Run the program in ``project_dir`` for ``stack`` under mocks and return what it declared.

    ``stack_outputs`` maps a stack name (as given to ``pulumi.StackReference``) to its outputs, so that
    programs reading other stacks can be planned offline. ``require_stack``: a stack without a config
    file does not exist (``pulumi preview --stack NAME`` fails the same way for an unknown stack).
    """
    from local.capture.mocks import CaptureMocks, CaptureMonitor, run_program
    from local.capture.runtime import DEFAULT_ORGANIZATION, DEFAULT_TIMEOUT_SECONDS, remaining

    project = read_project(project_dir)
    if require_stack and not project.stack_file(stack).is_file():
        raise CaptureError(
            f"no stack named '{stack}' found: offline, a stack is its config file "
            f"{project.stack_file(stack).name}, and {project.stack_file(stack).parent} has none"
        )
    interpreter = Interpreter() if in_process else choose(project)
    if interpreter.executable:
        from local.capture.isolated import capture_elsewhere

        arguments = {
            "project_dir": str(project.directory),
            "stack": stack,
            "config_overrides": config_overrides,
            "stack_outputs": stack_outputs,
            "preview": preview,
            "require_stack": require_stack,
            "secret_outputs": secret_outputs,
            "timeout": timeout,
            "organization": organization,
        }
        return capture_elsewhere(interpreter, arguments, DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout)
    config = stack_config(project, stack)
    values = deep_merge(config.values, config_overrides) if config_overrides else config.values
    region = region_of(values)
    limit = DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout
    started = time.monotonic()

    def resolve_stack(reference: str) -> dict[str, Any]:
        from local.capture.outputs import resolve_stack_reference

        left = remaining(limit - (time.monotonic() - started))
        return resolve_stack_reference(reference, project.name, project.directory, stack, organization, timeout=left)

    mocks = CaptureMocks(
        stack_outputs or {},
        preview=preview,
        region=region,
        resolve_stack=resolve_stack,
        secret_outputs=secret_outputs,
    )
    monitor = CaptureMonitor(mocks)
    try:
        outputs = run_program(
            main=project.main,
            project=project.name,
            stack=stack,
            config=config_strings(values),
            mocks=mocks,
            monitor=monitor,
            preview=preview,
            secret_keys=sorted(config.secret_keys),
            cwd=project.main.parent,
            timeout=remaining(limit),
            organization=organization or DEFAULT_ORGANIZATION,
        )
    except CaptureError:
        raise
    except (Exception, SystemExit) as error:  # noqa: BLE001 - any failure of the program is reported in one line
        raise program_error(error, project.directory, interpreter) from None
    resources = _ordered(monitor)
    providers = _default_providers(resources, project.name, stack, values, config.secret_keys, preview)
    root = CapturedResource(
        urn=monitor.stack_urn or f"urn:pulumi:{stack}::{project.name}::pulumi:pulumi:Stack::{project.name}-{stack}",
        type="pulumi:pulumi:Stack",
        name=f"{project.name}-{stack}",
        parent="",
        inputs={},
        custom=False,
        outputs=_plain_outputs(outputs),
        wire_outputs=outputs,
        engine=True,
    )
    return Capture(
        project=project.name,
        stack=stack,
        resources=resources,
        outputs=_plain_outputs(outputs),
        config=values,
        project_dir=project.directory,
        root=root,
        providers=providers,
        unanswered_invokes=sorted(set(monitor.unanswered)),
        answered_offline=sorted(set(monitor.answered_offline)),
        not_known_arguments=sorted(set(monitor.not_known_arguments)),
        preview=preview,
        notes=[interpreter.note] if interpreter.note else [],
    )


def _plain_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    from local.capture.wire import plain

    return {key: plain(value) for key, value in outputs.items()}


__all__ = [
    "ACCOUNT_ID",
    "REGION",
    "Capture",
    "CaptureError",
    "CapturedResource",
    "ProgramError",
    "capture",
    "deep_merge",
    "load_project",
    "load_stack_config",
]
