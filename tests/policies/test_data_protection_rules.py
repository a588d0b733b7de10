"""The data protection rules: on real captured resources (the shipped one passes, a one-field change fails),
on unknown values at preview, on each shipped stack (exact verdicts), and over gRPC on the real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

from local.capture import capture
from local.check.analyzer import analyze, configure, load_pack, policy_infos
from local.check.policy_config import load, reconcile
from local.check.runner import POLICIES_DIR, CheckResult, check_capture, check_project
from tests.infra.plans import one, plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from eventfork_policies.data_protection import DATA_PROTECTION_POLICIES  # noqa: E402
from eventfork_policies.rules import data_protection as rules  # noqa: E402
from eventfork_policies.rules import operations  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NAMES = sorted(p.name for p in DATA_PROTECTION_POLICIES)
DOMAIN = "aws:opensearch/domain:Domain"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"


def inputs(type_token: str, name: str, stack: str = "dev") -> dict:
    return dict(one(plan(stack), type_token, name).inputs)


def failing(messages: list[str], name: str) -> str:
    [message] = messages
    assert f"'{name}'" in message and ": " in message and "eventfork" not in message, message
    return message


def statements_of(document: str) -> list[dict]:
    return list(json.loads(document)["Statement"])


def test_queue_and_topic_policies_deny_every_action_over_plain_http() -> None:
    queue_policy = inputs("aws:sqs/queuePolicy:QueuePolicy", "buffer-queue-policy")["policy"]
    assert rules.tls_only("queue 'q'", "sqs", [queue_policy]) == []
    failing(rules.tls_only("queue 'q'", "sqs", []), "q")
    [deny] = [s for s in statements_of(queue_policy) if s["Effect"] == "Deny"]
    for broken in (
        {**deny, "Action": "sqs:SendMessage"},  # not every action
        {**deny, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},  # not everyone
        {**deny, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {**deny, "Effect": "Allow"},
        {**deny, "Condition": {**deny["Condition"], "StringEquals": {"aws:PrincipalAccount": "123456789012"}}},
    ):
        failing(rules.tls_only("queue 'q'", "sqs", [json.dumps({"Statement": [broken]})]), "q")
    as_aws_writes_it = {**deny, "Action": "*", "Condition": {"BoolIfExists": {"aws:SecureTransport": False}}}
    assert rules.tls_only("queue 'q'", "sqs", [json.dumps({"Statement": [as_aws_writes_it]})]) == []
    topic_policy = inputs("aws:sns/topicPolicy:TopicPolicy", "ops-alarms-policy")["policy"]
    assert rules.tls_only("topic 't'", "sns", [topic_policy]) == []
    publish_only = [
        {**s, "Action": "SNS:Publish"} if s["Effect"] == "Deny" and "Condition" in s else s
        for s in statements_of(topic_policy)
        if not (s["Effect"] == "Deny" and s.get("Action") == "sns:Subscribe")
    ]
    failing(rules.tls_only("topic 't'", "sns", [json.dumps({"Statement": publish_only})]), "t")
    # buckets share the statement check (an s3:* deny on plain HTTP)
    bucket_policy = inputs("aws:s3/bucketPolicy:BucketPolicy", "backup-bucket-tls-only")["policy"]
    assert operations.bucket_tls_only("b", [bucket_policy]) == []
    no_condition = [{k: v for k, v in s.items() if k != "Condition"} for s in statements_of(bucket_policy)]
    failing(operations.bucket_tls_only("b", [{"Statement": no_condition}]), "b")


def test_topic_policies_let_subscribe_only_in_aws_protocols_or_named_endpoints() -> None:
    fanout = inputs("aws:sns/topicPolicy:TopicPolicy", "fanout-topic-policy")["policy"]
    assert rules.subscribe_scope("t", [fanout]) == []
    unbounded = [s for s in statements_of(fanout) if not s.get("Sid", "").startswith("SubscribeOnly")]
    assert "AccountManagesAndPublishes" in failing(rules.subscribe_scope("t", [{"Statement": unbounded}]), "t")
    [allow] = [s for s in unbounded if s["Effect"] == "Allow"]
    for condition in ({"StringEquals": {"sns:Protocol": "sqs"}}, {"StringEquals": {"sns:Endpoint": "ops@x.org"}}):
        assert rules.subscribe_scope("t", [{"Statement": [{**allow, "Condition": condition}]}]) == []
    for condition in ({"StringEquals": {"sns:Protocol": ["sqs", "https"]}}, {"StringLike": {"sns:Endpoint": "*"}}):
        failing(rules.subscribe_scope("t", [{"Statement": [{**allow, "Condition": condition}]}]), "t")
    all_but_publish = {k: v for k, v in allow.items() if k != "Action"} | {"NotAction": "sns:Publish"}
    failing(rules.subscribe_scope("t", [{"Statement": [all_but_publish]}]), "t")
    assert rules.subscribe_scope("t", [{"Statement": [{**all_but_publish, "NotAction": "sns:*"}]}]) == []
    everything = {**allow, "Action": "sns:*"}
    failing(rules.subscribe_scope("t", [{"Statement": [everything]}]), "t")
    deny_all = {"Effect": "Deny", "Principal": "*", "Action": "sns:Subscribe", "Resource": allow["Resource"]}
    assert rules.subscribe_scope("t", [{"Statement": [everything, deny_all]}]) == []
    assert "default" in failing(rules.subscribe_scope("t", []), "t")  # AWS's default policy admits the account
    alarms = inputs("aws:sns/topicPolicy:TopicPolicy", "ops-alarms-policy")["policy"]
    assert rules.subscribe_scope("t", [alarms]) == []


def test_search_domains_are_in_a_vpc_and_the_pipeline_is_not_their_admin() -> None:
    domain = inputs(DOMAIN, "analytics-domain", "ecommerce")
    in_vpc = {**domain, "vpcOptions": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}}
    assert rules.domain_in_vpc("d", in_vpc) == []
    failing(rules.domain_in_vpc("d", {**domain, "vpcOptions": None}), "d")
    failing(rules.domain_in_vpc("d", {**domain, "vpcOptions": {"subnetIds": []}}), "d")
    stream = inputs(STREAM, "analytics-stream", "ecommerce")
    role = stream["opensearchConfiguration"]["roleArn"]
    assert rules.master_user_not_delivery_role("d", "arn:aws:iam::123456789012:role/admin", {"s": role}) == []
    assert "'s'" in failing(rules.master_user_not_delivery_role("d", role, {"s": role}), "d")


def test_streams_storing_records_transform_them_first() -> None:
    for stack, name in (("dev", "backup-stream"), ("ecommerce", "analytics-stream")):
        stream = inputs(STREAM, name, stack)
        assert rules.firehose_transform("s", stream) == []
        destination = next(d for d in rules.FIREHOSE_STORES if stream.get(d))
        settings = stream[destination]
        off = {**settings, "processingConfiguration": {**settings["processingConfiguration"], "enabled": False}}
        assert destination in failing(rules.firehose_transform("s", {**stream, destination: off}), "s")
        no_lambda = {**settings, "processingConfiguration": {"enabled": True, "processors": []}}
        failing(rules.firehose_transform("s", {**stream, destination: no_lambda}), "s")
        failing(
            rules.firehose_transform("s", {**stream, destination: {**settings, "processingConfiguration": None}}), "s"
        )


def test_log_groups_mask_card_numbers() -> None:
    document = inputs(
        "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy", "buffer-function-logs-data-protection"
    )["policyDocument"]
    assert rules.log_masking("g", [document]) == []
    failing(rules.log_masking("g", []), "g")
    parsed = json.loads(document)
    audit_only = {**parsed, "Statement": [s for s in parsed["Statement"] if "Audit" in s["Operation"]]}
    failing(rules.log_masking("g", [json.dumps(audit_only)]), "g")
    emails = [{**s, "DataIdentifier": ["EmailAddress"]} for s in parsed["Statement"]]
    failing(rules.log_masking("g", [json.dumps({**parsed, "Statement": emails})]), "g")
    short_name = [{**s, "DataIdentifier": ["CreditCardNumber"]} for s in parsed["Statement"]]
    assert rules.log_masking("g", [json.dumps({**parsed, "Statement": short_name})]) == []


def test_alarm_topics_have_a_subscriber() -> None:
    assert rules.alarm_subscriber("t", []) == []
    message = failing(rules.alarm_subscriber("t", ["a", "b", "c", "d"]), "t")
    assert "4 alarm(s) ('a', 'b', 'c' and 1 more)" in message


UNKNOWN_CASES = {  # policy -> the resource whose one decisive input is unknown at preview
    "opensearch-in-vpc": "pending-domain",
    "opensearch-master-not-delivery-role": "pending-domain",
    "queue-and-topic-tls-only": "pending-queue",
    "sns-subscribe-scope": "pending-topic",
    "firehose-record-transform": "pending-stream",
    "log-group-card-masking": "pending-log-group",
    "alarm-topic-has-subscriber": "pending-alarms",
}
UNKNOWNS = HERE / "unknowns-data-protection"


@pytest.fixture(scope="module")
def at_preview() -> CheckResult:
    return check_project(UNKNOWNS, "dev", preview=True)


def test_every_data_protection_policy_has_an_unknown_value_case() -> None:
    assert set(NAMES) == set(UNKNOWN_CASES)


@pytest.mark.parametrize("policy", sorted(UNKNOWN_CASES))
def test_an_unknown_input_at_preview_leaves_its_resource_unchecked(at_preview: CheckResult, policy: str) -> None:
    resource = UNKNOWN_CASES[policy]
    found = [v for v in at_preview.violations if v["policy"] == policy]
    unchecked = [
        v
        for v in found
        if v["message"].startswith("could not check")
        and (v["urn"].endswith("::" + resource) or f"'{resource}'" in v["message"])
    ]
    assert len(unchecked) == 1 and unchecked[0]["enforcement"] == "advisory", found
    assert [v for v in found if v not in unchecked] == [], found  # neither passed nor failed on a guess


def test_after_deployment_the_same_program_is_decided() -> None:
    """Without --preview the values are known: nothing is left unchecked, and the one failure is real."""
    result = check_project(UNKNOWNS, "dev")
    found = [v for v in result.violations if v["policy"] in NAMES]
    assert [(v["policy"], v["urn"].rsplit("::", 1)[1]) for v in found] == [
        ("alarm-topic-has-subscriber", "pending-alarms")
    ], found


def test_each_rule_met_another_way_passes() -> None:
    """Inline policies, wildcards, an account-wide log policy, Elasticsearch: the rules read what AWS reads."""
    result = check_project(HERE / "data-protection-alternatives", "dev")
    assert result.resources >= 10
    assert [v for v in result.violations if v["policy"] in NAMES] == []


# What each shipped stack gets from these policies after deployment: (policy, resource, enforcement).
# The prod alarm topic has no subscriber on purpose: the on-call address is set per deployment.
ALARMS = ("alarm-topic-has-subscriber", "ops-alarms")
SHIPPED = {
    "dev": {(*ALARMS, "advisory")},
    "ecommerce": {(*ALARMS, "advisory")},
    "orders": {(*ALARMS, "advisory")},
    "prod": {(*ALARMS, "mandatory")},
}


@pytest.mark.parametrize("stack", sorted(SHIPPED))
def test_shipped_stacks_get_exactly_these_verdicts(stack: str) -> None:
    result = check_project(ROOT, stack)
    found = {(v["policy"], v["urn"].rsplit("::", 1)[1], v["enforcement"]) for v in result.violations}
    assert {f for f in found if f[0] in NAMES} == SHIPPED[stack]


def test_prod_with_an_on_call_address_has_no_mandatory_violation() -> None:
    on_call = plan("prod", overrides={"eventfork:alarms": {"email": "oncall@example.com"}})
    result = check_capture(on_call, ROOT / "policies" / "config" / "prod.json")
    assert any(
        r.type == "aws:sns/topicSubscription:TopicSubscription" and r.name == "ops-email" for r in on_call.resources
    )
    assert result.mandatory == []


def test_turning_redaction_off_is_reported_at_deploy_time() -> None:
    unredacted = plan("prod", overrides={"eventfork:backup": {"redaction": False}})
    result = check_capture(unredacted, ROOT / "policies" / "config" / "prod.json")
    found = [(v["policy"], v["urn"].rsplit("::", 1)[1]) for v in result.mandatory if v["policy"] in NAMES]
    assert ("firehose-record-transform", "backup-stream") in found, found


def test_a_public_search_domain_is_the_explicit_choice_the_pack_flags() -> None:
    """analytics.publicAccess: true takes the domain out of the VPC; ecommerce.json makes that mandatory."""
    public = plan("ecommerce", overrides={"eventfork:analytics": {"publicAccess": True}})
    result = check_capture(public, ROOT / "policies" / "config" / "ecommerce.json")
    [violation] = [v for v in result.mandatory if v["policy"] in NAMES]
    assert violation["policy"] == "opensearch-in-vpc" and violation["urn"].endswith("::analytics-domain")


def test_prod_alarm_violation_says_who_to_subscribe() -> None:
    result = check_project(ROOT, "prod")
    [violation] = [v for v in result.mandatory if v["policy"] == "alarm-topic-has-subscriber"]
    assert violation["message"].startswith("topic 'ops-alarms' receives the actions of ")
    assert "has no subscription, so alarms go nowhere: add an aws.sns.TopicSubscription" in violation["message"]


class _Remote:
    def __init__(self, stub: object) -> None:
        self.stub = stub

    def __getattr__(self, name: str) -> object:
        method = getattr(self.stub, name)
        return lambda request, _context=None: method(request)


def test_the_real_analyzer_server_over_grpc_decides_the_same(tmp_path: Path) -> None:
    """Corpus, unknowns (preview and up) and the prod stack: the server started as the engine starts it agrees."""
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({name: "mandatory" for name in NAMES}))
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
        for servicer in (remote, local_servicer):
            policies, initial = policy_infos(servicer)
            configure(servicer, reconcile(policies, initial, load(config), name))
        expected = json.loads((HERE / "corpus" / "expected.json").read_text())
        programs = [(HERE / "corpus" / case, "dev", False) for case in sorted(expected) if expected[case] in NAMES]
        programs += [(UNKNOWNS, "dev", True), (UNKNOWNS, "dev", False), (ROOT, "prod", False), (ROOT, "dev", True)]
        for program, stack, preview in programs:
            captured = capture(program, stack, preview=preview)
            over_grpc, in_process = analyze(remote, captured), analyze(local_servicer, captured)
            ours = [v for v in over_grpc.violations if v["policy"] in NAMES]
            assert over_grpc.violations == in_process.violations and ours, (program, preview)
    finally:
        server.terminate()
        server.wait(timeout=10)
