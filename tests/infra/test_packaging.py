"""Every function ships the Powertools the tests run: the distributions requirements.txt pins, no public layer."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from eventfork.components.parts.packaging import (
    BUNDLED_DISTRIBUTIONS,
    PROVIDED_BY_RUNTIME,
    PackagingError,
    bundled_distributions,
    normalize,
    pinned_versions,
)
from stack_config import ConfigError, parse_settings
from tests.infra.plans import ROOT, plan

FUNCTION = "aws:lambda/function:Function"
ALL_PIPELINES = {
    "eventfork:analytics": {"enabled": True, "transform": True},
    "eventfork:backup": {"enabled": True, "redaction": True},
    "eventfork:replay": {"enabled": True},
}


def requirements_pin(name: str) -> str:
    pins = pinned_versions(ROOT / "requirements.txt")
    assert normalize(name) in pins, f"{name} is not pinned in requirements.txt"
    return pins[normalize(name)]


def test_every_function_archive_carries_the_pinned_powertools_and_no_layer() -> None:
    functions = plan(overrides=ALL_PIPELINES).by_type(FUNCTION)
    assert len(functions) == 7  # buffer, two forwarders, two transforms, the domain's setup, replay
    pinned = requirements_pin("aws-lambda-powertools")
    for fn in functions:
        assert not fn.inputs.get("layers"), f"{fn.name} still uses a layer"
        assets = fn.inputs["code"]["assets"]
        assert (Path(assets["."]["archive"]) / "app.py").is_file(), fn.name
        shipped = Path(assets["aws_lambda_powertools"]["assets"]["."]["archive"])
        version = (shipped / "shared" / "version.py").read_text()
        assert re.search(r'VERSION = "([^"]+)"', version).group(1) == pinned, fn.name  # type: ignore[union-attr]
        for dist in bundled_distributions():
            for top, path in dist.entries.items():
                entry = assets[top]
                shipped_at = entry["assets"]["."]["archive"] if path.is_dir() else entry["path"]
                assert shipped_at == str(path), (fn.name, top)


def test_the_function_code_is_the_one_folder_at_the_archive_root() -> None:
    fn = next(f for f in plan().by_type(FUNCTION) if f.name == "buffer-function")
    assets = fn.inputs["code"]["assets"]
    assert assets["."]["archive"].endswith("functions/buffer")
    assert [key for key, entry in assets.items() if "archive" in entry] == ["."]


@pytest.mark.parametrize("name", BUNDLED_DISTRIBUTIONS)
def test_each_bundled_distribution_is_the_pinned_one(name: str) -> None:
    assert importlib.metadata.version(name) == requirements_pin(name)
    [dist] = [d for d in bundled_distributions() if d.name == name]
    assert dist.version == requirements_pin(name) and dist.entries
    assert all(path.exists() for path in dist.entries.values())
    assert any(top.endswith(".dist-info") for top in dist.entries)  # importlib.metadata works in Lambda too


def test_bundle_is_closed_under_dependencies_of_powertools_and_its_tracer() -> None:
    """Everything Powertools (with the tracer the buffer uses) imports is shipped or comes with the runtime."""
    shipped = {normalize(n) for n in (*BUNDLED_DISTRIBUTIONS, *PROVIDED_BY_RUNTIME)}
    for name in BUNDLED_DISTRIBUTIONS:
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            needed = requirement.marker is None or requirement.marker.evaluate({"extra": "tracer"})
            if needed:
                assert normalize(requirement.name) in shipped, (name, line)


def test_a_version_other_than_the_pinned_one_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import eventfork.components.parts.packaging as packaging

    other = tmp_path / "requirements.txt"
    other.write_text(
        (ROOT / "requirements.txt").read_text().replace("aws-lambda-powertools==", "aws-lambda-powertools==0.0.")
    )
    monkeypatch.setattr(packaging, "REQUIREMENTS", other)
    monkeypatch.setattr(packaging, "pinned_versions", lambda: pinned_versions(other))
    packaging.bundled_distributions.cache_clear()
    try:
        with pytest.raises(
            PackagingError, match=r"aws-lambda-powertools 3\.\S+ is installed but requirements.txt pins"
        ):
            packaging.bundled_distributions()
    finally:
        packaging.bundled_distributions.cache_clear()


def test_requirement_pins_are_read_with_extras_and_markers(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("# x\nFoo_Bar==1.2.3\nbaz[extra]==4.5 ; python_version>'3'\nqux>=1\n")
    assert pinned_versions(path) == {"foo-bar": "1.2.3", "baz": "4.5"}


def test_the_layer_version_key_is_gone() -> None:
    with pytest.raises(ConfigError, match=r"eventfork:lambda.powertoolsLayerVersion: unknown key"):
        parse_settings({"lambda": {"powertoolsLayerVersion": 27}}, "dev")
