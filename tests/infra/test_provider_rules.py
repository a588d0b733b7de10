"""Every config key's accepted range yields inputs AWS and the provider accept; each rule has a case.

Ranges and choices are compared with the botocore service models where they state them; rules that
only AWS's pages state (SNS filter policy limits, alarm evaluation window, tags) are tested with a
config the schema accepted before each rule existed.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest

from eventfork.config.alarms import AlarmsConfig
from eventfork.config.analytics import ROTATIONS, AnalyticsConfig
from eventfork.config.backup import STORAGE_CLASSES, BackupConfig
from eventfork.config.replay import ReplayConfig
from eventfork.config.schema import Rule
from eventfork.config.shared import COMPRESSION
from stack_config import LOG_RETENTION_DAYS, BufferConfig, ConfigError, FanOutConfig, KmsConfig, parse_settings
from tests.infra import aws_names
from tests.infra.plans import one, plan, value


def shape(service: str, operation: str, *path: str) -> Any:
    current = botocore.session.Session().get_service_model(service).operation_model(operation).input_shape
    for name in path:
        current = current.member if name == "[]" else current.members[name]
    return current


def rule(section: type, key: str) -> Rule:
    return next(f.metadata["rule"] for f in section.__dataclass_fields__.values() if f.name == key)  # type: ignore[attr-defined]


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "dev")
    return error.value.problems


# -- ranges and choices within the service models ---------------------------------------------------------

S3_DESTINATION = ("firehose", "CreateDeliveryStream", "ExtendedS3DestinationConfiguration")
SEARCH_DESTINATION = ("firehose", "CreateDeliveryStream", "AmazonopensearchserviceDestinationConfiguration")
RANGES = [
    (BufferConfig, "memorySize", ("lambda", "CreateFunction", "MemorySize")),
    (BufferConfig, "functionTimeoutSeconds", ("lambda", "CreateFunction", "Timeout")),
    (BufferConfig, "maxConcurrency", ("lambda", "CreateEventSourceMapping", "ScalingConfig", "MaximumConcurrency")),
    (BufferConfig, "batchSize", ("lambda", "CreateEventSourceMapping", "BatchSize")),
    (ReplayConfig, "batchSize", ("lambda", "CreateEventSourceMapping", "BatchSize")),
    (BackupConfig, "functionTimeoutSeconds", ("lambda", "CreateFunction", "Timeout")),
    (BackupConfig, "bufferingIntervalSeconds", (*S3_DESTINATION, "BufferingHints", "IntervalInSeconds")),
    (BackupConfig, "bufferingSizeMb", (*S3_DESTINATION, "BufferingHints", "SizeInMBs")),
    (AnalyticsConfig, "bufferingIntervalSeconds", (*SEARCH_DESTINATION, "BufferingHints", "IntervalInSeconds")),
    (AnalyticsConfig, "bufferingSizeMb", (*SEARCH_DESTINATION, "BufferingHints", "SizeInMBs")),
    (AnalyticsConfig, "retryDurationSeconds", (*SEARCH_DESTINATION, "RetryOptions", "DurationInSeconds")),
    (KmsConfig, "deletionWindowDays", ("kms", "ScheduleKeyDeletion", "PendingWindowInDays")),
    (AlarmsConfig, "evaluationPeriods", ("cloudwatch", "PutMetricAlarm", "EvaluationPeriods")),
]


@pytest.mark.parametrize(("section", "key", "where"), RANGES, ids=[f"{s.__name__}.{k}" for s, k, _ in RANGES])
def test_range_is_within_the_service_model(section: type, key: str, where: tuple[str, ...]) -> None:
    limits = shape(*where).metadata
    allowed = rule(section, key)
    assert allowed.minimum is not None and allowed.minimum >= limits["min"]
    assert "max" not in limits or (allowed.maximum is not None and allowed.maximum <= limits["max"])


def test_fifo_event_sources_take_at_most_10_records() -> None:
    assert "For FIFO queues the max is 10" in aws_names.documented("lambda", "CreateEventSourceMapping", "BatchSize")
    assert rule(BufferConfig, "batchSize").maximum == rule(ReplayConfig, "batchSize").maximum == 10


@pytest.mark.parametrize(
    ("choices", "where"),
    [
        (COMPRESSION, (*S3_DESTINATION, "CompressionFormat")),
        (COMPRESSION, (*SEARCH_DESTINATION, "S3Configuration", "CompressionFormat")),
        (ROTATIONS, (*SEARCH_DESTINATION, "IndexRotationPeriod")),
        (
            STORAGE_CLASSES,
            (
                "s3",
                "PutBucketLifecycleConfiguration",
                "LifecycleConfiguration",
                "Rules",
                "[]",
                "Transitions",
                "[]",
                "StorageClass",
            ),
        ),
        (("python3.12", "python3.13"), ("lambda", "CreateFunction", "Runtime")),
        (("arm64", "x86_64"), ("lambda", "CreateFunction", "Architectures", "[]")),
    ],
)
def test_choices_are_values_the_service_model_lists(choices: tuple[str, ...], where: tuple[str, ...]) -> None:
    assert set(choices) <= set(shape(*where).enum)


def test_log_retention_values_are_the_documented_ones() -> None:
    text = aws_names.documented("logs", "PutRetentionPolicy", "retentionInDays")
    listed = [int(n) for n in text.split("Possible values are: ")[1].split(".")[0].replace("and ", "").split(", ")]
    assert list(LOG_RETENTION_DAYS) == listed


def test_queue_ranges_are_sqs_attribute_limits() -> None:
    """SQS SetQueueAttributes: VisibilityTimeout 0..43200 and MessageRetentionPeriod 60..1209600."""
    doc = aws_names.documented("sqs", "SetQueueAttributes", "Attributes")
    assert "0 to 43,200" in doc and "from 60 (1 minute) to 1,209,600 (14 days)" in doc
    for section, key in ((FanOutConfig, "primaryVisibilityTimeoutSeconds"), (BufferConfig, "intervalSeconds")):
        assert (rule(section, key).minimum, rule(section, key).maximum) == (0, 43200)
    for section, key in (
        (BufferConfig, "retentionSeconds"),
        (FanOutConfig, "primaryRetentionSeconds"),
        (BackupConfig, "queueRetentionSeconds"),
        (AnalyticsConfig, "queueRetentionSeconds"),
        (ReplayConfig, "retentionSeconds"),
    ):
        assert (rule(section, key).minimum, rule(section, key).maximum) == (60, 1209600)
    # Pipeline queues' visibility is 6x the function timeout (at most 900): within 43200.
    assert (
        6 * max(rule(s, "functionTimeoutSeconds").maximum or 0 for s in (BackupConfig, AnalyticsConfig, ReplayConfig))
        <= 43200
    )


def test_engine_version_follows_the_model_pattern() -> None:
    low, high, pattern = aws_names.constraint("opensearch", "CreateDomain", "EngineVersion")
    assert (low, high) == (14, 18) and "OpenSearch_[0-9]{1,2}" in pattern
    [problem] = problems({"analytics": {"engineVersion": "OpenSearch_123.4"}})  # accepted before
    assert problem.startswith("eventfork:analytics.engineVersion: got")
    assert parse_settings({"analytics": {"engineVersion": "OpenSearch_3.1"}}, "dev").analytics.engineVersion


# -- rules AWS states in its pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "ok"),
    [
        ("raw/!{timestamp:yyyy/MM/dd}/!{firehose:random-string}/", True),
        ("events/!{partitionKeyFromQuery:customer}/", False),  # accepted before: needs dynamic partitioning
        ("events/!{partitionKeyFromLambda:customer}/", False),
        ("events/!{foo:bar}/", False),
        ("events/!{firehose:anything}/", False),
        ("events/!{timestamp:}/", False),
        ("events/!{timestamp:yyyy/", False),
    ],
)
def test_firehose_prefix_expressions(prefix: str, ok: bool) -> None:
    """https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html: the namespaces and their values."""
    raw = {"backup": {"prefix": prefix, "errorPrefix": "errors/!{firehose:error-output-type}/"}}
    if ok:
        parse_settings(raw, "dev")
    else:
        found = problems(raw)
        assert found and all(p.startswith("eventfork:backup.prefix: got") for p in found), found
    assert problems({"backup": {"errorPrefix": "bad/!{partitionKeyFromQuery:x}/"}})[0].startswith(
        "eventfork:backup.errorPrefix: got"
    )


@pytest.mark.parametrize(
    ("period", "periods", "ok"),
    [(60, 100, True), (300, 100, True), (900, 96, True), (900, 97, False), (3600, 100, True)],
)
def test_alarm_evaluation_window(period: int, periods: int, ok: bool) -> None:
    """PutMetricAlarm: Period x EvaluationPeriods at most 86,400 s under a one-hour period, else 604,800 s."""
    doc = aws_names.documented("cloudwatch", "PutMetricAlarm", "Period")
    assert "can't be longer than one day (86,400 seconds)" in doc and "604,800 seconds" in doc
    raw = {"alarms": {"periodSeconds": period, "evaluationPeriods": periods}}
    if ok:
        parse_settings(raw, "dev")
    else:
        [problem] = problems(raw)
        assert problem.startswith("eventfork:alarms.evaluationPeriods: got 97") and "86400" in problem


def test_filter_policy_combinations_at_most_150() -> None:
    """https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html."""
    six = [f"v{i}" for i in range(6)]
    too_many = {"a": six, "b": six, "c": six[:5]}  # 6 x 6 x 5 = 180, five keys or fewer: accepted before
    for section in ("backup", "analytics", "replay"):
        [problem] = problems({section: {"filterPolicy": too_many}})
        assert problem.startswith(f"eventfork:{section}.filterPolicy: got 180 combinations; allowed: at most 150")
    parse_settings({"backup": {"filterPolicy": {"a": six, "b": six, "c": six[:4]}}}, "dev")  # 144
    nested = {"order": {"kind": six, "region": six, "tier": six[:5]}}
    [problem] = problems({"backup": {"filterPolicy": nested, "filterPolicyScope": "MessageBody"}})
    assert "180 combinations" in problem
    alternatives = {"$or": [{"a": six, "b": six}, {"c": six[:3]}]}  # 36 + 3
    parse_settings({"backup": {"filterPolicy": alternatives, "filterPolicyScope": "MessageBody"}}, "dev")


def test_filter_policy_numbers_within_a_billion() -> None:
    big = {"amount": [{"numeric": [">", 5_000_000_000]}]}
    [problem] = problems({"analytics": {"filterPolicy": big}})
    assert "5000000000" in problem and "-1000000000 to 1000000000" in problem
    parse_settings({"analytics": {"filterPolicy": {"amount": [{"numeric": [">", 100, "<=", 1e9]}]}}}, "dev")


def test_filter_policy_size_at_most_256_kb() -> None:
    [problem] = problems({"replay": {"filterPolicy": {"kind": ["x" * 270_000]}}})
    assert problem.startswith("eventfork:replay.filterPolicy: got") and "262144 bytes" in problem


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"aws:team": "a"}, "tags.aws:team: a key starting with aws: is reserved"),
        ({"AWS:team": "a"}, "a key starting with aws: is reserved"),
        ({"eventfork:stack": "x"}, "the program sets eventfork: tags itself"),
        ({"team#1": "a"}, "letters, digits, spaces and _ . : / = + - @"),
        ({"team": "a;b"}, "letters, digits, spaces and _ . : / = + - @"),
        ({f"t{i}": "v" for i in range(46)}, "46 tags; allowed: at most 45"),
    ],
)
def test_tags_follow_aws_tagging_rules(tags: dict[str, str], message: str) -> None:
    found = problems({"tags": tags})
    assert any(message in p for p in found), found


def test_tags_that_follow_the_rules_reach_every_resource() -> None:
    tags = {f"t{i}": "v é:/=+-@ ." for i in range(45)}
    parse_settings({"tags": tags}, "dev")
    provider = one(plan(overrides={"eventfork:tags": tags}), "pulumi:providers:aws", "aws")
    assert json.loads(value(provider, "defaultTags"))["tags"]["t44"] == tags["t44"]


def test_the_program_sets_at_most_5_tags_itself() -> None:
    """50 tags per resource (AWS tagging): the program's own, on any resource, leave 45 for the stack."""
    for stack in ("dev", "prod", "ecommerce"):
        p = plan(stack)
        default = json.loads(value(one(p, "pulumi:providers:aws", "aws"), "defaultTags"))["tags"]
        for r in p.resources:
            own = set(r.inputs.get("tags") or {}) | set(default)
            assert len(own) <= 5, (r.name, own)
