"""A Pulumi project and a stack's configuration, read and merged the way the Pulumi CLI does.

The project file is ``Pulumi.yaml`` (or ``Pulumi.yml`` / ``Pulumi.json``); a stack's config is
``Pulumi.<stack>.<same extension>`` beside it (or in ``stackConfigDir``). The project's ``config:``
block declares keys (``type``, ``default``, ``value``, ``secret``, ``items``; a bare value is a default
for the project's own keys and a value for other namespaces); stack values are checked against the
declared types and a declared key with no value anywhere is a missing value, as in the CLI. Secrets
(``secure:``) cannot be decrypted offline: the program sees ``[secret]``, marked secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from local.capture.model import CaptureError

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml", "Pulumi.json")
SECRET_PLACEHOLDER = "[secret]"


@dataclass
class Project:
    name: str
    directory: Path
    file: Path
    main: Path
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    stack_config_dir: Path | None = None
    runtime_options: dict[str, Any] = field(default_factory=dict)  # Pulumi.yaml runtime.options

    def stack_file(self, stack: str) -> Path:
        base = self.stack_config_dir or self.directory
        return base / f"Pulumi.{stack.split('/')[-1]}{self.file.suffix}"


@dataclass
class StackConfig:
    values: dict[str, Any]
    secret_keys: set[str]
    exists: bool


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise CaptureError(f"{path}: cannot be read ({error})") from None
    if doc is not None and not isinstance(doc, dict):
        raise CaptureError(f"{path}: expected a mapping at the top level")
    return doc or {}


def _namespaced(project: str, key: str) -> bool:
    return ":" not in key or key.startswith(f"{project}:")


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _declarations(name: str, raw: Any, path: Path) -> dict[str, dict[str, Any]]:
    """The ``config:`` block with bare values rewritten as the CLI rewrites them, then validated."""
    if raw is None or isinstance(raw, str):
        return {}
    if not isinstance(raw, dict):
        raise CaptureError(f"{path}: config must be a mapping of keys to declarations")
    out: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if isinstance(value, (str, int, bool, float, list)):
            value = {"default": value} if _namespaced(name, key) else {"value": value}
        if not isinstance(value, dict) or set(value) - {"type", "items", "description", "secret", "default", "value"}:
            raise CaptureError(
                f"{path}: config '{key}' must be a value or a declaration with type, items, "
                "description, secret, default or value"
            )
        if "default" in value and "value" in value:
            raise CaptureError(f"{path}: project config '{key}' cannot have both a 'default' and 'value' attribute")
        if _namespaced(name, key):
            if "type" in value and "default" in value and not _valid(value, value["default"]):
                raise CaptureError(
                    f"{path}: the default value specified for configuration key '{key}' is not of "
                    f"the expected type '{_type_name(value)}'"
                )
        elif "type" in value or "default" in value or "value" not in value:
            raise CaptureError(
                f"{path}: configuration key '{key}' is not namespaced by the project: give it a "
                "'value' (and no type or default)"
            )
        out[key] = value
    return out


def _type_name(decl: dict[str, Any]) -> str:
    items = decl.get("items")
    return (
        f"array<{_type_name(items)}>"
        if isinstance(items, dict) and decl.get("type") == "array"
        else str(decl.get("type"))
    )


def _valid(decl: dict[str, Any], value: Any) -> bool:
    """The CLI's ValidateConfigValue: stack values arrive as text, so '5' is an integer and 'true' a boolean."""
    kind = decl.get("type")
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and value.lstrip("+-").isdigit()
    if kind == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if kind == "object":
        return isinstance(value, dict)
    items = decl.get("items")
    return isinstance(value, list) and isinstance(items, dict) and all(_valid(items, v) for v in value)


def _runtime_options(runtime: Any) -> dict[str, Any]:
    options = runtime.get("options") if isinstance(runtime, dict) else None
    return dict(options) if isinstance(options, dict) else {}


def read_project(project_dir: Path | str) -> Project:
    directory = Path(project_dir).resolve()
    found = next((directory / f for f in PROJECT_FILES if (directory / f).is_file()), None)
    if found is None:
        raise CaptureError(f"{directory}: no Pulumi.yaml (not a Pulumi project directory)")
    doc = _read(found)
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise CaptureError(f"{found}: project is missing a non-empty string 'name' attribute")
    runtime = doc.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise CaptureError(f"{found}: runtime is {runtime_name!r}; only python programs can be run")
    main = directory / str(doc.get("main") or ".")
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise CaptureError(f"{found}: main program {main} does not exist")
    config_dir = doc.get("stackConfigDir")
    if isinstance(doc.get("config"), str):  # deprecated: config: <directory of stack files>
        config_dir = config_dir or doc["config"]
    return Project(
        name=name,
        directory=directory,
        file=found,
        main=main,
        config=_declarations(name, doc.get("config"), found),
        stack_config_dir=directory / config_dir if config_dir else None,
        runtime_options=_runtime_options(runtime),
    )


def load_project(project_dir: Path) -> tuple[str, Path]:
    """The project name and the main program path."""
    project = read_project(project_dir)
    return project.name, project.main


def _stack_values(project: Project, stack: str) -> tuple[dict[str, Any], set[str], bool]:
    path = project.stack_file(stack)
    if not path.is_file():
        return {}, set(), False
    raw = _read(path).get("config") or {}
    if not isinstance(raw, dict):
        raise CaptureError(f"{path}: config must be a mapping")
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    for key, value in raw.items():
        full = _full_key(project.name, str(key))
        if _has_secure(value):
            secrets.add(full)
            value = _without_secure(value)
        values[full] = value
    return values, secrets, True


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _without_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {k: _without_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secure(v) for v in value]
    return value


def _as_text(value: Any) -> Any:
    """A stack value as the CLI stores it: scalars are text, objects and lists stay structured."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def stack_config(project: Project, stack: str) -> StackConfig:
    """Stack config merged with the project's declarations, validated as ``pulumi preview`` validates it."""
    values, secrets, exists = _stack_values(project, stack)
    missing = []
    for key in sorted(project.config):
        decl = project.config[key]
        full = _full_key(project.name, key)
        if full in values:
            if "type" in decl:
                if decl.get("secret") and full not in secrets:
                    raise CaptureError(
                        f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret"
                    )
                if full not in secrets and not _valid(decl, _as_text(values[full])):
                    raise CaptureError(
                        f"Stack '{stack}' with configuration key '{key}' must be of type '{_type_name(decl)}'"
                    )
            continue
        if "default" in decl or "value" in decl:
            values[full] = decl.get("default", decl.get("value"))
        elif _namespaced(project.name, key):
            missing.append(key)
    if missing:
        keys = ", ".join(f"'{k}'" for k in missing)
        raise CaptureError(
            f"Stack '{stack}' is missing configuration value{'s' if len(missing) > 1 else ''} {keys} "
            f"(declared in {project.file.name}; set it in {project.stack_file(stack).name})"
        )
    return StackConfig(values=values, secret_keys=secrets, exists=exists)


def load_stack_config(project_dir: Path, project: str, stack: str) -> dict[str, Any]:
    """The stack's config values (project declarations applied), keys namespaced as the engine does."""
    return stack_config(read_project(project_dir), stack).values


def config_strings(config: dict[str, Any]) -> dict[str, str]:
    """The engine hands config to programs as strings: objects and lists as JSON."""
    out: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            out[key] = str(value)
        else:
            out[key] = json.dumps(value)
    return out
