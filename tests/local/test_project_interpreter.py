"""The check runs a program in the Python the engine would: the project's own virtualenv when it names one.

Each test builds a small project in a temporary directory. Its virtualenv is made with ``python -m venv
--without-pip``; a ``.pth`` file lends it this tool's installed packages (pulumi, pulumi-aws), and a module
only that virtualenv has (``site_marker``) shows which environment the program's imports came from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from local.capture import capture
from local.capture.interpreter import choose
from local.capture.project import read_project

ROOT = Path(__file__).resolve().parents[2]
TOOL_SITE = sysconfig.get_paths()["purelib"]

MARKED_PROGRAM = '''"""A bucket tagged with the Python that ran the program."""
import sys

import pulumi
import pulumi_aws as aws
import site_marker

bucket = aws.s3.BucketV2("artifacts", tags={"python": sys.prefix, "marker": site_marker.NAME})
pulumi.export("python", sys.prefix)
pulumi.export("marker", site_marker.NAME)
'''

PLAIN_PROGRAM = '''"""A versioned bucket."""
import pulumi
import pulumi_aws as aws

bucket = aws.s3.BucketV2("artifacts")
pulumi.export("bucket", bucket.id)
'''


def project(directory: Path, program: str, virtualenv: str | None, requirements: str = "") -> Path:
    options = f"\n  options:\n    virtualenv: {virtualenv}" if virtualenv else ""
    (directory / "Pulumi.yaml").write_text(f"name: tagged-bucket\nruntime:\n  name: python{options}\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (directory / "__main__.py").write_text(program)
    if requirements:
        (directory / "requirements.txt").write_text(requirements)
    return directory


def virtualenv(directory: Path, *, tool_packages: bool = True) -> Path:
    """A virtualenv in ``directory`` with its own ``site_marker`` module (and this tool's packages lent)."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(directory)], check=True, capture_output=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = directory / "lib" / version / "site-packages"
    (site / "site_marker.py").write_text(f"NAME = {directory.name!r}\n")
    if tool_packages:
        (site / "tool-packages.pth").write_text(TOOL_SITE + "\n")
    return directory


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "local", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def test_program_runs_in_the_virtualenv_its_project_names(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    venv = virtualenv(tmp_path / "project" / "env")
    plan = capture(project(tmp_path / "project", MARKED_PROGRAM, "env"))
    assert os.path.realpath(plan.outputs["python"]) == os.path.realpath(venv)
    assert plan.outputs["marker"] == "env"
    (bucket,) = plan.by_type("aws:s3/bucketV2:BucketV2")
    assert bucket.inputs["tags"] == {"python": plan.outputs["python"], "marker": "env"}
    assert plan.notes == []


def test_check_evaluates_a_program_in_its_own_virtualenv(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    virtualenv(tmp_path / "project" / "env")
    done = cli("check", "--project", str(project(tmp_path / "project", MARKED_PROGRAM, "env")), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resources"] == 1
    assert "Traceback" not in done.stderr and "tool's own Python" not in done.stderr


def test_missing_virtualenv_runs_in_the_tools_python_and_says_so(tmp_path: Path) -> None:
    directory = project(tmp_path, PLAIN_PROGRAM, "venv")
    done = cli("check", "--project", str(directory), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["resources"] == 1
    note = f"note: the project's virtualenv 'venv' ({directory / 'venv'}) does not exist"
    assert note in done.stderr
    assert f"the program ran in this tool's own Python ({sys.prefix}) instead" in done.stderr


def test_missing_virtualenv_and_a_failed_import_names_what_the_tools_python_lacks(tmp_path: Path) -> None:
    program = "import pulumi\nimport sprocket_client\n\npulumi.export('client', sprocket_client.NAME)\n"
    requirements = f"pulumi>=3.0.0,<4.0.0\nsprocket-client==1.2.0\npulumi-aws<{0.1}\n"
    done = cli("check", "--project", str(project(tmp_path, program, "venv", requirements)), "--json")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "program failed at __main__.py:2: ModuleNotFoundError: No module named 'sprocket_client'" in line
    assert "the project's virtualenv 'venv'" in line and "does not exist" in line
    assert "sprocket-client (not installed)" in line and "pulumi-aws<0.1 (has " in line
    assert "pulumi>=3.0.0" not in line  # what the tool's Python satisfies is not named


@pytest.mark.parametrize("old", ["2.25.2", "3.59.0"])
def test_virtualenv_with_an_older_pulumi_sdk_is_refused_in_one_line(tmp_path: Path, old: str) -> None:
    venv = virtualenv(tmp_path / "env", tool_packages=False)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "pulumi").mkdir()
    (site / "pulumi" / "__init__.py").write_text("")
    (site / f"pulumi-{old}.dist-info").mkdir()
    (site / f"pulumi-{old}.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pulumi\nVersion: {old}\n")
    done = cli("check", "--project", str(project(tmp_path, PLAIN_PROGRAM, "env")), "--json")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == (
        f"error: the project's Python {venv / 'bin' / 'python'} has pulumi {old}; "
        "the offline check needs pulumi >= 3.60.0 there"
    )


def test_without_a_virtualenv_option_the_engines_python_command_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = virtualenv(tmp_path / "elsewhere")
    (tmp_path / "project").mkdir()
    directory = project(tmp_path / "project", MARKED_PROGRAM, None)
    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(venv / "bin" / "python"))
    assert choose(read_project(directory)).executable == str(venv / "bin" / "python")
    plan = capture(directory)
    assert os.path.realpath(plan.outputs["python"]) == os.path.realpath(venv)
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    assert choose(read_project(directory)).executable is None  # this tool's own Python: in process


def test_no_virtualenv_option_and_no_usable_python_on_path_says_which_python_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_PYTHON_CMD", str(tmp_path / "no-such-python"))
    plan = capture(project(tmp_path, PLAIN_PROGRAM, None))
    (note,) = plan.notes
    assert "the project names no virtualenv and PULUMI_PYTHON_CMD" in note and "is not found" in note


def test_a_programs_own_bug_is_named_without_the_environment(tmp_path: Path) -> None:
    program = "import pulumi\n\npulumi.export('home', os.environ['HOME'])\n"
    done = cli("check", "--project", str(project(tmp_path, program, "venv")), "--json")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: program failed at __main__.py:3: NameError: name 'os' is not defined"


LEGACY_AMI_PROGRAM = '''"""An AMI looked up with the top-level function pulumi-aws 5 still had (aws.get_ami)."""
import pulumi

query = {
    "mostRecent": True,
    "owners": ["amazon"],
    "filters": [{"name": "name", "values": ["amzn2-ami-hvm-*-x86_64-gp2"]}],
}
legacy = pulumi.runtime.invoke("aws:index/getAmi:getAmi", query).value
current = pulumi.runtime.invoke("aws:ec2/getAmi:getAmi", query).value
pulumi.export("legacy", legacy["id"])
pulumi.export("current", current["id"])
'''


def test_the_top_level_get_ami_of_pulumi_aws_5_is_the_same_lookup_as_ec2_get_ami(tmp_path: Path) -> None:
    plan = capture(project(tmp_path, LEGACY_AMI_PROGRAM, None))
    assert plan.outputs["legacy"].startswith("ami-")
    assert plan.outputs["legacy"] == plan.outputs["current"]
    assert "aws:index/getAmi:getAmi" in plan.answered_offline
