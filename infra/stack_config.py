"""Typed per-stack configuration under the ``eventfork:`` namespace, parsed once.

``load_settings`` reads every ``eventfork:*`` key, validates it and returns a frozen ``Settings``.
Any problem (wrong type, out of range, unknown key, inconsistent combination) raises
``ConfigError`` listing all problems before a single resource is declared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eventfork.config.alarms import AlarmsConfig
from eventfork.config.analytics import AnalyticsConfig
from eventfork.config.backup import BackupConfig
from eventfork.config.buffer import DEDUP_WINDOW_SECONDS, LOG_RETENTION_DAYS, BufferConfig
from eventfork.config.fanout import FanOutConfig
from eventfork.config.pipelines import PIPELINE_SECTIONS
from eventfork.config.replay import ReplayConfig
from eventfork.config.schema import ConfigError, Rule, check_section
from eventfork.config.stack import KmsConfig, LambdaConfig
from eventfork.naming import PREFIX_PATTERN, default_prefix, name_problems
from eventfork.service_rules import check_tags
from stack_shapes import shape_problems

NAMESPACE = "eventfork"


@dataclass(frozen=True)
class Settings:
    """Every section of one stack's config."""

    namePrefix: str
    buffer: BufferConfig
    fanout: FanOutConfig
    lambda_: LambdaConfig
    kms: KmsConfig
    backup: BackupConfig
    analytics: AnalyticsConfig
    replay: ReplayConfig
    alarms: AlarmsConfig
    tags: dict[str, str]

    @property
    def pipelines_enabled(self) -> bool:
        """Whether any event fork pipeline is declared."""
        return self.backup.enabled or self.analytics.enabled or self.replay.enabled

    @property
    def shape(self) -> str:
        """``full`` (buffer, fan-out, pipelines), ``pipelines-only`` (on an existing topic) or ``buffer-only``."""
        if not self.buffer.enabled:
            return "pipelines-only"
        return "full" if self.pipelines_enabled else "buffer-only"


CORE_SECTIONS: dict[str, type] = {
    "buffer": BufferConfig,
    "fanout": FanOutConfig,
    "lambda": LambdaConfig,
    "kms": KmsConfig,
}
SCALAR_KEYS = {
    "namePrefix": Rule(
        "str",
        pattern=PREFIX_PATTERN,
        nullable=True,
        doc="prefix of physical names (default eventfork-<stack>); every derived name is checked (eventfork/naming.py)",
    ),
    "tags": Rule("dict", nullable=True, doc="extra tags on every taggable resource"),
}
ALL_KEYS = sorted([*CORE_SECTIONS, *PIPELINE_SECTIONS, *SCALAR_KEYS])


def _decode(value: Any) -> Any:
    """The engine hands objects to programs as JSON strings; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_settings(raw: dict[str, Any], stack: str) -> Settings:
    """Validate ``raw`` (keys without the namespace) into ``Settings`` or raise ConfigError."""
    problems: list[str] = []
    for key in raw:
        if key not in CORE_SECTIONS and key not in PIPELINE_SECTIONS and key not in SCALAR_KEYS:
            problems.append(f"{NAMESPACE}:{key}: unknown key; allowed keys: {', '.join(ALL_KEYS)}")
    sections: dict[str, Any] = {}
    for key, cls in {**CORE_SECTIONS, **PIPELINE_SECTIONS}.items():
        sections[key] = check_section(f"{NAMESPACE}:{key}", _decode(raw.get(key)), cls, problems)
    prefix = _decode(raw.get("namePrefix"))
    tags = _decode(raw.get("tags"))
    for key, value in (("namePrefix", prefix), ("tags", tags)):
        from eventfork.config.schema import check_value

        problem = check_value(f"{NAMESPACE}:{key}", SCALAR_KEYS[key], value)
        if problem:
            problems.append(problem)
    if isinstance(tags, dict):
        problems.extend(check_tags(tags))
    buffer: BufferConfig = sections["buffer"]
    raw_fanout = _decode(raw.get("fanout"))
    problems.extend(shape_problems(sections, raw_fanout if isinstance(raw_fanout, dict) else {}))
    prefix_ok = not any(p.startswith(f"{NAMESPACE}:namePrefix:") for p in problems)
    settings = Settings(
        namePrefix=prefix if isinstance(prefix, str) else default_prefix(stack),
        buffer=buffer,
        fanout=sections["fanout"],
        lambda_=sections["lambda"],
        kms=sections["kms"],
        backup=sections["backup"],
        analytics=sections["analytics"],
        replay=sections["replay"],
        alarms=sections["alarms"],
        tags=dict(tags) if isinstance(tags, dict) else {},
    )
    if prefix_ok:
        problems.extend(name_problems(settings, stack, prefix_from_config=isinstance(prefix, str)))
    if problems:
        raise ConfigError(problems)
    return settings


def runtime_config_values() -> dict[str, Any]:
    """Every config value the engine gave the program (``<namespace>:<key>`` -> value as handed)."""
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}


def load_settings() -> Settings:
    """Read the current stack's ``eventfork:*`` config from the Pulumi runtime and parse it."""
    import pulumi

    all_config = runtime_config_values()
    prefix = f"{NAMESPACE}:"
    raw = {key[len(prefix) :]: value for key, value in all_config.items() if key.startswith(prefix)}
    secret_looking = [k for k in raw if k.startswith("config:")]
    for key in secret_looking:
        raw.pop(key)
    return parse_settings(raw, pulumi.get_stack())


__all__ = [
    "ConfigError",
    "Settings",
    "BufferConfig",
    "FanOutConfig",
    "LambdaConfig",
    "KmsConfig",
    "load_settings",
    "parse_settings",
    "DEDUP_WINDOW_SECONDS",
    "LOG_RETENTION_DAYS",
]
