"""How the Pulumi CLI starts this repository as a resource plugin, step for step.

``pulumi package add <repository>@<tag>`` (and every later ``pulumi up`` of a consumer) loads the
plugin from ``PulumiPlugin.yaml`` and asks the Python language host to run it. Ported from
pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8:

- ``sdk/go/common/resource/plugin/plugin.go`` (``execPlugin``): a plugin directory with
  ``PulumiPlugin.yaml`` is run by its runtime with ``NewProgramInfo(pluginDir, pluginDir, ".",
  options)``, the engine's address as its only argument (``provider_plugin.go``:
  ``[]string{host.ServerAddr()}``) and the consumer's working directory (``ctx.Pwd``);
  ``workspace.PluginProject`` has no ``main`` field, so a ``main:`` key is ignored;
- ``sdk/python/cmd/pulumi-language-python/main.go`` (``RunPlugin``): with ``__main__.py`` in the
  plugin's root, ``python <plugin dir> <args>``; without it, if the venv's Python can
  ``import pulumi.run.plugin`` and ``pyproject.toml`` is buildable, ``python -m pulumi.run.plugin
  <project.name> <args>`` (which hosts the components it finds in that module at version 0.0.0);
  the working directory is the consumer's (``cmd.Dir = req.Pwd``);
- ``sdk/python/toolchain`` (``parseOptions``, ``pip.Command``, ``ActivateVirtualEnv``): the Python is
  ``<root>/<virtualenv>/bin/python`` (``venv`` when no virtualenv option is set), run with the
  caller's environment, ``VIRTUAL_ENV`` set, the venv's ``bin`` first on ``PATH``, ``PYTHONHOME`` unset.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class PluginLaunch:
    """The process the language host starts: command, working directory and environment."""

    command: list[str]
    cwd: Path
    env: dict[str, str]
    mode: str  # "directory" (__main__.py) or "pulumi.run.plugin"


def activate_virtualenv(environ: dict[str, str], venv: Path) -> dict[str, str]:
    """``toolchain.ActivateVirtualEnv``."""
    env = {k: v for k, v in environ.items() if k.upper() not in {"PYTHONHOME", "VIRTUAL_ENV"}}
    path_key = next((k for k in env if k.upper() == "PATH"), "PATH")
    env[path_key] = f"{venv / 'bin'}{os.pathsep}{env[path_key]}" if path_key in env else str(venv / "bin")
    env["VIRTUAL_ENV"] = str(venv)
    return env


def plugin_launch(plugin_dir: Path, engine_address: str, pwd: Path) -> PluginLaunch:
    """What ``RunPlugin`` runs for the resource plugin in ``plugin_dir`` (raises where it fails)."""
    project = yaml.safe_load((plugin_dir / "PulumiPlugin.yaml").read_text())
    runtime = project["runtime"]
    if runtime["name"] != "python":
        raise ValueError(f"runtime {runtime['name']!r} is not the Python language host")
    options = runtime.get("options") or {}
    if options.get("toolchain", "pip") != "pip":
        raise ValueError("only the pip toolchain is ported")
    venv = plugin_dir / options.get("virtualenv", "venv")
    python = venv / "bin" / "python"
    env = activate_virtualenv(dict(os.environ), venv)

    has_main_py = (plugin_dir / "__main__.py").exists()
    probe = subprocess.run(
        [str(python), "-c", "import pulumi.run.plugin"], capture_output=True, text=True, env=env, check=False
    )
    has_run_module = "ModuleNotFoundError" not in probe.stdout + probe.stderr
    if has_run_module and not has_main_py:
        pyproject = tomllib.loads((plugin_dir / "pyproject.toml").read_text())
        name = pyproject.get("project", {}).get("name", "")
        if not (name and pyproject.get("build-system", {}).get("build-backend")):
            raise ValueError("plugin is not runnable, it provides neither __main__.py nor a buildable pyproject.toml")
        return PluginLaunch(
            [str(python), "-m", "pulumi.run.plugin", name, engine_address], pwd, env, "pulumi.run.plugin"
        )
    return PluginLaunch([str(python), str(plugin_dir), engine_address], pwd, env, "directory")
