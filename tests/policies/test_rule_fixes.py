"""Rules decide on what a program states, not on eventfork's own conventions or on unrelated unknowns."""

from __future__ import annotations

import json
from pathlib import Path

from local.check.runner import CheckResult, check_project

PROGRAMS = Path(__file__).resolve().parents[1] / "local" / "programs"


def _of(result: CheckResult, policy: str) -> list[dict[str, str]]:
    return [v for v in result.violations if v["policy"] == policy]


def test_an_ordering_dependency_does_not_lend_encryption_to_another_bucket() -> None:
    result = check_project(PROGRAMS / "bucket-depends-on", "dev")
    flagged = [v["urn"].rsplit("::", 1)[1] for v in _of(result, "s3-bucket-kms-encryption")]
    assert flagged == ["plain"], result.violations
    assert all(v["enforcement"] == "mandatory" for v in _of(result, "s3-bucket-kms-encryption"))


def test_an_unknown_value_at_preview_leaves_only_its_own_bucket_unchecked() -> None:
    result = check_project(PROGRAMS / "preview-unknown-bucket", "dev", preview=True)
    found = _of(result, "s3-bucket-kms-encryption")
    mandatory = [v for v in found if v["enforcement"] == "mandatory"]
    assert [v["urn"].rsplit("::", 1)[1] for v in mandatory] == ["plain"], found
    unchecked = [v for v in found if v["message"].startswith("could not check")]
    assert len(unchecked) == 1 and "'pending'" in unchecked[0]["message"], found
    assert unchecked[0]["enforcement"] == "advisory"
    assert (
        unchecked[0]["urn"] == "urn:pulumi:dev::prog-preview-unknown-bucket::pulumi:pulumi:Stack::"
        "prog-preview-unknown-bucket-dev"
    )


def test_a_redrive_policy_resource_and_other_dlq_naming_conventions_are_recognised(tmp_path: Path) -> None:
    config = tmp_path / "all-mandatory.json"
    config.write_text(json.dumps({"queue-redrive-policy": "mandatory"}))
    result = check_project(PROGRAMS / "redrive-resource", "dev", False, policy_config=config)
    assert _of(result, "queue-redrive-policy") == [], result.violations
    # at a first preview every queue's redrivePolicy is a computed output not known yet (as the engine sends
    # it), so the server can only say it could not run the policy: advisory, never a violation
    preview = _of(
        check_project(PROGRAMS / "redrive-resource", "dev", True, policy_config=config), "queue-redrive-policy"
    )
    assert [(v["enforcement"], v["message"].split(":")[0]) for v in preview] == [
        ("advisory", "could not check during preview")
    ]


def test_a_queue_without_any_dead_letter_queue_is_still_flagged_with_generic_advice(tmp_path: Path) -> None:
    config = tmp_path / "all-mandatory.json"
    config.write_text(json.dumps({"queue-redrive-policy": "mandatory"}))
    [violation] = _of(check_project(PROGRAMS / "lonely-queue", "dev", policy_config=config), "queue-redrive-policy")
    assert violation["enforcement"] == "mandatory" and violation["urn"].endswith("::work")
    assert "eventfork" not in violation["message"] and "redrive" in violation["message"]
