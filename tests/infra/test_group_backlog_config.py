"""``eventfork:buffer.maxGroupBacklogSeconds``: checked at config time and handed to the buffer function."""

from __future__ import annotations

import pytest

from stack_config import ConfigError, parse_settings
from tests.infra.plans import ROOT  # noqa: F401 - puts infra/ on the path like the other infra tests


def test_the_default_limit_leaves_a_day_before_the_queues_retention() -> None:
    assert parse_settings({}, "dev").buffer.max_group_backlog_seconds == 1209600 - 86400
    short = parse_settings({"buffer": {"retentionSeconds": 7200}}, "dev").buffer
    # half the retention would leave less than a window, a visibility timeout and an hour: that is left
    assert short.max_group_backlog_seconds == 7200 - (60 + 180 + 3600)


@pytest.mark.parametrize("value", [30, 1209600 - 3599, 1209600 - 3840 + 1])
def test_a_limit_outside_interval_to_retention_minus_the_drain_time_names_the_key(value: int) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({"buffer": {"maxGroupBacklogSeconds": value}}, "dev")
    [problem] = error.value.problems
    assert problem.startswith(
        f"eventfork:buffer.maxGroupBacklogSeconds: got {value}; allowed: from intervalSeconds (60)"
    )
    assert "= 1205760" in problem


def test_no_backlog_limit_is_refused_since_the_retention_could_expire_a_backlog() -> None:
    """Accepted before: retention 3600 with no limit let a burst of 80 events at interval 60 expire 19 unseen."""
    with pytest.raises(ConfigError) as error:
        parse_settings({"buffer": {"retentionSeconds": 3600, "maxGroupBacklogSeconds": 0}}, "dev")
    [problem] = error.value.problems
    assert problem.startswith("eventfork:buffer.maxGroupBacklogSeconds: got 0; 0 (no limit) is not accepted")
    assert "none: raise retentionSeconds" in problem


def test_a_retention_too_short_for_the_default_limit_names_the_retention_not_a_derived_value() -> None:
    """Before, the message was 'maxGroupBacklogSeconds: got 1800', a value the user never set."""
    with pytest.raises(ConfigError) as error:
        parse_settings({"buffer": {"retentionSeconds": 3600}}, "dev")
    [problem] = error.value.problems
    assert problem.startswith("eventfork:buffer.retentionSeconds: got 3600; allowed: at least 3900 with the default")
    assert "1800" not in problem


def test_every_accepted_combination_leaves_the_drain_time_before_the_retention() -> None:
    """Property over retention, interval, function timeout and limit: accepted means safe."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(
        st.integers(60, 1209600),
        st.integers(0, 43200),
        st.integers(3, 40),
        st.one_of(st.none(), st.integers(0, 1209600)),
    )
    def accepted_is_safe(retention: int, interval: int, timeout: int, limit: int | None) -> None:
        raw: dict[str, int] = {"retentionSeconds": retention, "intervalSeconds": interval}
        raw["functionTimeoutSeconds"] = timeout
        if limit is not None:
            raw["maxGroupBacklogSeconds"] = limit
        try:
            buffer = parse_settings({"buffer": raw}, "dev").buffer
        except ConfigError:
            return
        backlog = buffer.max_group_backlog_seconds
        assert backlog >= max(1, interval)
        # an event over the limit is seen within a window, a visibility timeout and an hour's drain
        assert backlog + interval + 6 * timeout + 3600 <= retention

    accepted_is_safe()


def test_the_buffer_function_gets_the_limit() -> None:
    from tests.infra.test_buffer_component import one, plan, value

    env = value(one(plan(), "aws:lambda/function:Function", "buffer-function"), "environment.variables")
    assert env["MAX_GROUP_BACKLOG_SECONDS"] == str(1209600 - 86400)
