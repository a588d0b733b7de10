"""The corpus of small programs in programs/: each runs as the engine runs it, under the check's contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.capture import Capture, CaptureError, capture
from local.capture.wire import ARCHIVE_SIG, ASSET_SIG, SECRET_SIG, SIG, UNKNOWN
from local.check.runner import check_project

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
_PLANS: dict[tuple[str, bool], Capture] = {}


def plan_of(name: str, preview: bool = False, **kwargs: Any) -> Capture:
    if kwargs:
        return capture(PROGRAMS / name, "dev", preview=preview, **kwargs)
    if (name, preview) not in _PLANS:
        _PLANS[(name, preview)] = capture(PROGRAMS / name, "dev", preview=preview)
    return _PLANS[(name, preview)]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def by_name(plan: Capture, name: str) -> Any:
    [found] = [r for r in plan.resources if r.name == name]
    return found


def test_there_are_at_least_fifteen_programs() -> None:
    assert len([p for p in PROGRAMS.iterdir() if (p / "__main__.py").is_file()]) >= 15


def test_resources_passed_as_inputs_run_the_same_every_time() -> None:
    runs = [
        json.dumps([r.as_plan_entry() for r in plan_of("resource-refs", **{"timeout": 60}).resources]) for _ in range(3)
    ]
    assert runs[0] == runs[1] == runs[2]
    plan = plan_of("resource-refs")
    role, fn, bucket = by_name(plan, "role"), by_name(plan, "fn"), by_name(plan, "bucket")
    assert by_name(plan, "exec").wire["role"] == role.id != ""  # a reference reaches the provider as the id
    assert by_name(plan, "invoke").wire["function"] == fn.id
    assert by_name(plan, "policy").wire["bucket"] == bucket.id
    assert by_name(plan, "invoke").property_dependencies["function"] == [fn.urn]


def test_the_policy_document_is_built_as_the_provider_builds_it() -> None:
    plan = plan_of("invokes")
    document = json.loads(by_name(plan, "wide").wire["policy"])
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Everything", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                "Resource": "arn:aws:sqs:us-east-1:1:q",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}},
            },
        ],
    }
    assert by_name(plan, "wide").wire["policy"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [')
    result = check_project(PROGRAMS / "invokes", "dev")
    wildcards = [v for v in result.violations if v["policy"] == "iam-no-wildcards"]
    assert any("s3:*" in v["message"] for v in wildcards), result.violations


def test_invokes_the_provider_answers_offline_are_computed_the_others_unknown() -> None:
    outputs = plan_of("invokes").root.wire_outputs  # type: ignore[union-attr]
    assert (outputs["partition"], outputs["region"], outputs["dnsSuffix"]) == ("aws", "us-east-1", "amazonaws.com")
    assert outputs["ami"].startswith("ami-") and outputs["zones"][0] == "us-east-1a"  # the emulator's account
    assert outputs["registry"] == UNKNOWN and outputs["topic"] == UNKNOWN
    assert plan_of("invokes").unanswered_invokes == [
        "aws:ecr/getAuthorizationToken:getAuthorizationToken",
        "aws:sns/getTopic:getTopic",
    ]
    assert plan_of("invokes", preview=True).root.wire_outputs["account"] == "123456789012"  # type: ignore[union-attr]


def test_a_synchronous_invoke_only_aws_can_answer_is_a_clean_error() -> None:
    done = cli("check", "--project", str(PROGRAMS / "sync-invoke"), "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert json.loads(done.stdout)["error"].startswith("program failed at __main__.py:5: invoke aws:sns/getTopic")


def test_provider_computed_outputs_are_unknown_never_none() -> None:
    outputs = plan_of("apply-chains").root.wire_outputs  # type: ignore[union-attr]
    assert outputs["publicIp"] == UNKNOWN and outputs["url"] == UNKNOWN  # the apply did not run on None
    assert outputs["label"] == "queue:arn:aws:sqs:us-east-1:123456789012:jobs"  # the callback ran
    assert outputs["both"] == "arn:aws:sqs:us-east-1:123456789012:jobs|arn:aws:sns:us-east-1:123456789012:events"
    preview = plan_of("apply-chains", preview=True).root.wire_outputs  # type: ignore[union-attr]
    assert preview["label"] == UNKNOWN and preview["both"] == UNKNOWN


def test_components_are_parents_and_remote_components_are_reported_not_expanded() -> None:
    plan = plan_of("components")
    site, bucket = by_name(plan, "site"), by_name(plan, "site-bucket")
    assert bucket.parent == site.urn and site.parent == plan.root.urn  # type: ignore[union-attr]
    assert [r.name for r in plan.remote_components()] == ["vpc"]
    done = cli("check", "--project", str(PROGRAMS / "components"), "--json")
    assert done.returncode == 1 and "not expanded: urn:pulumi:dev::prog-components::awsx:ec2:Vpc::vpc" in done.stderr
    json.loads(done.stdout)


def test_other_stacks_outputs_come_from_a_file(tmp_path: Path) -> None:
    single = tmp_path / "network.json"
    single.write_text(json.dumps({"vpcId": "vpc-0abc", "dbPassword": "[secret]"}))
    plan = plan_of(
        "stack-reference",
        stack_outputs={"acme/network/prod": {"vpcId": "vpc-0abc", "dbPassword": "[secret]"}},
        secret_outputs={"acme/network/prod": ["dbPassword"]},
    )
    assert by_name(plan, "web").wire["vpcId"] == "vpc-0abc"
    assert plan.root.wire_outputs["dbPassword"] == {SIG: SECRET_SIG, "value": "[secret]"}  # type: ignore[union-attr]
    several = tmp_path / "stacks.json"
    several.write_text(json.dumps({"network/prod": {"vpcId": "vpc-0abc"}}))
    for spec in (f"acme/network/prod={single}", str(several)):
        done = cli("plan", "--project", str(PROGRAMS / "stack-reference"), "--json", "--stack-outputs", spec)
        assert done.returncode == 0, done.stderr
        [group] = [e for e in json.loads(done.stdout) if e["name"] == "web"]
        assert group["inputs"]["vpcId"] == "vpc-0abc"
    missing = cli("check", "--project", str(PROGRAMS / "stack-reference"))
    assert missing.returncode == 2 and "--stack-outputs" in missing.stderr


def test_secrets_stay_secret_and_are_never_printed() -> None:
    plan = plan_of("secrets")
    assert plan.resources[0].wire["value"][SIG] == SECRET_SIG
    done = cli("plan", "--project", str(PROGRAMS / "secrets"), "--json")
    assert done.returncode == 0 and "v1:AAAA" not in done.stdout
    [entry] = json.loads(done.stdout)
    assert entry["inputs"]["value"] == {SIG: SECRET_SIG, "value": "[secret]"}


def test_assets_run_from_the_programs_directory_and_print_as_the_engine_serialises_them() -> None:
    plan = plan_of("assets")
    assert by_name(plan, "inline").wire["content"] == "hello"  # open("banner.txt") worked
    assert by_name(plan, "fn").wire["code"] == {SIG: ARCHIVE_SIG, "path": "./app"}
    assert by_name(plan, "banner").wire["source"] == {SIG: ASSET_SIG, "path": "./banner.txt"}
    archive = by_name(plan, "zipped").wire["code"]
    assert archive["assets"]["index.py"] == {SIG: ASSET_SIG, "text": "def handler(e, c): return e"}
    assert by_name(plan, "fn").inputs["code"] == {"archive": str(PROGRAMS / "assets" / "app")}
    done = cli("plan", "--project", str(PROGRAMS / "assets"), "--json")
    assert done.returncode == 0 and " object at 0x" not in done.stdout


def test_dynamic_providers_run() -> None:
    plan = plan_of("dynamic-provider")
    assert [r.type for r in plan.resources] == ["pulumi-python:dynamic:Resource"]
    assert plan.resources[0].wire["start"] == 3


def test_project_config_from_pulumi_yml_with_types_defaults_and_the_region() -> None:
    plan = plan_of("project-config")
    queue = by_name(plan, "queue")
    assert queue.wire["name"] == "orders" and queue.wire["messageRetentionSeconds"] == 14 * 86400
    assert queue.wire["fifoQueue"] is False
    assert plan.root.wire_outputs["region"] == "eu-west-1"  # type: ignore[union-attr]
    assert ":eu-west-1:" in plan.root.wire_outputs["queueArn"]  # type: ignore[union-attr]
    [provider] = plan.providers
    assert provider.wire == {"region": "eu-west-1", "version": "7.51.1"}


def test_config_that_does_not_match_its_declared_type_is_refused(tmp_path: Path) -> None:
    for item in (PROGRAMS / "project-config").iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    (tmp_path / "Pulumi.dev.yml").write_text(
        "config:\n  prog-project-config:queueName: q\n  prog-project-config:retentionDays: two weeks\n"
    )
    with pytest.raises(CaptureError, match="retentionDays' must be of type 'integer'"):
        capture(tmp_path, "dev")
    (tmp_path / "Pulumi.dev.yml").write_text("config: {}\n")
    with pytest.raises(CaptureError, match="missing configuration value 'queueName'"):
        capture(tmp_path, "dev")


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("raises", "program failed at __main__.py:6: ValueError: no such environment: staging"),
        ("exits", "program failed at __main__.py:8: the program called sys.exit(0)"),
        ("syntax-error", "program failed at __main__.py:5: SyntaxError"),
        (
            "missing-config",
            "program failed at __main__.py:5: ConfigMissingError: Missing required configuration "
            "variable 'prog-missing-config:environment'",
        ),
    ],
)
def test_a_program_that_fails_exits_2_with_one_line_naming_its_own_file_and_line(program: str, message: str) -> None:
    done = cli("check", "--project", str(PROGRAMS / program), "--json")
    assert done.returncode == 2, done.stdout + done.stderr
    assert json.loads(done.stdout)["error"].startswith(message)
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith(f"error: {message}") and "Traceback" not in done.stderr
    assert "local/" not in lines[-1]


def test_a_program_that_never_finishes_is_stopped_by_the_time_limit() -> None:
    done = cli("check", "--project", str(PROGRAMS / "hangs"), "--timeout", "2")
    assert done.returncode == 2 and "did not finish within 2 s" in done.stderr


def test_a_stack_that_does_not_exist_is_an_error_not_an_empty_config() -> None:
    done = cli("check", "--project", str(PROGRAMS / "secrets"), "--stack", "prod", "--json")
    assert done.returncode == 2 and "no stack named 'prod'" in json.loads(done.stdout)["error"]
    assert cli("check", "--project", str(PROGRAMS / "secrets"), "--stack", "dev").returncode == 0


def test_a_programs_prints_do_not_break_json(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: noisy\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("print('hello from the program')\n")
    done = cli("check", "--project", str(tmp_path), "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == {"resources": 0, "violations": []}
    assert "hello from the program" in done.stderr


def test_plan_and_check_output_the_same_order_every_run() -> None:
    plans = [cli("plan", "--project", str(PROGRAMS / "redrive-resource"), "--json").stdout for _ in range(2)]
    checks = [cli("check", "--project", str(PROGRAMS / "redrive-resource"), "--json").stdout for _ in range(2)]
    assert plans[0] == plans[1] and checks[0] == checks[1]
    names = [e["name"] for e in json.loads(plans[0])]
    assert names == ["fraud-dlq", "fraud", "fraud-redrive", "orders-dlq", "orders"]  # the order of the program
