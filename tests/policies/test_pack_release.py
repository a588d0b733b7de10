"""The pack as a published product: a semantic version that matches the changelog's newest entry."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "policies"))
from eventfork_policies.pack import POLICIES  # noqa: E402

SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"


def _pack_version() -> str:
    project = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    return str(project["version"])


def _changelog() -> str:
    return (ROOT / "policies" / "CHANGELOG.md").read_text()


def _changelog_versions(text: str) -> list[str]:
    return re.findall(r"^## (\S+)", text, flags=re.MULTILINE)


def test_pack_version_is_semantic() -> None:
    assert re.fullmatch(SEMVER, _pack_version())


def test_changelog_newest_entry_is_the_pack_version() -> None:
    versions = _changelog_versions(_changelog())
    assert versions, "policies/CHANGELOG.md has no '## <version>' entry"
    assert versions[0] == _pack_version()
    assert all(re.fullmatch(SEMVER, v) for v in versions)


def test_changelog_versions_only_go_up() -> None:
    keys = [tuple(int(n) for n in v.split("-")[0].split("+")[0].split(".")) for v in _changelog_versions(_changelog())]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)


def test_a_version_mismatch_is_detected() -> None:
    """The comparison above can fail: a changelog whose newest entry is another version."""
    assert _changelog_versions("# x\n\n## 1.1.0\n\n- y\n\n## 1.0.0\n")[0] != "1.0.0"


def test_every_policy_of_the_pack_is_in_the_changelog() -> None:
    text = _changelog()
    missing = [p.name for p in POLICIES if f"`{p.name}`" not in text]
    assert not missing, f"policies/CHANGELOG.md does not mention {missing}"
