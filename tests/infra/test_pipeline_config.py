"""Pipeline config sections: defaults, the services' exact ranges, cross-checks, and clear errors."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from eventfork.config.analytics import AnalyticsConfig
from eventfork.config.backup import BackupConfig
from eventfork.config.replay import ReplayConfig
from eventfork.config.schema import Rule
from local.capture import _config_strings, load_project, load_stack_config
from local.capture.mocks import CaptureMocks, CaptureMonitor, run_program
from stack_config import ConfigError, parse_settings
from tests.infra.plans import ROOT

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:scrub"
SQS = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"

INVALID: list[tuple[dict[str, Any], str, str]] = [
    # (config, key named in the message, what the message says is allowed)
    ({"backup": {"enabled": "yes"}}, "eventfork:backup.enabled", "true or false"),
    ({"backup": {"compression": "BZIP2"}}, "eventfork:backup.compression", '"GZIP", "ZIP", "Snappy"'),
    ({"backup": {"compression": "gzip"}}, "eventfork:backup.compression", "one of"),
    ({"backup": {"bufferingIntervalSeconds": -1}}, "eventfork:backup.bufferingIntervalSeconds", "from 0 to 900"),
    ({"backup": {"bufferingIntervalSeconds": 901}}, "eventfork:backup.bufferingIntervalSeconds", "from 0 to 900"),
    ({"backup": {"bufferingIntervalSeconds": "60"}}, "eventfork:backup.bufferingIntervalSeconds", "an integer"),
    ({"backup": {"bufferingSizeMb": 0}}, "eventfork:backup.bufferingSizeMb", "from 1 to 128"),
    ({"backup": {"bufferingSizeMb": 129}}, "eventfork:backup.bufferingSizeMb", "from 1 to 128"),
    ({"backup": {"bucketArn": "my-bucket"}}, "eventfork:backup.bucketArn", "matching"),
    ({"backup": {"transitionDays": 90, "expirationDays": 30}}, "eventfork:backup.expirationDays", "more than"),
    ({"backup": {"transitionDays": 30, "expirationDays": 30}}, "eventfork:backup.expirationDays", "more than"),
    ({"backup": {"transitionDays": 10}}, "eventfork:backup.transitionDays", "at least 30 for STANDARD_IA"),
    ({"backup": {"transitionStorageClass": "COLD"}}, "eventfork:backup.transitionStorageClass", "GLACIER_IR"),
    ({"backup": {"expirationDays": 0}}, "eventfork:backup.expirationDays", "from 1 to 36500"),
    (
        {"backup": {"bucketArn": "arn:aws:s3:::team", "expirationDays": 30}},
        "eventfork:backup.bucketArn",
        "only for a bucket this pipeline creates",
    ),
    ({"backup": {"redaction": 1}}, "eventfork:backup.redaction", "true or false"),
    ({"backup": {"transformFunctionArn": LAMBDA}}, "eventfork:backup.transformFunctionArn", "redaction: false"),
    (
        {"backup": {"redaction": False, "transformFunctionArn": "scrub"}},
        "eventfork:backup.transformFunctionArn",
        "matching",
    ),
    ({"backup": {"filterPolicy": '{"a": 1}'}}, "eventfork:backup.filterPolicy", "an object"),
    ({"backup": {"filterPolicy": {}}}, "eventfork:backup.filterPolicy", "at least one attribute"),
    ({"backup": {"filterPolicy": {k: ["x"] for k in "abcdef"}}}, "eventfork:backup.filterPolicy", "at most 5"),
    ({"backup": {"filterPolicy": {"order": {"total": [1]}}}}, "eventfork:backup.filterPolicy.order", "MessageBody"),
    ({"backup": {"filterPolicyScope": "Body"}}, "eventfork:backup.filterPolicyScope", '"MessageAttributes"'),
    ({"backup": {"prefix": "d/!{timestamp:yyyy}/", "errorPrefix": ""}}, "eventfork:backup.errorPrefix", "required"),
    (
        {"backup": {"prefix": "!{firehose:error-output-type}/"}},
        "eventfork:backup.prefix",
        "errorPrefix only",
    ),
    ({"backup": {"functionTimeoutSeconds": 901}}, "eventfork:backup.functionTimeoutSeconds", "from 3 to 900"),
    ({"backup": {"queueRetentionSeconds": 59}}, "eventfork:backup.queueRetentionSeconds", "from 60 to 1209600"),
    ({"backup": {"logLevel": "TRACE"}}, "eventfork:backup.logLevel", '"DEBUG", "INFO", "WARNING", "ERROR"'),
    ({"backup": {"bucket": "x"}}, "eventfork:backup.bucket", "unknown key"),
    ({"analytics": {"retryDurationSeconds": -1}}, "eventfork:analytics.retryDurationSeconds", "from 0 to 7200"),
    ({"analytics": {"retryDurationSeconds": 7201}}, "eventfork:analytics.retryDurationSeconds", "from 0 to 7200"),
    ({"analytics": {"indexRotation": "Hourly"}}, "eventfork:analytics.indexRotation", '"NoRotation", "OneHour"'),
    ({"analytics": {"bufferingSizeMb": 101}}, "eventfork:analytics.bufferingSizeMb", "from 1 to 100"),
    ({"analytics": {"bufferingIntervalSeconds": 901}}, "eventfork:analytics.bufferingIntervalSeconds", "0 to 900"),
    ({"analytics": {"indexName": "Orders"}}, "eventfork:analytics.indexName", "matching"),
    ({"analytics": {"indexName": "_orders"}}, "eventfork:analytics.indexName", "matching"),
    ({"analytics": {"indexName": "o" * 81}}, "eventfork:analytics.indexName", "matching"),
    ({"analytics": {"dedicatedMasterCount": 2}}, "eventfork:analytics.dedicatedMasterCount", "one of 3, 5"),
    ({"analytics": {"instanceCount": 0}}, "eventfork:analytics.instanceCount", "from 1 to 80"),
    ({"analytics": {"instanceCount": 5}}, "eventfork:analytics.instanceCount", "an even number or a multiple of 3"),
    ({"analytics": {"instanceType": "m5.large"}}, "eventfork:analytics.instanceType", "matching"),
    ({"analytics": {"engineVersion": "7.10"}}, "eventfork:analytics.engineVersion", "matching"),
    ({"analytics": {"volumeSizeGb": 9}}, "eventfork:analytics.volumeSizeGb", "from 10 to 16384"),
    ({"analytics": {"domainArn": "arn:aws:s3:::b"}}, "eventfork:analytics.domainArn", "matching"),
    ({"analytics": {"failedDocumentsCompression": "LZ4"}}, "eventfork:analytics.failedDocumentsCompression", "one of"),
    (
        {"analytics": {"transform": True, "transformFunctionArn": LAMBDA}},
        "eventfork:analytics.transformFunctionArn",
        "transform: false",
    ),
    ({"analytics": {"readerArns": ["bob"]}}, "eventfork:analytics.readerArns", "IAM role or user ARNs"),
    (
        {
            "analytics": {
                "domainArn": "arn:aws:es:us-east-1:123456789012:domain/x-y",
                "readerArns": ["arn:aws:iam::1:role/r"],
            }
        },
        "eventfork:analytics.readerArns",
        "only for a created domain",
    ),
    ({"replay": {"retentionSeconds": 59}}, "eventfork:replay.retentionSeconds", "from 60 to 1209600"),
    ({"replay": {"retentionSeconds": 1209601}}, "eventfork:replay.retentionSeconds", "from 60 to 1209600"),
    ({"replay": {"active": "yes"}}, "eventfork:replay.active", "true or false"),
    ({"replay": {"batchSize": 11}}, "eventfork:replay.batchSize", "from 1 to 10"),
    ({"replay": {"functionTimeoutSeconds": 2}}, "eventfork:replay.functionTimeoutSeconds", "from 3 to 900"),
    ({"replay": {"destinationQueueArn": SQS}}, "eventfork:replay.destinationQueueArn/destinationQueueUrl", "both"),
    (
        {"replay": {"destinationQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo"}},
        "eventfork:replay.destinationQueueArn/destinationQueueUrl",
        "both or neither",
    ),
    (
        {"replay": {"destinationQueueArn": "orders", "destinationQueueUrl": "x"}},
        "eventfork:replay.destinationQueueArn",
        "matching",
    ),
    (
        {
            "replay": {
                "destinationQueueName": "a",
                "destinationQueueArn": SQS,
                "destinationQueueUrl": "https://sqs.x/1/a",
            }
        },
        "eventfork:replay.destinationQueueName",
        "one way",
    ),
    ({"replay": {"destinationQueueName": "bad name"}}, "eventfork:replay.destinationQueueName", "matching"),
    ({"replay": {"destinationKmsKeyArn": "alias/x"}}, "eventfork:replay.destinationKmsKeyArn", "matching"),
    ({"replay": {"filterPolicyScope": "Attributes"}}, "eventfork:replay.filterPolicyScope", "one of"),
]


@pytest.mark.parametrize(("raw", "key", "allowed"), INVALID, ids=[f"{k}-{i}" for i, (_, k, _) in enumerate(INVALID)])
def test_invalid_pipeline_config_names_the_key_and_what_is_allowed(raw: dict[str, Any], key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "dev")
    matching = [p for p in error.value.problems if p.startswith(key + ":") or p.startswith(key + " ")]
    assert matching, error.value.problems
    assert allowed in matching[0], matching[0]


VALID: list[dict[str, Any]] = [
    {"backup": {"bufferingIntervalSeconds": 0, "bufferingSizeMb": 1}},
    {"backup": {"bufferingIntervalSeconds": 900, "bufferingSizeMb": 128}},
    {"backup": {"transitionDays": 0, "transitionStorageClass": "GLACIER_IR", "expirationDays": 1}},
    {"backup": {"transitionDays": 30, "expirationDays": 31}},
    {"backup": {"redaction": False, "transformFunctionArn": LAMBDA + ":live"}},
    {"backup": {"filterPolicy": {"order": {"total": [{"numeric": [">", 1]}]}}, "filterPolicyScope": "MessageBody"}},
    {"analytics": {"retryDurationSeconds": 0, "bufferingSizeMb": 100, "instanceCount": 6, "dedicatedMasterCount": 5}},
    {"analytics": {"retryDurationSeconds": 7200, "indexName": "checkout_events", "instanceCount": 2}},
    {"analytics": {"readerArns": ["arn:aws:iam::123456789012:role/analysts"]}},
    {"replay": {"retentionSeconds": 60, "batchSize": 1}},
    {"replay": {"destinationQueueArn": SQS, "destinationQueueUrl": "https://sqs.us-east-1.amazonaws.com/1/o.fifo"}},
    {"replay": {"destinationQueueName": "orders.fifo"}},
]


@pytest.mark.parametrize("raw", VALID)
def test_values_at_the_services_limits_are_accepted(raw: dict[str, Any]) -> None:
    parse_settings(raw, "dev")


def test_defaults() -> None:
    s = parse_settings({}, "dev")
    b, a, r = s.backup, s.analytics, s.replay
    assert (b.enabled, b.bucketArn, b.prefix, b.errorPrefix, b.compression) == (
        True,
        None,
        "events/",
        "errors/",
        "GZIP",
    )
    assert (b.bufferingIntervalSeconds, b.bufferingSizeMb, b.transitionDays, b.expirationDays) == (60, 5, None, None)
    assert (b.redaction, b.transformFunctionArn, b.filterPolicy, b.filterPolicyScope) == (
        True,
        None,
        None,
        "MessageAttributes",
    )
    assert (b.functionTimeoutSeconds, b.queueRetentionSeconds, b.logLevel) == (30, 1209600, "INFO")
    assert (a.enabled, a.domainArn, a.engineVersion, a.instanceType, a.instanceCount) == (
        False,
        None,
        "OpenSearch_2.19",
        "r7g.medium.search",
        1,
    )
    assert (a.dedicatedMasterEnabled, a.dedicatedMasterCount, a.volumeSizeGb, a.readerArns) == (False, 3, 20, [])
    assert (a.indexName, a.indexRotation, a.retryDurationSeconds) == ("events", "OneDay", 300)
    assert (a.bufferingIntervalSeconds, a.bufferingSizeMb, a.failedDocumentsCompression) == (60, 5, "GZIP")
    assert (a.failedDocumentsPrefix, a.transform, a.transformFunctionArn) == ("failed/", None, None)
    assert a.builtin_transform and (a.publicAccess, a.subnetIds, a.vpcCidr) == (False, [], "10.80.0.0/16")
    assert (r.enabled, r.active, r.retentionSeconds, r.batchSize, r.functionTimeoutSeconds) == (
        True,
        False,
        1209600,
        10,
        30,
    )
    assert (r.destinationQueueArn, r.destinationQueueUrl, r.destinationQueueName, r.destinationKmsKeyArn) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("section", [BackupConfig, AnalyticsConfig, ReplayConfig])
def test_every_key_is_documented_in_code_and_in_the_pipelines_doc(section: type) -> None:
    doc = (ROOT / "docs" / "pipelines.md").read_text()
    for f in dataclasses.fields(section):
        rule: Rule = f.metadata["rule"]
        assert rule.doc, f"{section.__name__}.{f.name} has no doc"
        assert f"`{f.name}`" in doc, f"docs/pipelines.md does not mention {f.name}"


def test_all_problems_of_all_sections_are_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(
            {"backup": {"bufferingSizeMb": 0}, "analytics": {"indexRotation": "x"}, "replay": {"batchSize": 0}}, "dev"
        )
    assert len(error.value.problems) == 3


def test_bad_pipeline_config_fails_the_program_before_any_resource() -> None:
    project, main = load_project(ROOT)
    config = load_stack_config(ROOT, project, "ecommerce")
    config["eventfork:analytics"] = {**config["eventfork:analytics"], "retryDurationSeconds": 9000}
    mocks = CaptureMocks({})
    monitor = CaptureMonitor(mocks)
    with pytest.raises(ConfigError, match=r"eventfork:analytics.retryDurationSeconds: got 9000; allowed: an integer"):
        run_program(
            main=main,
            project=project,
            stack="ecommerce",
            config=_config_strings(config),
            mocks=mocks,
            monitor=monitor,
            preview=False,
        )
    assert monitor.captured == []
