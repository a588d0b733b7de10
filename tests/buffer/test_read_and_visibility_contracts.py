"""The buffer's handling of two per-entry AWS answers: unprocessed keys and visibility changes refused.

The old function retried ``UnprocessedKeys`` at once, without a pause, and raised when its last
retry had in fact read everything; it ignored the ``Failed`` entries of
``ChangeMessageVisibilityBatch``. Both contracts are in the botocore models: DynamoDB BatchGetItem
("If DynamoDB returns any unprocessed items, you should retry the batch operation on those items
... we strongly recommend that you use an exponential backoff algorithm") and SQS
ChangeMessageVisibilityBatch ("Because the batch request can result in a combination of successful
and unsuccessful actions, you should check for batch errors even when the call returns an HTTP
status code of 200").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.buffer.conftest import BufferWorld, aws_edge


class _UnprocessedFirst:
    """BatchGetItem that leaves every key unprocessed ``times`` times, then answers (DynamoDB may do so)."""

    def __init__(self, client: Any, times: int) -> None:
        self._client, self.left, self.calls = client, times, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls += 1
        if self.left:
            self.left -= 1
            return {"Responses": {}, "UnprocessedKeys": RequestItems}
        return self._client.batch_get_item(RequestItems=RequestItems)


def _state(world: BufferWorld, times: int) -> tuple[Any, list[float], _UnprocessedFirst]:
    pauses: list[float] = []
    client = _UnprocessedFirst(world.ddb, times)
    return aws_edge.GroupTable(client, "groups", 86400, 86400, pauses.append), pauses, client


def test_unprocessed_keys_are_retried_with_a_growing_pause(world: BufferWorld) -> None:
    state, pauses, client = _state(world, 2)
    assert state.read({"user-1"}, world.clock.now()).groups == {}
    assert client.calls == 3
    assert pauses == [aws_edge.READ_BACKOFF_SECONDS, 2 * aws_edge.READ_BACKOFF_SECONDS]


def test_a_read_completed_by_the_last_attempt_succeeds(world: BufferWorld) -> None:
    state, pauses, client = _state(world, aws_edge.MAX_READ_ATTEMPTS - 1)
    state.read({"user-1"}, world.clock.now())
    assert client.calls == aws_edge.MAX_READ_ATTEMPTS and len(pauses) == aws_edge.MAX_READ_ATTEMPTS - 1


def test_keys_still_unprocessed_after_every_attempt_fail_the_read(world: BufferWorld) -> None:
    state, _, _ = _state(world, aws_edge.MAX_READ_ATTEMPTS)
    with pytest.raises(RuntimeError, match="unprocessed"):
        state.read({"user-1"}, world.clock.now())


class _Metrics:
    def __init__(self) -> None:
        self.added: list[tuple[str, float]] = []

    def add_metric(self, name: str, unit: str, value: float) -> None:
        self.added.append((name, value))


def test_a_visibility_change_sqs_refuses_per_entry_is_counted_not_ignored(world: BufferWorld) -> None:
    """The strict emulator answers an unknown receipt handle with a per-entry failure, as SQS does."""
    metrics = _Metrics()
    fn = world.function(metrics=metrics)
    world.send("user-1", "e1", {"n": 1})
    event = world.receive_event()
    real = event["Records"][0]["receiptHandle"]
    fn._change_visibility([(real, 30), ("not-a-receipt-handle", 30)])
    assert metrics.added == [("visibility_not_set", 1)]
