"""``local/`` is layered by concern: each sub-package imports only the layers below it, never a circle."""

from __future__ import annotations

import ast
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


def _imported_layers(path: Path) -> set[str]:
    layers: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
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
