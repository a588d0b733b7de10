"""The naming table: its rules are AWS's, and a prefix that breaks one fails when config is parsed."""

from __future__ import annotations

from typing import Any

import pytest

from eventfork import aws_name_rules
from eventfork.aws_name_rules import NameRule
from eventfork.naming import NAMES, declared_names
from local.account import ACCOUNT_ID, REGION
from local.capture import capture
from local.capture.program import ProgramError
from stack_config import ConfigError, parse_settings
from tests.infra import aws_names
from tests.infra.plans import ROOT, plan

ANALYTICS = {"analytics": {"enabled": True}}


def problems(raw: dict[str, Any], stack: str = "dev") -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, stack)
    return error.value.problems


# -- the table agrees with the botocore models (or the text of their documentation) -------------------


@pytest.mark.parametrize(
    ("rule", "service", "operation", "member"),
    [
        (aws_name_rules.KMS_ALIAS, "kms", "CreateAlias", "AliasName"),
        (aws_name_rules.OPENSEARCH_DOMAIN, "opensearch", "CreateDomain", "DomainName"),
        (aws_name_rules.FIREHOSE_STREAM, "firehose", "CreateDeliveryStream", "DeliveryStreamName"),
        (aws_name_rules.LOG_GROUP, "logs", "CreateLogGroup", "logGroupName"),
        (aws_name_rules.LOG_STREAM, "logs", "CreateLogStream", "logStreamName"),
    ],
)
def test_rule_matches_the_service_model(rule: NameRule, service: str, operation: str, member: str) -> None:
    low, high, pattern = aws_names.constraint(service, operation, member)
    assert rule.max_length == high and rule.min_length >= low
    if rule is not aws_name_rules.KMS_ALIAS:  # the model's pattern allows ':', the documentation does not
        assert rule.pattern == pattern


@pytest.mark.parametrize(
    ("rule", "service", "operation", "member"),
    [
        (aws_name_rules.IAM_ROLE, "iam", "CreateRole", "RoleName"),
        (aws_name_rules.IAM_POLICY, "iam", "CreatePolicy", "PolicyName"),
        (aws_name_rules.IAM_POLICY, "iam", "PutRolePolicy", "PolicyName"),
    ],
)
def test_autonamed_rules_leave_room_for_pulumis_suffix(
    rule: NameRule, service: str, operation: str, member: str
) -> None:
    _, high, pattern = aws_names.constraint(service, operation, member)
    assert rule.max_length == high - 8 and rule.pattern == pattern


@pytest.mark.parametrize(
    ("rule", "service", "operation", "member", "text"),
    [
        (aws_name_rules.SQS_QUEUE, "sqs", "CreateQueue", "QueueName", "up to 80 characters"),
        (aws_name_rules.SNS_TOPIC, "sns", "CreateTopic", "Name", "between 1 and 256 characters"),
        (aws_name_rules.LAMBDA_FUNCTION, "lambda", "CreateFunction", "FunctionName", "limited to 64 characters"),
        (aws_name_rules.DASHBOARD, "cloudwatch", "PutDashboard", "DashboardName", "The maximum length is 255"),
    ],
)
def test_rule_matches_the_documented_limit(
    rule: NameRule, service: str, operation: str, member: str, text: str
) -> None:
    assert text in aws_names.documented(service, operation, member)
    assert str(rule.max_length) in text


def test_every_entry_has_a_source_and_a_resource_type() -> None:
    for entry in NAMES.values():
        assert entry.rule.source and entry.resource_type.startswith("aws:")
        assert (entry.resource_type, entry.field) in aws_names.EXPLICIT, entry.key


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        (aws_name_rules.SQS_QUEUE, "q" * 75 + ".fifo", "q" * 76 + ".fifo"),
        (aws_name_rules.SQS_QUEUE, "team_a-q", "team.a"),
        (aws_name_rules.SNS_TOPIC, "t" * 256, "t" * 257),
        (aws_name_rules.LAMBDA_FUNCTION, "f" * 64, "f" * 65),
        (aws_name_rules.LAMBDA_FUNCTION, "a_b-c", "a.b"),
        (aws_name_rules.KMS_ALIAS, "alias/aws-team", "alias/aws/team"),
        (aws_name_rules.KMS_ALIAS, "alias/a_b/c", "alias/a.b"),
        (aws_name_rules.S3_BUCKET_PREFIX, "b" * 37, "b" * 38),
        (aws_name_rules.S3_BUCKET_PREFIX, "team-a-backup-", "team_a-backup-"),
        (aws_name_rules.S3_BUCKET_PREFIX, "x-n--backup-", "xn--backup-"),
        (aws_name_rules.S3_BUCKET_PREFIX, "sthree", "sthree-backup-"),
        (aws_name_rules.S3_BUCKET_PREFIX, "amzn-s3-demo", "amzn-s3-demo-backup-"),
        (aws_name_rules.S3_BUCKET_PREFIX, "a.b-", "a..b-"),
        (aws_name_rules.OPENSEARCH_DOMAIN, "a" * 28, "a" * 29),
        (aws_name_rules.OPENSEARCH_DOMAIN, "abc", "1abc"),
        (aws_name_rules.OPENSEARCH_DOMAIN, "abc", "ab"),
        (aws_name_rules.FIREHOSE_STREAM, "s.t_r-" + "s" * 58, "s" * 65),
        (aws_name_rules.DASHBOARD, "d_a-sh", "d.ash"),
        (aws_name_rules.ALARM, "a" * 255, "a" * 256),
        (aws_name_rules.ALARM, "a b: c", "a\tb"),
        (aws_name_rules.DYNAMODB_TABLE, "t.b_l-e", "tb"),
        (aws_name_rules.LOG_GROUP, "/aws/lambda/x", "/aws/lambda/x y"),
        (aws_name_rules.LOG_STREAM, "Destination", "a:b"),
        (aws_name_rules.IAM_ROLE, "r" * 56, "r" * 57),
    ],
)
def test_rule_boundaries(rule: NameRule, good: str, bad: str) -> None:
    assert rule.violation(good) is None
    assert rule.violation(bad) is not None


def test_the_opensearch_domain_is_shortened_not_refused() -> None:
    entry = NAMES["analytics-domain"]
    assert entry.render("a" * 21 + "-bcdefgh") == "a" * 21 + "-bcdefg"  # its first 28 characters
    assert entry.render("a" * 27) == "a" * 27  # "-search" cut to "-", which is dropped
    assert entry.rule.violation(entry.render("z" * 30)) is None


# -- checked when config is parsed ---------------------------------------------------------------------


def test_a_23_character_prefix_breaks_the_search_failed_bucket_and_says_so() -> None:
    [problem] = problems({"namePrefix": "a" * 23, **ANALYTICS})
    assert problem.startswith("eventfork:namePrefix: ")
    assert '"aaaaaaaaaaaaaaaaaaaaaaa-search-failed-" (38 characters)' in problem
    assert "S3 bucket_prefix of 1 to 37 characters" in problem
    assert "at most 22 characters fits every name" in problem
    assert parse_settings({"namePrefix": "a" * 22, **ANALYTICS}, "dev").namePrefix == "a" * 22


def test_a_30_character_prefix_the_schema_allows_breaks_the_backup_bucket() -> None:
    [problem] = problems({"namePrefix": "a" * 30})
    assert '"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-backup-" (38 characters)' in problem
    assert parse_settings({"namePrefix": "a" * 29}, "dev").namePrefix == "a" * 29


def test_a_long_prefix_is_fine_when_no_bucket_is_created() -> None:
    """No stricter than AWS: without a created bucket, 30 characters fit every name."""
    raw = {"namePrefix": "a" * 30, "backup": {"bucketArn": "arn:aws:s3:::team-archive"}}
    assert parse_settings(raw, "dev").namePrefix == "a" * 30
    assert parse_settings({"namePrefix": "a" * 30, "backup": {"enabled": False}}, "dev").namePrefix == "a" * 30


@pytest.mark.parametrize("reserved", ["xn--", "sthree-", "amzn-s3-demo-"])
def test_a_prefix_s3_reserves_is_refused(reserved: str) -> None:
    [problem] = problems({"namePrefix": reserved + "team"})
    assert "backup bucket prefix" in problem and f"starting with the reserved {reserved}" in problem


def test_the_default_prefix_of_a_long_stack_name_fails_naming_the_stack() -> None:
    [problem] = problems({}, "staging-eu-central-1")
    assert problem.startswith(
        'stack name "staging-eu-central-1": the default prefix "eventfork-staging-eu-central-1" makes the backup'
    )
    assert "(38 characters)" in problem and "1 to 37 characters" in problem
    assert 'set eventfork:namePrefix, e.g. "eventfork-staging-eu-central"' in problem


@pytest.mark.parametrize(
    ("stack", "invalid"),
    [
        ("team_prod.v2", 'the buffer function "eventfork-team_prod.v2-buffer"'),  # "." in an SQS, Lambda... name
        ("Team.Prod", 'the fanout topic "eventfork-team.prod-fanout.fifo"'),
        ("a" * 21, "(39 characters)"),  # eventfork-<21>-backup-
        ("x__y", 'the backup bucket prefix "eventfork-x__y-backup-"'),  # "_" in a bucket name
    ],
)
def test_a_stack_name_whose_default_prefix_makes_an_invalid_name_is_refused_with_a_suggestion(
    stack: str, invalid: str
) -> None:
    found = problems({}, stack)
    assert all(p.startswith(f'stack name "{stack}"') for p in found)
    assert any(invalid in p for p in found), found
    assert all(f'the default prefix "eventfork-{stack.lower()}"' in p for p in found)
    suggestion = found[0].rsplit("e.g. ", 1)[1].strip('"')
    assert all(p.endswith(f'set eventfork:namePrefix, e.g. "{suggestion}"') for p in found)
    assert parse_settings({"namePrefix": suggestion}, stack).namePrefix == suggestion


def test_team_prod_v2_is_refused_once_per_kind_of_name() -> None:
    """19 names would be invalid; one line per kind, each with one of them and how many more."""
    found = problems({}, "team_prod.v2")
    assert len(found) == 6
    assert any("primary queue" in p and "and 7 more like it" in p and "1 to 80 characters" in p for p in found)
    assert any("key alias" in p and "and 2 more like it" in p for p in found)


def test_the_default_prefix_is_used_as_it_is_where_every_name_takes_it() -> None:
    """Never rewritten (a rewritten prefix could be another stack's): "_" is fine without a bucket."""
    raw = {"backup": {"enabled": False}}
    assert parse_settings(raw, "team_a").namePrefix == "eventfork-team_a"
    assert parse_settings({}, "staging-eu-1").namePrefix == "eventfork-staging-eu-1"


def test_the_suggestion_fits_the_stacks_buckets() -> None:
    found = problems(ANALYTICS, "team_prod.v2")
    suggestion = found[0].rsplit("e.g. ", 1)[1].strip('"')
    assert suggestion == "eventfork-team-prod-v2" and len(suggestion) <= 22
    assert parse_settings({"namePrefix": suggestion, **ANALYTICS}, "team_prod.v2")


def test_uppercase_stack_names_keep_their_lowercase_default() -> None:
    assert parse_settings({}, "Prod").namePrefix == "eventfork-prod"


def test_team_prod_v2_fails_the_program_before_any_resource() -> None:
    with pytest.raises(ProgramError, match=r'ConfigError: .*stack name "team_prod.v2"'):
        capture(ROOT, "team_prod.v2")
    assert capture(ROOT, "team_prod.v2", config_overrides={"eventfork:namePrefix": "team-prod-v2"}).resources


# -- the table is what the program declares --------------------------------------------------------------


def named_in_plan(stack: str, overrides: dict[str, Any] | None = None) -> set[tuple[str, str, str]]:
    kinds = {(e.resource_type, e.field) for e in NAMES.values()}
    return {
        (r.type, field, r.inputs[field])
        for r in plan(stack, overrides).resources
        for kind, field in kinds
        if r.type == kind
    }


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_the_table_lists_exactly_the_names_each_stack_declares(stack: str) -> None:
    settings = parse_settings(
        {k.split(":", 1)[1]: v for k, v in plan(stack).config.items() if k.startswith("eventfork:")}, stack
    )
    from_table = {(n.entry.resource_type, n.entry.field, n.name) for n in declared_names(settings, ACCOUNT_ID, REGION)}
    assert from_table == named_in_plan(stack)
    assert not aws_names.invalid_names(plan(stack).resources)
