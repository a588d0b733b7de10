"""The config sections of the event fork pipelines and alarms, by their key under ``eventfork:``.

Every parameter of the AWS Event Fork Pipelines applications has a key in one of these sections,
each defined in its own module; this one assembles them for the stack config.
"""

from __future__ import annotations

from eventfork.config.alarms import AlarmsConfig
from eventfork.config.analytics import AnalyticsConfig
from eventfork.config.backup import BackupConfig
from eventfork.config.replay import ReplayConfig

PIPELINE_SECTIONS: dict[str, type] = {
    "backup": BackupConfig,
    "analytics": AnalyticsConfig,
    "replay": ReplayConfig,
    "alarms": AlarmsConfig,
}

__all__ = ["PIPELINE_SECTIONS"]
