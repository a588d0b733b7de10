"""Capture: run a Pulumi Python program under the mock runtime and record what the engine would get.

``program`` loads the project and its stack config and runs it; ``mocks`` is the mock monitor;
``model`` holds the captured resources; ``plan`` and ``outputs`` are the commands built on it.
"""

from local.account import ACCOUNT_ID, REGION
from local.capture.model import Capture, CapturedResource, CaptureError
from local.capture.program import (
    PROJECT_ROOT,
    _config_strings,
    capture,
    deep_merge,
    load_project,
    load_stack_config,
)

__all__ = [
    "ACCOUNT_ID",
    "PROJECT_ROOT",
    "REGION",
    "Capture",
    "CaptureError",
    "CapturedResource",
    "_config_strings",
    "capture",
    "deep_merge",
    "load_project",
    "load_stack_config",
]
