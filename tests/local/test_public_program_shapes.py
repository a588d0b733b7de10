"""Shapes of the public AWS Python programs the check must evaluate as `pulumi preview` / `up` would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def plan_entries(program: str, *extra: str) -> list[dict]:
    done = cli("plan", "--project", str(PROGRAMS / program), "--json", *extra)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_synchronous_ec2_lookups_are_answered_from_the_emulators_account() -> None:
    done = cli("check", "--project", str(PROGRAMS / "account-lookups"), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resources"] == 2
    for token in ("aws:ec2/getAmi:getAmi", "aws:index/getAvailabilityZones:getAvailabilityZones"):
        assert f"note: answered offline from the emulator's account (123456789012): invoke {token}" in done.stderr
    entries = {e["name"]: e for e in plan_entries("account-lookups")}
    web = entries["web"]["inputs"]
    # moto's us-west-2 model: zones us-west-2a.., Amazon Linux 2 AMIs, a default VPC and one subnet per zone
    assert web["availabilityZone"] == "us-west-2a"
    assert web["ami"].startswith("ami-") and web["subnetId"].startswith("subnet-")
    assert entries["web-sg"]["inputs"]["vpcId"].startswith("vpc-")
    again = {e["name"]: e for e in plan_entries("account-lookups")}
    assert again["web"]["inputs"] == web  # the same ids on every run


def test_a_lookup_the_account_cannot_answer_is_refused_naming_it() -> None:
    done = cli("check", "--project", str(PROGRAMS / "lookup-not-in-account"), "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error.startswith("program failed at __main__.py:5:") and "aws:route53/getZone:getZone" in error


def test_policies_written_as_objects_come_back_as_the_providers_json_string() -> None:
    done = cli("plan", "--project", str(PROGRAMS / "policy-objects"), "--json")
    assert done.returncode == 0, done.stderr
    outputs = cli("outputs", "--project", str(PROGRAMS / "policy-objects"))
    assert outputs.returncode == 0, outputs.stderr
    # the applies ran on the JSON text the provider returns (json.loads would fail on an object)
    assert json.loads(outputs.stdout) == {"assumeRoleStatements": 1, "policyActions": ["logs:GetLogEvents"]}


def test_a_remote_components_outputs_are_unknown_as_in_a_first_preview() -> None:
    done = cli("check", "--project", str(PROGRAMS / "remote-component"), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert "not expanded: urn:pulumi:dev::prog-remote-component::netpkg:ec2:Vpc::hub-vpc" in done.stderr
    entries = {e["name"]: e for e in plan_entries("remote-component")}
    assert entries["hub-sg"]["inputs"]["vpcId"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # unknown, not an echo
    assert entries["hub-vpc"]["inputs"]["natGateways"] == {"strategy": "None"}  # its inputs are what it was given


def test_a_child_process_writing_to_standard_output_does_not_break_json() -> None:
    done = cli("check", "--project", str(PROGRAMS / "child-process"), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resources"] == 1
    assert "packing handler.zip" in done.stderr and "written to file descriptor 1" in done.stderr


def test_no_event_loop_opened_for_a_registration_or_an_invoke_is_left_open() -> None:
    import asyncio
    import gc

    from local.capture import capture

    def open_loops() -> set[int]:
        gc.collect()
        return {id(o) for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed()}

    before = open_loops()
    plan = capture(PROGRAMS / "account-lookups", "dev")  # registrations, invokes and a read on worker threads
    assert len(plan.resources) == 2
    left = open_loops() - before
    assert len(left) <= 1, f"{len(left)} event loops left open"  # at most the program's own loop


def test_a_secret_read_from_config_is_an_unknown_secret_and_applies_on_it_do_not_run() -> None:
    from local.capture import capture
    from local.capture.wire import SECRET_SIG, SIG, UNKNOWN

    done = cli("check", "--project", str(PROGRAMS / "secret-decoded"), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resources"] == 3
    plan = capture(PROGRAMS / "secret-decoded", "dev")
    wire = {(r.type, r.name): r.wire for r in plan.resources}
    unknown_secret = {SIG: SECRET_SIG, "value": UNKNOWN}
    assert wire[("aws:rds/instance:Instance", "app-db")]["password"] == unknown_secret  # the decode did not run
    assert wire[("aws:rds/instance:Instance", "app-db")]["username"] == "admin"
    version = wire[("aws:secretsmanager/secretVersion:SecretVersion", "app-db-credentials")]
    assert version["secretString"] == unknown_secret  # json_dumps did not run on a placeholder either
    assert plan.root.wire_outputs["dbPassword"] == unknown_secret  # type: ignore[union-attr]
    outputs = cli("outputs", "--project", str(PROGRAMS / "secret-decoded"))
    assert outputs.returncode == 0, outputs.stderr
    printed = cli("plan", "--project", str(PROGRAMS / "secret-decoded"), "--json")
    for text in (done.stdout, done.stderr, outputs.stdout, printed.stdout, printed.stderr):
        assert "aHVudGVy" not in text and "hunter2" not in text


def test_the_organization_is_the_engines_default_and_can_be_set() -> None:
    names = [e["name"] for e in plan_entries("org-named")]
    assert names == ["organization-dev-vpc", "organization-dev-logs"]  # a self-managed backend's organization
    names = [e["name"] for e in plan_entries("org-named", "--organization", "acme")]
    assert names == ["acme-dev-vpc", "acme-dev-logs"]
    done = cli("check", "--project", str(PROGRAMS / "org-named"), "--organization", "acme", "--json")
    assert done.returncode in (0, 1), done.stderr


def _sibling_stacks_with(tmp_path: Path, network_stack: str) -> Path:
    for item in (PROGRAMS / "sibling-stacks").iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    (tmp_path / "Pulumi.dev.yaml").write_text(
        f"config:\n  prog-sibling-stacks:role: app\n  prog-sibling-stacks:networkStack: {network_stack}\n"
    )
    return tmp_path


def test_a_stack_reference_resolves_from_the_programs_own_project() -> None:
    network = {e["name"]: e for e in plan_entries("sibling-stacks", "--stack", "network")}
    app = {e["name"]: e for e in plan_entries("sibling-stacks")}
    vpc_id = cli("outputs", "--project", str(PROGRAMS / "sibling-stacks"), "--stack", "network")
    assert vpc_id.returncode == 0 and "shared" in network, vpc_id.stderr
    assert app["app"]["inputs"]["vpcId"] == json.loads(vpc_id.stdout)["vpcId"]


@pytest.mark.parametrize("reference", ["dev", "acme/other-network/prod", "eventfork/staging"])
def test_a_stack_reference_nothing_offline_provides_is_refused_naming_the_programs_project(
    tmp_path: Path, reference: str
) -> None:
    done = cli("check", "--project", str(_sibling_stacks_with(tmp_path, reference)), "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert f"StackReference '{reference}'" in error and "--stack-outputs" in error
    assert "prog-sibling-stacks" in error  # the program's project, not this tool's


def test_a_bare_stack_name_is_the_programs_own_project_never_another_projects(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  prog-sibling-stacks:role: network\n")
    done = cli("plan", "--project", str(_sibling_stacks_with(tmp_path, "prod")), "--json")
    assert done.returncode == 0, done.stderr
    [group] = [e for e in json.loads(done.stdout) if e["name"] == "app"]
    prod = cli("outputs", "--project", str(tmp_path), "--stack", "prod")
    assert group["inputs"]["vpcId"] == json.loads(prod.stdout)["vpcId"]
    (tmp_path / "Pulumi.prod.yaml").unlink()
    done = cli("plan", "--project", str(tmp_path), "--json")  # eventfork has a prod stack; this project does not
    assert done.returncode == 2 and "prog-sibling-stacks" in json.loads(done.stdout)["error"]


@pytest.mark.parametrize("mode", [[], ["--preview"]])
def test_the_callers_account_region_and_partition_are_answered_at_preview_too(mode: list[str]) -> None:
    done = cli("check", "--project", str(PROGRAMS / "account-identity"), "--json", *mode)
    assert done.returncode in (0, 1), done.stderr
    assert "invoke aws:index/getCallerIdentity:getCallerIdentity" in done.stderr  # noted as answered offline
    entries = {e["name"]: e for e in plan_entries("account-identity", *mode)}
    assert entries["artifacts"]["inputs"]["bucket"] == "artifacts-123456789012-eu-west-1"
    policy = json.loads(entries["deployer"]["inputs"]["assumeRolePolicy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}


def test_a_lookup_of_something_the_fresh_account_lacks_is_refused_naming_the_lookup_and_what_it_asked() -> None:
    done = cli("check", "--project", str(PROGRAMS / "named-lookups"), "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error.startswith("program failed at __main__.py:7: invoke aws:route53/getZone:getZone")
    assert "name='example.com'" in error and "emulator's account" in error


def test_a_lookup_whose_arguments_are_not_known_yet_has_an_unknown_result() -> None:
    done = cli("check", "--project", str(PROGRAMS / "lookup-on-unknown"), "--json")
    assert done.returncode in (0, 1), done.stderr
    entries = {e["name"]: e for e in plan_entries("lookup-on-unknown")}
    assert entries["worker"]["inputs"]["subnetId"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert "note: unknown offline: invoke aws:ec2/getSubnets:getSubnets was given a value not known" in done.stderr


def test_the_time_limit_bounds_the_whole_command_even_when_the_program_ignores_it() -> None:
    import time

    started = time.monotonic()
    done = cli("check", "--project", str(PROGRAMS / "retries-forever"), "--timeout", "3", "--json", timeout=60)
    assert done.returncode == 2 and "did not finish within 3 s" in json.loads(done.stdout)["error"]
    assert time.monotonic() - started < 30 and "Traceback" not in done.stderr


def test_a_thread_the_program_leaves_running_does_not_keep_the_command_alive() -> None:
    done = cli("check", "--project", str(PROGRAMS / "leaves-a-thread"), "--timeout", "20", "--json", timeout=60)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resources"] == 1 and "Traceback" not in done.stderr


def test_a_synchronous_lookup_given_a_value_not_known_yet_is_refused_saying_so(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: route-lookup\nruntime: python\nconfig:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n\n"
        "vpc = aws.ec2.Vpc('hub', cidr_block='10.0.0.0/16')\n"
        "main_table = aws.ec2.get_route_table(vpc_id=vpc.id)\n"
        "aws.ec2.Route('egress', route_table_id=main_table.id, destination_cidr_block='0.0.0.0/0')\n"
    )
    done = cli("check", "--project", str(tmp_path), "--preview", "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error.startswith("program failed at __main__.py:4: invoke aws:ec2/getRouteTable:getRouteTable was given")
    assert "not known before deployment" in error


def test_a_package_the_program_needs_and_the_checks_python_lacks_is_named_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: needs-gadgets\nruntime: python\n")
    (tmp_path / "requirements.txt").write_text("pulumi>=3.0.0,<4.0.0\npulumi-gadgets>=1.0.0\n")
    (tmp_path / "__main__.py").write_text("import pulumi\nimport pulumi_gadgets\n\npulumi_gadgets.Widget('w')\n")
    done = cli("check", "--project", str(tmp_path), "--json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert error.startswith("program failed at __main__.py:2: ModuleNotFoundError: No module named 'pulumi_gadgets'")
    assert f"install the program's requirements ({tmp_path}/requirements.txt) into it" in error
