"""eventfork: an ordered, exactly-once SQS FIFO event buffer in front of an SNS fan-out with event fork pipelines.

The components, for any Pulumi Python program (``pip install eventfork``)::

    from eventfork import EventFanOut, EventFanOutArgs, FifoEventBuffer, FifoEventBufferArgs

Other languages use the same components through ``pulumi package add`` (``python -m eventfork``
hosts them with Pulumi's component provider; see ``PulumiPlugin.yaml``).
"""

from eventfork.components.buffer import FifoEventBuffer, FifoEventBufferArgs
from eventfork.components.fanout import EventFanOut, EventFanOutArgs
from eventfork.components.replay import ReplayPipeline, ReplayPipelineArgs
from eventfork.components.search_analytics import SearchAnalyticsPipeline, SearchAnalyticsPipelineArgs
from eventfork.components.storage_backup import StorageBackupPipeline, StorageBackupPipelineArgs
from eventfork.config.analytics import AnalyticsConfig
from eventfork.config.backup import BackupConfig
from eventfork.config.buffer import BufferConfig
from eventfork.config.replay import ReplayConfig

__version__ = "0.1.0"
COMPONENTS = (FifoEventBuffer, EventFanOut, StorageBackupPipeline, SearchAnalyticsPipeline, ReplayPipeline)

__all__ = [
    "COMPONENTS",
    "AnalyticsConfig",
    "BackupConfig",
    "BufferConfig",
    "EventFanOut",
    "EventFanOutArgs",
    "FifoEventBuffer",
    "FifoEventBufferArgs",
    "ReplayConfig",
    "ReplayPipeline",
    "ReplayPipelineArgs",
    "SearchAnalyticsPipeline",
    "SearchAnalyticsPipelineArgs",
    "StorageBackupPipeline",
    "StorageBackupPipelineArgs",
]
