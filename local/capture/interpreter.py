"""Which Python runs the program: the one Pulumi's Python language host would run it with.

As ``pulumi-language-python`` (``Run``) and ``sdk/python/toolchain`` (``pip.go``) decide:

- ``runtime.options.virtualenv`` in Pulumi.yaml names a virtual environment, relative to the project
  directory; the engine runs ``<virtualenv>/bin/python`` with the environment activated (``VIRTUAL_ENV``
  set, its ``bin`` first on ``PATH``, ``PYTHONHOME`` removed). When ``<virtualenv>/bin/python`` does not
  exist, ``pulumi preview`` refuses (``ValidateVenv``) and ``pulumi install`` creates it.
- without that option the engine runs ``PULUMI_PYTHON_CMD`` if set, else ``python3`` (then ``python``)
  found on ``PATH``.
- ``toolchain: poetry`` / ``uv`` (or a ``poetry.lock`` / ``uv.lock`` found upwards from the program when no
  toolchain is named) let those tools pick the environment, which the check does not resolve.

Where the engine's choice is not usable offline (a virtualenv that does not exist, a ``python3`` on
``PATH`` without the pulumi SDK, a poetry or uv environment) the program runs in this tool's own Python
and ``Interpreter.note`` says so: the plan then holds for this tool's package versions.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from local.capture.project import Project

_PROBE = "import sys, importlib.util; print(sys.prefix); print(importlib.util.find_spec('pulumi') is not None)"


@dataclass
class Interpreter:
    """``executable`` None: this tool's own Python, in process; else a Python to run the program in."""

    executable: str | None = None
    environ: dict[str, str] = field(default_factory=dict)
    note: str = ""  # why this tool's own Python ran the program instead of the engine's choice
    fallback: bool = False


def _same_environment(prefix: str | Path) -> bool:
    return os.path.realpath(prefix) == os.path.realpath(sys.prefix)


def _activated(virtualenv: Path) -> dict[str, str]:
    """``toolchain.ActivateVirtualEnv``: the venv's bin first on PATH, VIRTUAL_ENV set, PYTHONHOME removed."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "VIRTUAL_ENV")}
    bin_dir = str(virtualenv / "bin")
    environ["PATH"] = bin_dir + os.pathsep + environ["PATH"] if environ.get("PATH") else bin_dir
    environ["VIRTUAL_ENV"] = str(virtualenv)
    return environ


def _lock_toolchain(program_dir: Path) -> str:
    for directory in (program_dir, *program_dir.parents):
        for lock, name in (("uv.lock", "uv"), ("poetry.lock", "poetry")):
            if (directory / lock).is_file():
                return name
    return ""


@functools.lru_cache(maxsize=16)
def _probe(command: str) -> tuple[str, bool] | None:
    """``sys.prefix`` of ``command`` and whether it can import pulumi (None: it does not run)."""
    try:
        done = subprocess.run([command, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    return (lines[0], lines[1] == "True") if done.returncode == 0 and len(lines) == 2 else None


def _ambient(own: str) -> Interpreter:
    """No virtualenv option: ``PULUMI_PYTHON_CMD``, else ``python3``, else ``python`` on PATH."""
    named = os.environ.get("PULUMI_PYTHON_CMD", "")
    candidates = [named] if named else ["python3", "python"]
    found = next((path for path in map(shutil.which, candidates) if path), None)
    what = f"PULUMI_PYTHON_CMD ({named})" if named else "python3 on PATH"
    if found is None:
        return Interpreter(note=f"the project names no virtualenv and {what} is not found; {own}", fallback=True)
    probed = _probe(found)
    if probed is not None and _same_environment(probed[0]):
        return Interpreter()
    if probed is None or not probed[1]:
        why = "does not run" if probed is None else "has no pulumi SDK"
        return Interpreter(
            note=f"the project names no virtualenv, so the engine would run it with {what} ({found}), "
            f"which {why}; {own}",
            fallback=True,
        )
    return Interpreter(executable=found, environ=dict(os.environ))


def choose(project: Project) -> Interpreter:
    """The Python the engine would run ``project`` with, or this tool's own with a note saying why."""
    options = project.runtime_options
    own = f"the program ran in this tool's own Python ({sys.prefix}) instead"
    toolchain = str(options.get("toolchain") or "") or _lock_toolchain(project.main.parent)
    if toolchain in ("poetry", "uv"):
        return Interpreter(
            note=f"the project's environment is managed by {toolchain}, which the check does not resolve; {own}",
            fallback=True,
        )
    option = options.get("virtualenv")
    if not option:
        return _ambient(own)
    virtualenv = Path(str(option))
    virtualenv = virtualenv if virtualenv.is_absolute() else project.directory / virtualenv
    python = virtualenv / "bin" / "python"
    if not python.is_file():
        state = "does not exist" if not virtualenv.exists() else "is not a virtual environment (no bin/python)"
        return Interpreter(
            note=f"the project's virtualenv {str(option)!r} ({virtualenv}) {state}: pulumi preview would refuse "
            f"until `pulumi install` creates it; {own}",
            fallback=True,
        )
    if _same_environment(virtualenv):
        return Interpreter()
    return Interpreter(executable=str(python), environ=_activated(virtualenv))


def lacking_requirements(requirements: Path) -> str:
    """The lines of ``requirements`` this tool's own Python does not satisfy (missing or another version)."""
    import re
    from importlib.metadata import PackageNotFoundError, version

    if not requirements.is_file():
        return ""
    lacking = []
    for raw in requirements.read_text(errors="replace").splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$", line)
        if not line or line.startswith("-") or match is None:
            continue
        name, specifier = match.group(1), match.group(3).strip()
        try:
            have = version(name)
        except PackageNotFoundError:
            lacking.append(f"{name} (not installed)")
            continue
        if specifier and not _satisfies(have, specifier):
            lacking.append(f"{name}{specifier} (has {have})")
    return ", ".join(lacking)


def _satisfies(have: str, specifier: str) -> bool:
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError:
        return True
    try:
        return SpecifierSet(specifier).contains(have, prereleases=True)
    except InvalidSpecifier:
        return True
