"""The Python packages every function ships with: exactly the versions requirements.txt pins.

Installed from its distribution (no requirements.txt beside it), eventfork checks against the same
pins as its own metadata states them (``pyproject.toml`` dependencies).

The functions do not use the public Powertools layer: its version number is not derivable from the
package version, so a pinned layer and a pinned package drift apart. Instead each function's archive
carries the installed (pinned, tested) distributions below, and the program refuses to package any
other version than the one pinned.
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pulumi

REQUIREMENTS = Path(__file__).resolve().parents[3] / "requirements.txt"
DISTRIBUTION = "eventfork"
# Powertools, its dependencies and those of its tracer extra. boto3/botocore come with the Lambda runtime.
BUNDLED_DISTRIBUTIONS = ("aws-lambda-powertools", "aws-xray-sdk", "jmespath", "typing-extensions", "wrapt")
PROVIDED_BY_RUNTIME = ("boto3", "botocore")


class PackagingError(RuntimeError):
    """An installed distribution is not the version requirements.txt pins; nothing is declared."""


@dataclass(frozen=True)
class BundledDistribution:
    """One distribution as installed: its version and its top-level files and folders."""

    name: str
    version: str
    entries: dict[str, Path]


def normalize(name: str) -> str:
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """``name==version`` lines of a requirements file (else of the installed distribution), by normalized name."""
    pins: dict[str, str] = {}
    if requirements.is_file():
        lines = requirements.read_text().splitlines()
    else:
        lines = importlib.metadata.requires(DISTRIBUTION) or []
    for line in lines:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*==\s*([^\s;#]+).*", line)
        if match:
            pins[normalize(match.group(1))] = match.group(3)
    return pins


def _top_level(dist: importlib.metadata.Distribution) -> dict[str, Path]:
    """What the distribution installed at the top of site-packages (packages, modules, its dist-info)."""
    entries: dict[str, Path] = {}
    for file in dist.files or []:
        top = file.parts[0]
        if top in ("..", "__pycache__") or (len(file.parts) == 1 and not top.endswith(".py")):
            continue
        entries[top] = Path(str(dist.locate_file(top)))
    return entries


@lru_cache(maxsize=1)
def bundled_distributions() -> tuple[BundledDistribution, ...]:
    """The installed distributions, each checked against its pin in requirements.txt."""
    pins = pinned_versions()
    bundled = []
    for name in BUNDLED_DISTRIBUTIONS:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as missing:
            raise PackagingError(f"{name} is not installed: run pip install -r requirements.txt") from missing
        pinned = pins.get(normalize(name))
        if pinned is None:
            raise PackagingError(f"{name} has no ==version pin in {REQUIREMENTS.name}; the functions ship it")
        if dist.version != pinned:
            raise PackagingError(
                f"{name} {dist.version} is installed but {REQUIREMENTS.name} pins {pinned}: "
                "run pip install -r requirements.txt"
            )
        bundled.append(BundledDistribution(name=name, version=dist.version, entries=_top_level(dist)))
    return tuple(bundled)


def function_archive(code_path: Path, shared_modules: tuple[Path, ...] = ()) -> pulumi.AssetArchive:
    """The function's own folder at the root of its archive, with the pinned distributions beside it.

    ``shared_modules`` (files of ``functions/shared``) go at the root too, importable by name.

    Each package folder goes in as a nested archive, so the function's folder stays the one folder
    archive at the top (the one ``python -m local`` runs the handler from).
    """
    entries: dict[str, pulumi.Asset | pulumi.Archive] = {".": pulumi.FileArchive(str(code_path))}
    for module in shared_modules:
        entries[module.name] = pulumi.FileAsset(str(module))
    for dist in bundled_distributions():
        for top, path in dist.entries.items():
            if path.is_dir():
                entries[top] = pulumi.AssetArchive({".": pulumi.FileArchive(str(path))})
            else:
                entries[top] = pulumi.FileAsset(str(path))
    return pulumi.AssetArchive(entries)
