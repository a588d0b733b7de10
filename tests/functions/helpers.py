"""Load a function folder's ``app.py`` under a unique name (the folders are separate Lambda zips)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local.simulate.invokers import load_module

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def load_function(name: str) -> Any:
    return load_module(FUNCTIONS / name, "app", f"eventfork_test_{name}_app")
