"""Stack config: typed, strict, and rejected before any resource is declared."""

from __future__ import annotations

from typing import Any

import pytest

from local.capture import _config_strings, load_project, load_stack_config
from local.capture.mocks import CaptureMocks, CaptureMonitor, run_program
from stack_config import ConfigError, parse_settings
from tests.infra.plans import ROOT

INVALID: list[tuple[dict[str, Any], str, str]] = [
    # (config, key named in the message, what the message says is allowed)
    ({"buffer": {"intervalSeconds": -1}}, "eventfork:buffer.intervalSeconds", "from 0 to 43200"),
    ({"buffer": {"intervalSeconds": 43201}}, "eventfork:buffer.intervalSeconds", "from 0 to 43200"),
    ({"buffer": {"intervalSeconds": "60"}}, "eventfork:buffer.intervalSeconds", "an integer"),
    ({"buffer": {"intervalSeconds": 1.5}}, "eventfork:buffer.intervalSeconds", "an integer"),
    ({"buffer": {"intervalSeconds": True}}, "eventfork:buffer.intervalSeconds", "an integer"),
    ({"buffer": {"batchSize": 0}}, "eventfork:buffer.batchSize", "from 1 to 10"),
    ({"buffer": {"batchSize": 11}}, "eventfork:buffer.batchSize", "from 1 to 10"),
    ({"buffer": {"maxAttempts": 0}}, "eventfork:buffer.maxAttempts", "from 1 to 50"),
    ({"buffer": {"maxConcurrency": 1}}, "eventfork:buffer.maxConcurrency", "from 2 to 1000"),
    ({"buffer": {"maxConcurrency": 1001}}, "eventfork:buffer.maxConcurrency", "from 2 to 1000"),
    ({"buffer": {"functionTimeoutSeconds": 2}}, "eventfork:buffer.functionTimeoutSeconds", "from 3 to 40"),
    ({"buffer": {"functionTimeoutSeconds": 41}}, "eventfork:buffer.functionTimeoutSeconds", "from 3 to 40"),
    ({"buffer": {"highThroughput": "yes"}}, "eventfork:buffer.highThroughput", "true or false"),
    ({"buffer": {"contentBasedDeduplication": 1}}, "eventfork:buffer.contentBasedDeduplication", "true or false"),
    ({"buffer": {"memorySize": 64}}, "eventfork:buffer.memorySize", "from 128 to 10240"),
    ({"buffer": {"retentionSeconds": 59}}, "eventfork:buffer.retentionSeconds", "from 60 to 1209600"),
    ({"buffer": {"retentionSeconds": 1209601}}, "eventfork:buffer.retentionSeconds", "from 60 to 1209600"),
    ({"buffer": {"redriveMaxReceiveCount": 1001}}, "eventfork:buffer.redriveMaxReceiveCount", "from 1 to 1000"),
    ({"buffer": {"redriveMaxReceiveCount": 10}}, "eventfork:buffer.redriveMaxReceiveCount", "at least 186"),
    ({"buffer": {"idempotencyTtlSeconds": 60}}, "eventfork:buffer.idempotencyTtlSeconds", "from 86400"),
    ({"buffer": {"groupStateTtlSeconds": 10**9}}, "eventfork:buffer.groupStateTtlSeconds", "to 31536000"),
    ({"buffer": {"logRetentionDays": 2}}, "eventfork:buffer.logRetentionDays", "one of 1, 3, 5"),
    ({"buffer": {"pointInTimeRecovery": None}}, "eventfork:buffer.pointInTimeRecovery", "true or false"),
    ({"buffer": {"interval": 60}}, "eventfork:buffer.interval", "allowed keys: batchSize"),
    ({"buffer": [60]}, "eventfork:buffer", "an object with keys"),
    ({"buffer": "fast"}, "eventfork:buffer", "an object with keys"),
    ({"fanout": {"fifo": "true"}}, "eventfork:fanout.fifo", "true or false"),
    ({"fanout": {"primaryMaxReceiveCount": 0}}, "eventfork:fanout.primaryMaxReceiveCount", "from 1 to 1000"),
    (
        {"fanout": {"primaryVisibilityTimeoutSeconds": 43201}},
        "eventfork:fanout.primaryVisibilityTimeoutSeconds",
        "from 0 to 43200",
    ),
    ({"fanout": {"topicName": "x"}}, "eventfork:fanout.topicName", "allowed keys"),
    ({"lambda": {"runtime": "python3.9"}}, "eventfork:lambda.runtime", 'one of "python3.12", "python3.13"'),
    ({"lambda": {"architecture": "sparc"}}, "eventfork:lambda.architecture", 'one of "arm64", "x86_64"'),
    ({"lambda": {"powertoolsLayerVersion": 27}}, "eventfork:lambda.powertoolsLayerVersion", "unknown key"),
    ({"kms": {"deletionWindowDays": 6}}, "eventfork:kms.deletionWindowDays", "from 7 to 30"),
    ({"namePrefix": "Upper_Case"}, "eventfork:namePrefix", "matching"),
    ({"namePrefix": "a" * 31}, "eventfork:namePrefix", "matching"),
    ({"tags": ["a"]}, "eventfork:tags", "an object"),
    ({"tags": {"team": 7}}, "eventfork:tags.team", "a string of at most 256"),
    ({"bufer": {}}, "eventfork:bufer", "unknown key"),
]


@pytest.mark.parametrize(("raw", "key", "allowed"), INVALID, ids=[f"{k}-{i}" for i, (_, k, _) in enumerate(INVALID)])
def test_invalid_config_names_the_key_and_what_is_allowed(raw: dict[str, Any], key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "dev")
    matching = [p for p in error.value.problems if p.startswith(key + ":")]
    assert matching, error.value.problems
    assert allowed in matching[0], matching[0]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({"buffer": {"batchSize": 0, "maxAttempts": 0}, "fanout": {"fifo": 1}}, "dev")
    assert len(error.value.problems) == 3


def test_defaults_are_the_documented_ones() -> None:
    settings = parse_settings({}, "dev")
    assert settings.namePrefix == "eventfork-dev"
    b = settings.buffer
    assert (b.intervalSeconds, b.highThroughput, b.contentBasedDeduplication, b.maxAttempts) == (60, True, False, 5)
    assert (b.functionTimeoutSeconds, b.maxConcurrency, b.batchSize) == (30, 10, 10)
    assert b.visibility_timeout_seconds == 180 and b.redrive_max_receive_count == 1000
    assert settings.fanout.fifo is True


def test_objects_arrive_as_json_strings_from_the_engine() -> None:
    settings = parse_settings({"buffer": '{"intervalSeconds": 5}', "namePrefix": "team-a"}, "prod")
    assert settings.buffer.intervalSeconds == 5 and settings.namePrefix == "team-a"


def test_bad_config_fails_before_any_resource_is_declared() -> None:
    project, main = load_project(ROOT)
    config = load_stack_config(ROOT, project, "dev")
    config["eventfork:buffer"] = {"batchSize": 99}
    mocks = CaptureMocks({})
    monitor = CaptureMonitor(mocks)
    with pytest.raises(ConfigError, match=r"eventfork:buffer.batchSize: got 99; allowed: an integer from 1 to 10"):
        run_program(
            main=main,
            project=project,
            stack="dev",
            config=_config_strings(config),
            mocks=mocks,
            monitor=monitor,
            preview=False,
        )
    assert monitor.captured == []
