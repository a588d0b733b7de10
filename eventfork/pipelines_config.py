"""The config sections of the event fork pipelines and alarms, by their key under ``eventfork:``.

Every parameter of the AWS Event Fork Pipelines applications has a key in one of these sections,
each defined in its own module; this one assembles them for the stack config.
"""

from __future__ import annotations

from eventfork.alarms_config import AlarmsConfig
from eventfork.analytics_config import AnalyticsConfig
from eventfork.backup_config import BackupConfig
from eventfork.replay_config import ReplayConfig

PIPELINE_SECTIONS: dict[str, type] = {
    "backup": BackupConfig,
    "analytics": AnalyticsConfig,
    "replay": ReplayConfig,
    "alarms": AlarmsConfig,
}

__all__ = ["PIPELINE_SECTIONS"]
