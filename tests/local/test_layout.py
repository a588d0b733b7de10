"""The code is laid out by concern, without import circles.

``local/`` is layered: each sub-package imports only the layers below it. ``eventfork/components/`` holds
the public components and ``eventfork/components/parts/`` the builders they compose; no module of
``eventfork/`` takes part in an import circle.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "local"
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


# ---- eventfork/: public components apart from their parts, no import circle ----------------------------
EVENTFORK = ROOT / "eventfork"
COMPONENTS = EVENTFORK / "components"
PARTS = COMPONENTS / "parts"
# Modules beside the components that are not components: the package marker and the argument checks the
# components share with the plugin's inputs.
NOT_COMPONENTS = {"__init__", "arg_checks"}

# Every import statement anywhere in the file (also under ``if TYPE_CHECKING:`` and inside functions: a
# circle that only type checking or a late import hides is still a circle), as the names it may bind:
# ``from a.b import c`` gives "a.b" and "a.b.c" (c may be a module).
_GRAPH_SCRIPT = """
import ast, json, sys
found = {}
for path, module, is_package in json.loads(sys.argv[1]):
    package = module if is_package else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            names.append([source, *(f"{source}.{alias.name}" for alias in node.names)])
        elif isinstance(node, ast.Import):
            names.extend([alias.name] for alias in node.names)
    found[module] = names
print(json.dumps(found))
"""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _statements(top: str) -> tuple[set[str], dict[str, list[list[str]]]]:
    """The modules under ``top`` and, for each, its import statements as ``[source, *members]``."""
    files = sorted((ROOT / top).rglob("*.py"))
    listing = [[str(p), _module_name(p), p.name == "__init__.py"] for p in files]
    done = subprocess.run(
        [sys.executable, "-c", _GRAPH_SCRIPT, json.dumps(listing)], capture_output=True, text=True, check=True
    )
    return {module for _, module, _ in listing}, json.loads(done.stdout)


def _import_graph(top: str) -> dict[str, set[str]]:
    """Module -> the modules of ``top`` it imports by name (not the parent packages Python also runs)."""
    known, found = _statements(top)
    graph: dict[str, set[str]] = {}
    for module, statements in found.items():
        targets: set[str] = set()
        for source, *members in statements:
            as_modules = {m for m in members if m in known}
            targets |= as_modules
            if source in known and (not members or len(as_modules) < len(members)):
                targets.add(source)
        graph[module] = targets - {module}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == module:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _component_classes(path: Path) -> list[str]:
    """Classes in the file deriving from ``pulumi.ComponentResource``."""
    script = (
        "import ast, sys; tree = ast.parse(open(sys.argv[1], encoding='utf-8').read()); "
        "print(' '.join(n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and any("
        "ast.unparse(b) in ('pulumi.ComponentResource', 'ComponentResource') for b in n.bases)))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_the_circle_finder_sees_a_circle() -> None:
    """The check below can fail: a two-module and a three-module circle are found, a chain is not."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c", "f"}, "f": set()}
    assert _circles(graph) == [["a", "b"], ["c", "d", "e"]]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_import_graph_reads_every_form_of_import() -> None:
    graph = _import_graph("eventfork")
    # "from eventfork.components.parts.hosting import schema_view": the module, not its package
    assert "eventfork.components.parts.hosting" in graph["eventfork.config.analytics"]
    # "from eventfork.components.buffer import FifoEventBuffer" in the package's __init__
    assert "eventfork.components.buffer" in graph["eventfork"]


def test_no_module_of_eventfork_is_in_an_import_circle() -> None:
    circles = _circles(_import_graph("eventfork"))
    assert not circles, [" <-> ".join(c) for c in circles]


def test_the_policy_pack_has_no_import_circle() -> None:
    circles = _circles(_import_graph("policies"))
    assert not circles, [" <-> ".join(c) for c in circles]


def test_components_holds_only_public_components() -> None:
    """Each module beside the parts declares a ComponentResource; a builder there would be a part."""
    offending = [
        path.name
        for path in sorted(COMPONENTS.glob("*.py"))
        if path.stem not in NOT_COMPONENTS and not _component_classes(path)
    ]
    assert not offending, f"not components, belong in {PARTS.relative_to(ROOT)}/: {offending}"


def test_the_public_components_are_the_ones_users_compose() -> None:
    import eventfork

    public = {path.stem for path in COMPONENTS.glob("*.py")} - NOT_COMPONENTS
    exported = {component.__module__.rpartition(".")[2] for component in eventfork.COMPONENTS}
    composed = {
        source.removeprefix("eventfork.components.")
        for source, *_ in _statements("infra")[1]["infra.__main__"]
        if source.startswith("eventfork.components.") and not source.startswith("eventfork.components.parts")
    }
    assert len(exported) == len(eventfork.COMPONENTS) and exported <= public, exported - public
    # The program composes the hosted five and Observability, ExistingTopic, all from the public modules.
    assert {"observability", "existing_topic"} <= composed <= public, composed - public


def test_parts_declare_no_component_and_import_no_component() -> None:
    graph = _import_graph("eventfork")
    public = {f"eventfork.components.{path.stem}" for path in COMPONENTS.glob("*.py")} - {
        f"eventfork.components.{m}" for m in NOT_COMPONENTS
    }
    offending = []
    for path in sorted(PARTS.glob("*.py")):
        offending += [f"{path.name} declares {c}" for c in _component_classes(path)]
        offending += [f"{path.name} imports {m}" for m in sorted(graph[_module_name(path)] & public)]
    assert not offending, offending
