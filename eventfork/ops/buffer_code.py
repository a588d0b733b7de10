"""The buffer function's own modules, so the operator's dry run decides exactly as the buffer does.

They are plain modules importing each other by name (Lambda puts the function's folder on the path):
``functions/buffer`` in a clone, ``eventfork/functions/buffer`` in an installed distribution. Their
names are short (``records``, ``decisions``, ...), so a module of the same name elsewhere on the path
must never stand in for one of them: the folder comes first while they are imported, and each module
is checked to be the buffer's.
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
        if (candidate / "decisions.py").is_file():
            return candidate
    raise ImportError(f"the buffer function's code is not found in {', '.join(str(c) for c in CANDIDATES)}")


def load(name: str) -> ModuleType:
    """One of the buffer's modules (``decisions``, ``records``, ``group_state``, ...), imported once."""
    folder = str(buffer_dir())
    sys.path.insert(0, folder)
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(folder)
    where = Path(str(getattr(module, "__file__", ""))).resolve().parent
    if where not in CANDIDATES:
        raise ImportError(f"module {name!r} from {where} stands in for the buffer function's own")
    return module
