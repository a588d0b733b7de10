"""Config sections of the event fork pipelines and alarms (``eventfork:backup`` and friends)."""

from __future__ import annotations

from dataclasses import dataclass

from config_schema import Rule, setting


@dataclass(frozen=True)
class BackupConfig:
    """``eventfork:backup``: storage & backup pipeline."""

    enabled: bool = setting(True, Rule("bool"))


@dataclass(frozen=True)
class AnalyticsConfig:
    """``eventfork:analytics``: search & analytics pipeline."""

    enabled: bool = setting(False, Rule("bool"))


@dataclass(frozen=True)
class ReplayConfig:
    """``eventfork:replay``: replay pipeline."""

    enabled: bool = setting(True, Rule("bool"))
    active: bool = setting(False, Rule("bool"))


@dataclass(frozen=True)
class AlarmsConfig:
    """``eventfork:alarms``: alarms and their notification topic."""

    enabled: bool = setting(True, Rule("bool"))


PIPELINE_SECTIONS: dict[str, type] = {
    "backup": BackupConfig,
    "analytics": AnalyticsConfig,
    "replay": ReplayConfig,
    "alarms": AlarmsConfig,
}
