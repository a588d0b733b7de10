"""Capture: run a Pulumi Python program under the mock runtime and record what the engine would get.

``project`` reads the project and its stack config; ``program`` runs it (``runtime``) under the mock
monitor (``monitor``) with mocks that answer as the provider would offline (``mocks``, ``invokes``,
``aws_outputs``, ``policy_document``); ``model`` and ``wire`` hold what was captured; ``plan`` and
``outputs`` are the commands built on it.
"""

from local.account import ACCOUNT_ID, REGION
from local.capture.model import Capture, CapturedResource, CaptureError
from local.capture.program import (
    PROJECT_ROOT,
    ProgramError,
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
    "ProgramError",
    "_config_strings",
    "capture",
    "deep_merge",
    "load_project",
    "load_stack_config",
]
