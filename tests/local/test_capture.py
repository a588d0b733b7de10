"""The offline capture: URNs, parents, camelCase inputs, stack references."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.capture import CaptureError, capture
from tests.infra.plans import plan

ROOT = Path(__file__).resolve().parents[2]


def test_urns_and_parents_are_built_like_the_engine_builds_them() -> None:
    p = plan()
    queue = next(r for r in p.resources if r.name == "buffer-queue")
    assert queue.urn == (
        "urn:pulumi:dev::eventfork::eventfork:buffer:FifoEventBuffer$aws:sqs/queue:Queue::buffer-queue"
    )
    component = next(r for r in p.resources if r.type == "eventfork:buffer:FifoEventBuffer")
    assert queue.parent == component.urn
    assert component.parent == "urn:pulumi:dev::eventfork::pulumi:pulumi:Stack::eventfork-dev"
    assert component.custom is False and queue.custom is True
    assert "visibilityTimeoutSeconds" in queue.inputs and "visibility_timeout_seconds" not in queue.inputs


def test_stack_reference_naming_eventfork_resolves_from_its_own_plan(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: refuser\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nref = pulumi.StackReference('acme/eventfork/dev')\n"
        "pulumi.export('q', ref.require_output('primaryQueueArn'))\n"
    )
    assert capture(tmp_path, "dev").outputs == {"q": plan().outputs["primaryQueueArn"]}


def test_stack_reference_to_an_unknown_project_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: refuser\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.StackReference('acme/other/dev')\n")
    with pytest.raises(CaptureError, match="program's own project's stacks .refuser/<stack>"):
        capture(tmp_path, "dev")


def test_a_directory_without_pulumi_yaml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no Pulumi.yaml"):
        capture(tmp_path, "dev")
