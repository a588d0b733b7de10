"""``local check`` decides as the Pulumi engine with pulumi-policy's analyzer server does.

Policy config is parsed, merged and validated as the engine does (pkg/resource/analyzer/config.go),
``remediate`` policies fix before analysis, stack diagnostics without a resource URN go to the root
stack, stack policies see the root stack and default providers; and the same plan sent over gRPC to
the pack's real analyzer server (started as the engine starts it) gives the same decisions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

from local.capture import capture
from local.check.analyzer import analyze, configure, load_pack, policy_infos
from local.check.policy_config import PolicyConfigError, load, reconcile
from local.check.runner import POLICIES_DIR, check_project

PROGRAMS = Path(__file__).resolve().parent / "programs"
CORPUS = Path(__file__).resolve().parents[1] / "policies" / "corpus"


def _config(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(doc))
    return path


def _levels(tmp_path: Path, doc: Any) -> dict[str, str]:
    servicer, name = load_pack(POLICIES_DIR)
    policies, initial = policy_infos(servicer)
    return {k: v.level for k, v in reconcile(policies, initial, load(_config(tmp_path, doc)), name).items()}


def test_all_sets_every_level_and_a_policy_entry_with_properties_only_keeps_it(tmp_path: Path) -> None:
    levels = _levels(tmp_path, {"all": "advisory", "fifo-high-throughput": {"exemptNamePatterns": ["jobs"]}})
    assert levels["fifo-high-throughput"] == "advisory" and levels["kms-customer-managed-key"] == "advisory"
    result = check_project(PROGRAMS / "fifo-remediate", "dev", policy_config=_config(tmp_path, {"all": "advisory"}))
    assert result.violations and result.mandatory == []


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"all": {"exemptNamePatterns": ["jobs"]}}, 'invalid enforcement level ""'),
        ({"fifo-naming": "warn"}, '"warn" is not a valid enforcement level'),
        ({"fifo-high-throughput": {"exemptNamePatterns": "jobs"}}, "exemptNamePatterns: 'jobs' is not of type 'array'"),
        ({"replay-retention": {"minimumRetentionSeconds": "14 days"}}, "'14 days' is not of type 'integer'"),
        ({"fifo-naming": {"enforcementLevel": 3}}, "must be a string"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_config_the_engine_refuses_stops_the_check(tmp_path: Path, doc: Any, problem: str) -> None:
    with pytest.raises(PolicyConfigError, match=problem.replace("(", r"\(").replace('"', '"')):
        check_project(PROGRAMS / "fifo-remediate", "dev", policy_config=_config(tmp_path, doc))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "local",
            "check",
            "--project",
            str(PROGRAMS / "fifo-remediate"),
            "--policy-config",
            str(_config(tmp_path, doc)),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and problem in json.loads(done.stdout)["error"] and "Traceback" not in done.stderr


def test_remediate_fixes_the_inputs_before_they_are_analyzed(tmp_path: Path) -> None:
    mandatory = check_project(PROGRAMS / "fifo-remediate", "dev")
    assert [v["policy"] for v in mandatory.mandatory if v["urn"].endswith("::events")].count(
        "fifo-high-throughput"
    ) == 1
    fixed = check_project(
        PROGRAMS / "fifo-remediate",
        "dev",
        policy_config=_config(tmp_path, {"fifo-high-throughput": "remediate", "kms-customer-managed-key": "advisory"}),
    )
    assert fixed.remediations == [
        {"policy": "fifo-high-throughput", "urn": "urn:pulumi:dev::prog-fifo-remediate::aws:sqs/queue:Queue::events"}
    ]
    assert [v for v in fixed.violations if v["policy"] == "fifo-high-throughput"] == [] and fixed.mandatory == []


def test_stack_policies_see_the_root_stack_as_parent_and_the_default_provider() -> None:
    plan = capture(PROGRAMS / "resource-refs", "dev")
    resources = plan.engine_resources()
    assert resources[0].type == "pulumi:pulumi:Stack" and resources[0].urn == plan.root.urn  # type: ignore[union-attr]
    assert resources[1].urn == "urn:pulumi:dev::prog-resource-refs::pulumi:providers:aws::default_7_51_1"
    assert all(r.provider.startswith(resources[1].urn + "::") for r in plan.resources if r.custom)
    servicer, _ = load_pack(POLICIES_DIR)
    seen: dict[str, Any] = {}

    from pulumi_policy import StackValidationPolicy

    def probe(args: Any, report: Any) -> None:
        role = next(r for r in args.resources if r.name == "role")
        seen["parent"] = role.parent.resource_type if role.parent else None
        seen["provider"] = role.provider.urn if role.provider else None
        seen["region"] = role.provider.props.get("region") if role.provider else None
        report("probe without a URN")

    policies = servicer._PolicyAnalyzerServicer__policies
    policies.append(StackValidationPolicy("probe", "probe", probe))
    try:
        configure(servicer, {})
        outcome = analyze(servicer, plan)
    finally:
        policies.pop()
    assert seen == {"parent": "pulumi:pulumi:Stack", "provider": resources[1].urn, "region": "us-east-1"}
    [probe_violation] = [v for v in outcome.violations if v["policy"] == "probe"]
    assert probe_violation["urn"] == "urn:pulumi:dev::prog-resource-refs::pulumi:pulumi:Stack::prog-resource-refs-dev"


class _Remote:
    """The gRPC stub presented with the servicer's (request, context) signature."""

    def __init__(self, stub: Any) -> None:
        self.stub = stub

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.stub, name)
        return lambda request, _context=None: method(request)


def test_the_real_analyzer_server_over_grpc_decides_the_same(tmp_path: Path) -> None:
    server = subprocess.Popen(
        [sys.executable, "-u", "__main__.py"],
        cwd=POLICIES_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(server.stdout.readline().strip())  # type: ignore[union-attr]
        remote = _Remote(analyzer_pb2_grpc.AnalyzerStub(grpc.insecure_channel(f"127.0.0.1:{port}")))
        local_servicer, name = load_pack(POLICIES_DIR)
        config_doc = {"fifo-high-throughput": "remediate", "queue-redrive-policy": "mandatory"}
        for servicer in (remote, local_servicer):
            policies, initial = policy_infos(servicer)
            configure(servicer, reconcile(policies, initial, load(_config(tmp_path, config_doc)), name))
        for program, preview in (
            ("fifo-remediate", False),
            ("redrive-resource", True),
            ("lonely-queue", False),
            ("preview-unknown-bucket", True),
            ("bucket-depends-on", False),
        ):
            plan = capture(PROGRAMS / program, "dev", preview=preview)
            over_grpc, in_process = analyze(remote, plan), analyze(local_servicer, plan)
            assert over_grpc.violations == in_process.violations and over_grpc.violations, program
            assert over_grpc.remediations == in_process.remediations, program
    finally:
        server.terminate()
        server.wait(timeout=10)


# What pulumi-aws returns at preview for a create of these types (the outputs its schema marks computed are
# unknown, an autonamed name is known, tagsAll and region are planned), written out from the provider's docs.
_QUEUE_COMPUTED = [
    "arn", "url", "id", "policy", "redrivePolicy", "redriveAllowPolicy", "deduplicationScope",
    "fifoThroughputLimit", "kmsDataKeyReusePeriodSeconds", "sqsManagedSseEnabled", "namePrefix",
]  # fmt: skip
_BUCKET_COMPUTED = [
    "accelerationStatus", "acl", "arn", "id", "bucketDomainName", "bucketNamespace", "bucketPrefix", "bucketRegion",
    "bucketRegionalDomainName", "corsRules", "grants", "hostedZoneId", "lifecycleRules", "logging",
    "objectLockConfiguration", "objectLockEnabled", "policy", "replicationConfiguration", "requestPayer",
    "serverSideEncryptionConfiguration", "versioning", "website", "websiteDomain", "websiteEndpoint",
]  # fmt: skip


def _engine_preview_request() -> Any:
    """The AnalyzeStack request the engine sends on a first preview of programs/preview-computed."""
    from google.protobuf import json_format, struct_pb2
    from pulumi.runtime.proto import analyzer_pb2

    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    prefix = "urn:pulumi:dev::prog-preview-computed::"
    dlq, jobs, uploads = (f"{prefix}aws:sqs/queue:Queue::jobs-dlq", f"{prefix}aws:sqs/queue:Queue::jobs",
                          f"{prefix}aws:s3/bucket:Bucket::uploads")  # fmt: skip
    planned = {"region": "us-east-1", "tagsAll": {}}
    dlq_state = {"messageRetentionSeconds": 1209600, "name": "jobs-dlq-0a1b2c3", **planned}
    jobs_state = {"visibilityTimeoutSeconds": 120, "redrivePolicy": unknown, "name": "jobs-4d5e6f7", **planned}
    uploads_state = {"tags": {"team": "media"}, "bucket": "uploads-8a9b0c1", **planned, "tagsAll": {"team": "media"}}
    resources = [
        (dlq, "aws:sqs/queue:Queue", dlq_state, _QUEUE_COMPUTED, {}),
        (jobs, "aws:sqs/queue:Queue", jobs_state, _QUEUE_COMPUTED, {"redrivePolicy": [dlq]}),
        (uploads, "aws:s3/bucket:Bucket", uploads_state, _BUCKET_COMPUTED, {}),
    ]
    request = analyzer_pb2.AnalyzeStackRequest()
    for urn, type_, given, computed, deps in resources:
        properties = struct_pb2.Struct()
        json_format.ParseDict({**{k: unknown for k in computed}, **given}, properties)
        request.resources.append(
            analyzer_pb2.AnalyzerResource(
                type=type_,
                properties=properties,
                urn=urn,
                name=urn.split("::")[-1],
                parent=f"{prefix}pulumi:pulumi:Stack::prog-preview-computed-dev",
                dependencies=sorted({u for us in deps.values() for u in us}),
                propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in deps.items()},
            )
        )
    return request


def test_at_preview_stack_policies_on_computed_outputs_are_reported_as_the_real_server_reports_them(
    tmp_path: Path,
) -> None:
    watched = ("queue-redrive-policy", "s3-access-logging")
    config = _config(tmp_path, {"queue-redrive-policy": "mandatory", "s3-access-logging": "advisory"})
    server = subprocess.Popen(
        [sys.executable, "-u", "__main__.py"],
        cwd=POLICIES_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(server.stdout.readline().strip())  # type: ignore[union-attr]
        remote = _Remote(analyzer_pb2_grpc.AnalyzerStub(grpc.insecure_channel(f"127.0.0.1:{port}")))
        _, name = load_pack(POLICIES_DIR)
        policies, initial = policy_infos(remote)
        configure(remote, reconcile(policies, initial, load(config), name))
        diagnostics = remote.AnalyzeStack(_engine_preview_request()).diagnostics
    finally:
        server.terminate()
        server.wait(timeout=10)
    expected = sorted(
        (d.policyName, "could not check during preview: " + d.message.split("during preview: ", 1)[1])
        for d in diagnostics
        if d.policyName in watched
    )
    assert [p for p, _ in expected] == list(watched)  # the server could run neither at preview
    result = check_project(PROGRAMS / "preview-computed", "dev", preview=True, policy_config=config)
    reported = sorted((v["policy"], v["message"]) for v in result.violations if v["policy"] in watched)
    assert reported == expected
