"""Components check their own arguments with their stack config section's rules and the naming table."""

from __future__ import annotations

import pytest

from stack_config import ConfigError


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"partitions": 0}, "FifoEventBuffer.partitions: got 0; allowed: an integer from 1 to 256"),
        ({"batchSize": 99}, "FifoEventBuffer.batchSize: got 99; allowed: an integer from 1 to 10"),
        ({"redriveMaxReceiveCount": 10}, "FifoEventBuffer.redriveMaxReceiveCount: got 10; allowed: at least 186"),
    ],
)
def test_the_component_refuses_arguments_aws_or_the_guarantees_would_refuse(
    changes: dict[str, object], problem: str
) -> None:
    """Without stack config in front (pip install, pulumi package add), the component checks its own
    arguments as ``eventfork:buffer`` is checked, and names them as its schema does."""
    from eventfork.components.buffer import FifoEventBufferArgs, check_buffer_args
    from eventfork.config.buffer import BufferConfig

    base = {"name_prefix": "team", "topic_arn": "arn:aws:sns:us-east-1:123456789012:t.fifo", "topic_kms_key_arn": "k"}
    check_buffer_args(FifoEventBufferArgs(**base))  # the defaults are valid
    with pytest.raises(ConfigError, match="invalid FifoEventBuffer arguments") as raised:
        check_buffer_args(FifoEventBufferArgs(**base, config=BufferConfig(**changes)))  # type: ignore[arg-type]
    assert raised.value.problems[0].startswith(problem)


def test_the_component_refuses_a_name_prefix_aws_names_cannot_take() -> None:
    """The names it would declare are checked with AWS's rules (naming table), no stricter: an SQS
    queue name is at most 80 characters, so a 70-character prefix is refused, "Team_A" is not."""
    from eventfork.components.buffer import FifoEventBufferArgs, check_buffer_args

    topic = "arn:aws:sns:us-east-1:123456789012:t"
    check_buffer_args(FifoEventBufferArgs(name_prefix="Team_A", topic_arn=topic, topic_kms_key_arn="k"))
    with pytest.raises(ConfigError, match=r'FifoEventBuffer\.namePrefix: "a{70}" makes the buffer queue') as raised:
        check_buffer_args(FifoEventBufferArgs(name_prefix="a" * 70, topic_arn=topic, topic_kms_key_arn="k"))
    assert "80" in raised.value.problems[0]


def test_the_fanout_component_checks_its_arguments_too() -> None:
    from eventfork.components.fanout import EventFanOutArgs, check_fanout_args

    check_fanout_args(EventFanOutArgs(name_prefix="team"))  # the defaults are valid
    with pytest.raises(ConfigError, match="invalid EventFanOut arguments") as raised:
        check_fanout_args(EventFanOutArgs(name_prefix="team", primary_name="Orders", primary_max_receive_count=0))
    assert [p.split(":")[0] for p in raised.value.problems] == [
        "EventFanOut.primaryName",
        "EventFanOut.primaryMaxReceiveCount",
    ]
