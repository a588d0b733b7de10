"""``local/`` is layered by concern: each sub-package imports only the layers below it, never a circle."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

LOCAL = Path(__file__).resolve().parents[2] / "local"
# Sub-package -> the sub-packages it may import. ``account`` is shared constants.
ALLOWED: dict[str, set[str]] = {
    "account": set(),
    "capture": {"account"},
    "emulator": {"account"},
    "check": {"capture", "account"},
    "simulate": {"capture", "emulator", "account"},
    "bench": {"simulate", "check", "capture", "emulator", "account"},
}


def _layer(path: Path) -> str:
    relative = path.relative_to(LOCAL)
    return relative.parts[0].removesuffix(".py")


# Parsed in a fresh interpreter: CPython 3.11.7's ast module can raise "AST constructor recursion depth
# mismatch" for any file once an earlier test in the same process left its depth counter off
# (python/cpython gh-106905, fixed in 3.11.9), which made this test fail by test order.
_IMPORTS_SCRIPT = """
import ast, json, sys
found = {}
for path in sys.argv[1:]:
    names = []
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    found[path] = names
print(json.dumps(found))
"""


@functools.cache
def _imports() -> dict[str, list[str]]:
    """Module names each file under ``local/`` imports."""
    paths = [str(p) for p in sorted(LOCAL.rglob("*.py"))]
    done = subprocess.run([sys.executable, "-c", _IMPORTS_SCRIPT, *paths], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _imported_layers(path: Path) -> set[str]:
    layers: set[str] = set()
    for name in _imports()[str(path)]:
        parts = name.split(".")
        if parts[0] == "local" and len(parts) > 1:
            layers.add(parts[1])
    return layers


def test_every_module_belongs_to_a_known_layer() -> None:
    layers = {_layer(p) for p in LOCAL.rglob("*.py")} - {"__init__", "__main__"}
    assert layers == set(ALLOWED), f"unexpected layers: {layers ^ set(ALLOWED)}"


def test_layers_import_only_what_is_below_them() -> None:
    offending = []
    for path in sorted(LOCAL.rglob("*.py")):
        layer = _layer(path)
        if layer in ("__init__", "__main__"):
            continue
        for used in _imported_layers(path) - {layer}:
            if used not in ALLOWED[layer]:
                offending.append(f"{path.relative_to(LOCAL)} imports local.{used}")
    assert not offending, offending


def test_the_allowed_graph_has_no_circle() -> None:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(layer: str, trail: tuple[str, ...]) -> None:
        assert layer not in visiting, f"circle: {' -> '.join((*trail, layer))}"
        if layer in done:
            return
        visiting.add(layer)
        for below in ALLOWED[layer]:
            visit(below, (*trail, layer))
        visiting.discard(layer)
        done.add(layer)

    for layer in ALLOWED:
        visit(layer, ())
    assert done == set(ALLOWED)
