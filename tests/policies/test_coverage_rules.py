"""The rules at parity with Security Hub, Checkov and cdk-nag, on real captured resources.

For each: the shipped resource passes, a one-field change fails with a message that names the
resource and the fix (and never gives eventfork-specific advice), and at --preview an unknown input
leaves that resource "could not check" (tests/policies/unknowns, one capture for the module).
"""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import pytest

from local.check.runner import CheckResult, check_project
from tests.infra.plans import one, plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from eventfork_policies.coverage import COVERAGE_POLICIES  # noqa: E402
from eventfork_policies.rules import exposure, fifo, resilience, search_storage  # noqa: E402

OWN = {"123456789012"}
DOMAIN = "aws:opensearch/domain:Domain"


def inputs(type_token: str, name: str, stack: str = "dev") -> dict:
    return dict(one(plan(stack), type_token, name).inputs)


def failing(messages: list[str], name: str) -> str:
    [message] = messages
    assert f"'{name}'" in message and ": " in message and "eventfork" not in message, message
    return message


def with_statement(document: str, index: int, **changes: object) -> str:
    parsed = json.loads(document)
    parsed["Statement"][index].update(changes)
    for key, value in changes.items():
        if value is None:
            del parsed["Statement"][index][key]
    return json.dumps(parsed)


def test_queue_and_topic_policies_admit_no_one_outside_without_a_source_condition() -> None:
    queue_policy = inputs("aws:sqs/queuePolicy:QueuePolicy", "fanout-primary-policy")["policy"]
    assert exposure.document_exposure("queue policy 'p'", queue_policy, OWN) == []
    unbound = with_statement(queue_policy, 0, Condition=None)
    assert "sns.amazonaws.com" in failing(exposure.document_exposure("queue policy 'p'", unbound, OWN), "p")
    anyone = with_statement(queue_policy, 0, Principal="*", Condition=None)
    assert "any principal" in failing(exposure.document_exposure("queue policy 'p'", anyone, OWN), "p")
    topic_policy = inputs("aws:sns/topicPolicy:TopicPolicy", "fanout-topic-policy")["policy"]
    resource_accounts = exposure.accounts_in([json.loads(topic_policy)["Statement"][0]["Resource"]])
    assert resource_accounts == OWN and exposure.document_exposure("topic 't'", topic_policy, OWN) == []
    other = with_statement(topic_policy, 0, Principal={"AWS": "arn:aws:iam::999999999999:root"})
    assert "999999999999" in failing(exposure.document_exposure("topic 't'", other, OWN), "t")
    assert exposure.document_exposure("topic 't'", other, OWN | {"999999999999"}) == []  # trustedAccounts


def test_key_policies_bind_services_to_a_source() -> None:
    key_policy = inputs("aws:kms/key:Key", "fanout-key")["policy"]  # statement 1: SNS
    assert exposure.document_exposure("KMS key 'k'", key_policy, set()) == []
    unbound = with_statement(key_policy, 1, Condition=None)
    assert "sns.amazonaws.com" in failing(exposure.document_exposure("KMS key 'k'", unbound, set()), "k")


def test_lambda_permissions_for_anyone_or_an_unbound_service_fail() -> None:
    function_arn = (
        "arn:aws:lambda:us-east-1:123456789012:function:"
        + inputs("aws:lambda/function:Function", "buffer-function")["name"]
    )
    bound = {"function": function_arn, "principal": "s3.amazonaws.com", "sourceAccount": "123456789012"}
    owners = exposure.accounts_in([function_arn])
    assert owners == OWN and exposure.lambda_permission_exposure("p", bound, owners) == []
    failing(exposure.lambda_permission_exposure("p", {**bound, "sourceAccount": None}, owners), "p")
    failing(exposure.lambda_permission_exposure("p", {"function": function_arn, "principal": "*"}, owners), "p")
    other = {"function": function_arn, "principal": "999999999999"}
    failing(exposure.lambda_permission_exposure("p", other, owners), "p")
    assert exposure.lambda_permission_exposure("p", {**other, "principal": "123456789012"}, owners) == []


def test_a_public_search_domain_admitting_anyone_fails() -> None:
    domain = {k: v for k, v in inputs(DOMAIN, "analytics-domain", "ecommerce").items() if k != "vpcOptions"}
    assert exposure.domain_exposure("d", domain, OWN) == []
    open_policy = with_statement(domain["accessPolicies"], 0, Principal={"AWS": "*"})
    failing(exposure.domain_exposure("d", {**domain, "accessPolicies": open_policy}, OWN), "d")
    in_vpc = {**domain, "accessPolicies": open_policy, "vpcOptions": {"subnetIds": ["subnet-1"]}}
    assert exposure.domain_exposure("d", in_vpc, OWN) == []


def test_sns_can_use_the_subscriber_queue_key() -> None:
    key_policy = inputs("aws:kms/key:Key", "fanout-key")["policy"]
    assert exposure.sns_can_use_key("k", key_policy)
    parsed = json.loads(key_policy)
    root_only = json.dumps({**parsed, "Statement": parsed["Statement"][:1]})
    assert not exposure.sns_can_use_key("k", root_only)
    decrypt_only = with_statement(key_policy, 1, Action=["kms:Decrypt"])
    assert not exposure.sns_can_use_key("k", decrypt_only)
    assert "'k'" in exposure.sns_key_message("s", "q", "k")


def test_fifo_topics_are_high_throughput_and_remediated() -> None:
    topic = inputs("aws:sns/topic:Topic", "fanout-topic")
    assert fifo.topic_high_throughput("t", topic, []) == []
    broken = {**topic, "fifoThroughputScope": "Topic"}
    failing(fifo.topic_high_throughput("t", broken, []), "t")
    assert fifo.topic_high_throughput("t", broken, [r"-fanout\.fifo$"]) == []
    assert fifo.topic_high_throughput("t", fifo.topic_high_throughput_fix(broken) or {}, []) == []


def test_subscriptions_to_queues_have_a_redrive_policy() -> None:
    subscription = inputs("aws:sns/topicSubscription:TopicSubscription", "fanout-primary-subscription")
    assert resilience.subscription_redrive("s", subscription, ["sqs"]) == []
    bare = {**subscription, "redrivePolicy": None}
    failing(resilience.subscription_redrive("s", bare, ["sqs"]), "s")
    assert resilience.subscription_redrive("s", {**bare, "protocol": "https"}, ["sqs"]) == []


def test_tables_recover_and_are_protected_where_required() -> None:
    dev, prod = (
        inputs("aws:dynamodb/table:Table", "buffer-table"),
        inputs("aws:dynamodb/table:Table", "buffer-table", "prod"),
    )
    assert resilience.table_recovery("t", dev, False) == [] and resilience.table_recovery("t", prod, True) == []
    assert "deletion protection" in failing(resilience.table_recovery("t", dev, True), "t")
    assert "point-in-time" in failing(resilience.table_recovery("t", {**dev, "pointInTimeRecovery": None}, False), "t")


def test_log_groups_use_a_customer_managed_key() -> None:
    group = inputs("aws:cloudwatch/logGroup:LogGroup", "buffer-function-logs")
    assert resilience.log_group_key("g", group, []) == []
    failing(resilience.log_group_key("g", {**group, "kmsKeyId": None}, []), "g")
    failing(resilience.log_group_key("g", {**group, "kmsKeyId": "alias/aws/logs"}, []), "g")
    assert resilience.log_group_key("g", {**group, "kmsKeyId": None}, ["^/aws/lambda/"]) == []


def test_runtimes_past_or_near_deprecation_fail_with_the_newest_of_their_language() -> None:
    function = inputs("aws:lambda/function:Function", "buffer-function")
    assert function["runtime"] == "python3.12"
    assert resilience.runtime_support("f", function, datetime.date(2026, 11, 22), 180, []) == []
    near = failing(resilience.runtime_support("f", function, datetime.date(2028, 6, 1), 180, []), "f")
    assert "deprecates on 2028-10-31" in near and "python3.14" in near
    past = failing(resilience.runtime_support("f", function, datetime.date(2028, 11, 1), 180, []), "f")
    assert "deprecated by AWS Lambda on 2028-10-31" in past
    assert resilience.runtime_support("f", function, datetime.date(2028, 11, 1), 180, ["python3.12"]) == []
    assert "provided.al2023" in failing(
        resilience.runtime_support("f", {"runtime": "go1.x"}, datetime.date(2026, 1, 1), 0, []), "f"
    )
    assert resilience.runtime_support("f", {"packageType": "Image"}, datetime.date(2030, 1, 1), 0, []) == []


def test_search_domains_publish_audit_and_error_logs_under_fine_grained_access() -> None:
    domain = inputs(DOMAIN, "analytics-domain", "ecommerce")
    required = list(search_storage.REQUIRED_DOMAIN_LOGS)
    assert search_storage.domain_logs("d", domain, required) == []
    only_errors = [o for o in domain["logPublishingOptions"] if o["logType"] == "ES_APPLICATION_LOGS"]
    assert "AUDIT_LOGS" in failing(
        search_storage.domain_logs("d", {**domain, "logPublishingOptions": only_errors}, required), "d"
    )
    assert search_storage.domain_fine_grained_access("d", domain) == []
    anonymous = {
        **domain,
        "advancedSecurityOptions": {**domain["advancedSecurityOptions"], "anonymousAuthEnabled": True},
    }
    failing(search_storage.domain_fine_grained_access("d", anonymous), "d")


def test_buckets_log_access_and_evidence_is_offered_object_lock() -> None:
    bucket = inputs("aws:s3/bucket:Bucket", "backup-bucket")
    physical = bucket["bucketPrefix"]
    failing(search_storage.bucket_access_logging("b", False, False, physical, []), "b")
    assert search_storage.bucket_access_logging("b", True, False, physical, []) == []
    assert search_storage.bucket_access_logging("b", False, True, physical, []) == []  # the log bucket itself
    assert search_storage.bucket_access_logging("b", False, False, physical, ["-backup-$"]) == []
    assert search_storage.holds_evidence(physical, bucket.get("tags") or {}, ["backup"], [])
    assert not search_storage.holds_evidence("orders-archive", {}, ["consent"], ["evidence"])
    failing(search_storage.bucket_object_lock("b", bucket, False), "b")
    assert search_storage.bucket_object_lock("b", {**bucket, "objectLockEnabled": True}, False) == []


UNKNOWN_CASES = {  # policy -> the resource whose one decisive input is unknown at preview
    "resource-policy-no-public-access": "pending-queue-policy",
    "sns-can-use-subscriber-queue-key": "pending-subscription",
    "fifo-high-throughput": "pending-topic",
    "sns-subscription-redrive-policy": "pending-subscription",
    "dynamodb-recovery": "pending-table",
    "log-group-customer-managed-key": "pending-log-group",
    "lambda-runtime-supported": "pending-function",
    "opensearch-audit-and-error-logs": "pending-domain",
    "opensearch-fine-grained-access": "pending-domain",
    "s3-access-logging": "pending-bucket",
    "s3-object-lock-evidence": "pending-bucket",
}


@pytest.fixture(scope="module")
def at_preview() -> CheckResult:
    return check_project(Path(__file__).resolve().parent / "unknowns", "dev", preview=True)


def test_every_new_policy_has_an_unknown_value_case() -> None:
    assert {p.name for p in COVERAGE_POLICIES} | {"fifo-high-throughput"} == set(UNKNOWN_CASES)


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


def test_every_policy_reports_its_metadata_to_the_engine() -> None:
    """What GetAnalyzerInfo tells the engine: severity, framework (the rule family), tags, steps, URL."""
    from google.protobuf import empty_pb2

    from local.check.analyzer import load_pack

    servicer, _ = load_pack(Path(__file__).resolve().parents[2] / "policies")
    infos = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None).policies
    assert len(infos) == 30
    for info in infos:
        assert info.severity and info.framework.name and info.framework.reference, info.name
        assert info.tags and info.remediation_steps and info.url.startswith("https://"), info.name
