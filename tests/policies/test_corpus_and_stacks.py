"""The offline check on the misconfiguration corpus and on every shipped stack."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local.check.runner import check_project

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, str] = json.loads((CORPUS / "expected.json").read_text())
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_misconfiguration_is_caught_on_exactly_that_resource(case: str) -> None:
    result = check_project(CORPUS / case, "dev")
    mandatory = result.mandatory
    assert any(v["policy"] == EXPECTED[case] and v["urn"].endswith("::bad") for v in mandatory), result.violations
    assert all(v["urn"].endswith("::bad") for v in mandatory), mandatory
    for v in mandatory:  # names the resource, says what is wrong, then (after a colon) the fix
        assert "'bad'" in v["message"] and ": " in v["message"], v["message"]


def test_every_policy_of_the_pack_is_exercised_by_the_corpus() -> None:
    sys.path.insert(0, str(ROOT / "policies"))
    from eventfork_policies.pack import POLICIES

    assert {p.name for p in POLICIES} == set(EXPECTED.values())


# The mandatory violations each shipped stack has on purpose. prod's alarm topic has no subscriber in the
# repository: the on-call address is set per deployment (Pulumi.prod.yaml, docs/policies.md).
EXPECTED_MANDATORY: dict[str, list[tuple[str, str]]] = {"prod": [("alarm-topic-has-subscriber", "ops-alarms")]}


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_stacks_have_only_the_expected_mandatory_violations(stack: str) -> None:
    result = check_project(ROOT, stack)
    assert result.resources > 40
    found = sorted((v["policy"], v["urn"].rsplit("::", 1)[1]) for v in result.mandatory)
    assert found == EXPECTED_MANDATORY.get(stack, []), result.mandatory
    for v in result.mandatory:
        if v["policy"] == "alarm-topic-has-subscriber":
            assert v["message"].startswith("topic 'ops-alarms' receives the actions of "), v["message"]
            assert "has no subscription, so alarms go nowhere: add an aws.sns.TopicSubscription" in v["message"]


def test_cli_contract_and_exit_codes() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "local", "check", "--project", str(CORPUS / "kms-topic"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert set(report) == {"resources", "violations"} and report["resources"] == 2
    assert set(report["violations"][0]) == {"policy", "urn", "message", "enforcement"}
    started = time.perf_counter()
    good = subprocess.run(
        [sys.executable, "-m", "local", "check", "--stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "0 mandatory" in good.stdout
    assert time.perf_counter() - started < 30  # the 2 s target is measured by `make bench`
    missing = subprocess.run(
        [sys.executable, "-m", "local", "check", "--project", "/nonexistent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "no Pulumi.yaml" in missing.stderr


def test_unknown_values_at_preview_are_reported_as_unchecked_not_passed() -> None:
    result = check_project(CORPUS / "kms-queue-aws-managed", "dev", preview=True)
    unchecked = [v for v in result.violations if v["message"].startswith("could not check")]
    assert unchecked and all(v["enforcement"] == "advisory" for v in unchecked)
    assert any(v["policy"] == "kms-customer-managed-key" and "kmsMasterKeyId" in v["message"] for v in unchecked)
