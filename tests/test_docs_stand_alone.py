"""The documentation stands alone: every link resolves inside the repository, nothing points outside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
EXTERNAL = ("http://", "https://", "mailto:")
# Documents a user needs that live outside this repository (design notes, absolute paths).
OUTSIDE = re.compile(r"DESIGN\.md|/work/|/home/|file://")


def _docs() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    docs = [ROOT / name for name in listed if ".venv" not in name and "/venv/" not in name]
    assert any(d.name == "README.md" for d in docs) and any(d.parent.name == "docs" for d in docs)
    return docs


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", doc.read_text(), flags=re.MULTILINE)}


def broken_links(doc: Path, text: str | None = None) -> list[str]:
    problems = []
    for target in LINK.findall(doc.read_text() if text is None else text):
        if target.startswith(EXTERNAL):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (doc.parent / path_part).resolve() if path_part else doc
        if not resolved.exists():
            problems.append(f"{doc.relative_to(ROOT)}: {target} (no such file)")
        elif not str(resolved).startswith(str(ROOT)):
            problems.append(f"{doc.relative_to(ROOT)}: {target} (outside the repository)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            problems.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    return problems


def test_no_doc_links_to_a_missing_file_or_heading() -> None:
    problems = [p for doc in _docs() for p in broken_links(doc)]
    assert not problems, "\n".join(problems)


def test_no_doc_points_outside_the_repository() -> None:
    found = [
        f"{doc.relative_to(ROOT)}:{n}: {line.strip()}"
        for doc in _docs()
        for n, line in enumerate(doc.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see [design](DESIGN.md)", ["x.md: DESIGN.md (no such file)"]),
        ("see [local](docs/local.md#no-such-heading)", ["x.md: docs/local.md#no-such-heading (no such heading)"]),
        ("see [local](docs/local.md) and [web](https://example.com)", []),
    ],
)
def test_the_link_check_can_fail(text: str, expected: list[str]) -> None:
    assert broken_links(ROOT / "x.md", text) == expected
