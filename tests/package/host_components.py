"""Hosts the five components with Pulumi's Python component provider, as a plugin's entry point does."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "infra")]

from pulumi.provider.experimental import component_provider_host  # noqa: E402

from components.buffer import FifoEventBuffer  # noqa: E402
from components.fanout import EventFanOut  # noqa: E402
from components.replay import ReplayPipeline  # noqa: E402
from components.search_analytics import SearchAnalyticsPipeline  # noqa: E402
from components.storage_backup import StorageBackupPipeline  # noqa: E402

if __name__ == "__main__":
    component_provider_host(
        [FifoEventBuffer, EventFanOut, StorageBackupPipeline, SearchAnalyticsPipeline, ReplayPipeline],
        name="eventfork",
        version="0.1.0",
    )
