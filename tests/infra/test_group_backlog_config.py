"""``eventfork:buffer.maxGroupBacklogSeconds``: checked at config time and handed to the buffer function."""

from __future__ import annotations

import pytest

from stack_config import ConfigError, parse_settings
from tests.infra.plans import ROOT  # noqa: F401 - puts infra/ on the path like the other infra tests


def test_the_default_limit_leaves_a_day_before_the_queues_retention() -> None:
    assert parse_settings({}, "dev").buffer.max_group_backlog_seconds == 1209600 - 86400
    short = parse_settings({"buffer": {"retentionSeconds": 7200}}, "dev").buffer
    assert short.max_group_backlog_seconds == 3600
    assert parse_settings({"buffer": {"maxGroupBacklogSeconds": 0}}, "dev").buffer.max_group_backlog_seconds == 0


@pytest.mark.parametrize("value", [30, 1209600 - 3599])
def test_a_limit_outside_interval_to_retention_minus_an_hour_names_the_key(value: int) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({"buffer": {"maxGroupBacklogSeconds": value}}, "dev")
    [problem] = error.value.problems
    assert problem.startswith("eventfork:buffer.maxGroupBacklogSeconds: got ")
    assert "allowed: 0 (no limit) or from intervalSeconds (60) to retentionSeconds - 3600 (1206000)" in problem


def test_the_buffer_function_gets_the_limit() -> None:
    from tests.infra.test_buffer_component import one, plan, value

    env = value(one(plan(), "aws:lambda/function:Function", "buffer-function"), "environment.variables")
    assert env["MAX_GROUP_BACKLOG_SECONDS"] == str(1209600 - 86400)
