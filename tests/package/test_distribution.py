"""The eventfork distribution, built and installed into a fresh virtualenv, used by a small program.

Offline and quick: the wheel is built from a copy of the sources without build isolation, installed
without dependencies into a virtualenv that sees the test environment's packages through a ``.pth``
file (the pinned dependencies, already installed), and nothing of the repository is on its path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.package.test_component_provider import ROOT, start_provider

PROGRAM = ROOT / "examples" / "package-python" / "__main__.py"
RUNNER = Path(__file__).resolve().parent / "run_under_mocks.py"
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Python of a new virtualenv with the eventfork wheel installed (and the pinned dependencies visible)."""
    work = tmp_path_factory.mktemp("distribution")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("eventfork", "functions"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-build-isolation",
        "--no-deps",
        "--no-index",
        "-w",
        "dist",
        source,
        cwd=work,
    )
    (wheel,) = (work / "dist").glob("eventfork-*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", "venv", cwd=work)
    python = work / "venv" / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=work)
    return python


@pytest.fixture(scope="module")
def declared(fresh_python: Path) -> dict[str, Any]:
    """What the example program declares under Pulumi's mocks, run by the fresh virtualenv's Python."""
    output = run(fresh_python, RUNNER, PROGRAM, cwd=fresh_python.parents[2])
    return dict(json.loads(output.strip().splitlines()[-1]))


def test_the_program_imports_eventfork_from_the_installed_distribution(
    fresh_python: Path, declared: dict[str, Any]
) -> None:
    venv = fresh_python.parents[1]
    assert Path(declared["eventfork"]).is_relative_to(venv), declared["eventfork"]
    assert not Path(declared["eventfork"]).is_relative_to(ROOT)


def test_the_program_declares_the_components_with_their_module_tokens(declared: dict[str, Any]) -> None:
    types = {resource["type"] for resource in declared["declared"]}
    assert {
        "eventfork:fanout:EventFanOut",
        "eventfork:buffer:FifoEventBuffer",
        "eventfork:pipelines:StorageBackupPipeline",
    } <= types
    assert not any(t.startswith("eventfork:index:") for t in types)
    assert {"aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:lambda/function:Function"} <= types


def test_functions_are_packaged_from_the_distribution_with_the_pinned_libraries(
    fresh_python: Path, declared: dict[str, Any]
) -> None:
    functions = [r for r in declared["declared"] if r["type"] == "aws:lambda/function:Function"]
    assert len(functions) >= 2  # the buffer function and the backup forwarder (redaction too, by default)
    venv = fresh_python.parents[1]
    for function in functions:
        archive = function["inputs"]["code"]["archive"]
        code = Path(archive["."]["path"])
        assert code.is_relative_to(venv) and code.parent.name == "functions" and code.parent.parent.name == "eventfork"
        assert (code / "app.py").is_file()
        assert "aws_lambda_powertools" in archive
    buffer = next(f for f in functions if "buffer" in f["name"])
    assert buffer["inputs"]["environment"]["variables"]["INTERVAL_SECONDS"] == "30"
    stream = next(r for r in declared["declared"] if r["type"].startswith("aws:kinesis/firehoseDeliveryStream"))
    assert stream["inputs"]["extendedS3Configuration"]["bufferingInterval"] == 120


@pytest.fixture(scope="module")
def installed_schema(fresh_python: Path) -> Iterator[dict[str, Any]]:
    yield from start_provider([str(fresh_python), "-m", "eventfork"])


def test_the_installed_plugin_serves_the_schema_the_clone_serves(
    installed_schema: dict[str, Any], schema: dict[str, Any]
) -> None:
    assert installed_schema == schema


def test_dependencies_are_the_pins_of_requirements_txt() -> None:
    """The plugin's virtualenv gets ``pip install .`` and ``requirements.txt`` (the language host's
    InstallDependencies): both must be exactly the package's own pins, no program-only package."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines())
    pins = [line for line in lines if line]
    assert dependencies and sorted(pins) == sorted(dependencies)
