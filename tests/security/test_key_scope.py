"""Who may use each customer managed key, read from the plan of every shipped stack.

Key policies: a service principal may use a key only on behalf of this stack's own resources
(``aws:SourceArn``), as AWS documents for SNS delivering to an encrypted queue
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html#compatibility-with-aws-services)
and for CloudWatch alarms publishing to an encrypted topic
(https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
IAM grants: a role may use a key only through the services it calls (``kms:ViaService``,
https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
The expected sources are computed here from the plan's own resources, not from the program's code.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest

from local.account import REGION
from local.capture import ACCOUNT_ID
from tests.infra.plans import as_list, plan, policy, value

STACKS = ["dev", "prod", "orders", "ecommerce"]
KEY, ROLE_POLICY, MANAGED_POLICY = "aws:kms/key:Key", "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"
LOGS_PRINCIPAL = f"logs.{REGION}.amazonaws.com"


def _service_statements(stack: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(key name, service principal, statement) for every service statement of every key policy."""
    out = []
    for key in plan(stack).by_type(KEY):
        for statement in policy(key)["Statement"]:
            for service in as_list((statement.get("Principal") or {}).get("Service", [])):
                out.append((key.name, service, statement))
    return out


def _source_arn_patterns(statement: dict[str, Any]) -> list[str]:
    condition = statement.get("Condition", {})
    patterns: list[str] = []
    for operator in ("ArnEquals", "ArnLike"):
        patterns += as_list(condition.get(operator, {}).get("aws:SourceArn", []))
    return patterns


def _matches(patterns: list[str], arn: str) -> bool:
    return any(fnmatchcase(arn, pattern) for pattern in patterns)


def _topic_arns(stack: str) -> list[str]:
    p = plan(stack)
    own = [t.outputs["arn"] for t in p.by_type("aws:sns/topic:Topic") if t.name.endswith("-topic")]
    return own or [p.outputs["topicArn"]]  # a stack on an existing topic subscribes to that one


def _alarm_arns(stack: str) -> list[str]:
    return [
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{value(alarm, 'name')}"
        for alarm in plan(stack).by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_services_use_a_key_only_for_this_stacks_own_topics_and_alarms(stack: str) -> None:
    statements = [s for s in _service_statements(stack) if s[1] != LOGS_PRINCIPAL]
    assert statements
    sources = {"sns.amazonaws.com": _topic_arns(stack), "cloudwatch.amazonaws.com": _alarm_arns(stack)}
    foreign = {
        "sns.amazonaws.com": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:someone-elses-topic",
        "cloudwatch.amazonaws.com": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:someone-elses-alarm",
    }
    for key, service, statement in statements:
        assert service in sources, f"{stack}: {key} lets {service} use it, and the stack has nothing of it"
        patterns = _source_arn_patterns(statement)
        assert patterns, f"{stack}: {key} lets {service} use it for any resource ({statement.get('Condition')})"
        assert sources[service], f"{stack}: {key} admits {service}, which acts for nothing of this stack"
        for arn in sources[service]:
            assert _matches(patterns, arn), f"{stack}: {key} refuses {service} for the stack's own {arn}"
        assert not _matches(patterns, foreign[service]), f"{stack}: {key} admits {service} for {foreign[service]}"


@pytest.mark.parametrize("stack", STACKS)
def test_no_key_admits_eventbridge(stack: str) -> None:
    """The stack declares no EventBridge rule or bus, so no key needs events.amazonaws.com."""
    p = plan(stack)
    assert not [r for r in p.resources if r.type.startswith("aws:cloudwatch/event")]
    assert "events.amazonaws.com" not in {service for _, service, _ in _service_statements(stack)}


@pytest.mark.parametrize("stack", ["prod", "ecommerce"])
def test_the_alarm_key_serves_cloudwatch_and_the_queue_keys_serve_sns(stack: str) -> None:
    """Each key admits only the service that sends to what it encrypts (and Logs, for its log groups)."""
    by_key: dict[str, set[str]] = {}
    for key, service, _ in _service_statements(stack):
        by_key.setdefault(key, set()).add(service)
    assert by_key["ops-key"] == {"cloudwatch.amazonaws.com", LOGS_PRINCIPAL}
    assert by_key["fanout-key"] == {"sns.amazonaws.com", LOGS_PRINCIPAL}
    assert by_key["buffer-key"] == {LOGS_PRINCIPAL}


def _documents(stack: str) -> list[tuple[str, dict[str, Any]]]:
    p = plan(stack)
    return [(r.name, policy(r)) for r in p.by_type(ROLE_POLICY) + p.by_type(MANAGED_POLICY)]


def _via_services(statement: dict[str, Any]) -> list[str]:
    return as_list(statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", []))


@pytest.mark.parametrize("stack", STACKS)
def test_every_key_grant_is_bound_to_the_services_the_role_calls(stack: str) -> None:
    """A role's kms:* grant names kms:ViaService, and only services the same policy lets it call."""
    grants = 0
    for name, document in _documents(stack):
        called = {a.split(":")[0] for s in document["Statement"] for a in as_list(s["Action"])} - {"kms"}
        for statement in document["Statement"]:
            if not any(a.startswith("kms:") for a in as_list(statement["Action"])):
                continue
            grants += 1
            services = _via_services(statement)
            assert services, f"{stack}: {name} {statement.get('Sid')} uses its key directly, through any service"
            for via in services:
                prefix, _, rest = via.partition(".")
                assert rest == f"{REGION}.amazonaws.com", (stack, name, via)
                assert prefix in called, f"{stack}: {name} may use its key through {prefix}, which it never calls"
    assert grants


def _grants_of(stack: str, policy_name: str) -> dict[str, set[str]]:
    """Key ARN -> the services through which the policy may use it."""
    [document] = [d for n, d in _documents(stack) if n == policy_name]
    out: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        if any(a.startswith("kms:") for a in as_list(statement["Action"])):
            for key in as_list(statement["Resource"]):
                out.setdefault(key, set()).update(v.split(".")[0] for v in _via_services(statement))
    return out


def test_no_role_reads_another_tiers_stores() -> None:
    """The queue consumers cannot decrypt stored objects; the buffer cannot decrypt downstream queues."""
    p = plan("ecommerce")
    fanout_key = p.outputs["fanoutKmsKeyArn"]
    for consumer in ("backup-forwarder-policy", "analytics-forwarder-policy", "replay-function-policy"):
        assert _grants_of("ecommerce", consumer) == {fanout_key: {"sqs"}}, consumer
    buffer = _grants_of("ecommerce", "buffer-function-policy")
    assert buffer[fanout_key] == {"sns"}
    assert buffer[p.outputs["bufferKmsKeyArn"]] == {"sqs", "dynamodb"}
    for stream_role in ("backup-firehose-role-policy", "analytics-firehose-role-policy"):
        assert _grants_of("ecommerce", stream_role) == {fanout_key: {"s3"}}, stream_role
