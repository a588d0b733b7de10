"""The buffer function's own modules, so the operator's dry run decides exactly as the buffer does.

They are plain modules importing each other by name (Lambda puts the function's folder on the path):
``functions/buffer`` in a clone, ``eventfork/functions/buffer`` in an installed distribution.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

_PACKAGE = Path(__file__).resolve().parents[1]
CANDIDATES = (_PACKAGE / "functions" / "buffer", _PACKAGE.parent / "functions" / "buffer")


def buffer_dir() -> Path:
    for candidate in CANDIDATES:
        if (candidate / "buffer_decisions.py").is_file():
            return candidate
    raise ImportError(f"the buffer function's code is not found in {', '.join(str(c) for c in CANDIDATES)}")


def load(name: str) -> ModuleType:
    """One of the buffer's modules (``buffer_decisions``, ``buffer_records``, ...), imported once."""
    folder = str(buffer_dir())
    if folder not in sys.path:
        sys.path.append(folder)  # after everything else: never shadows another module
    return importlib.import_module(name)
