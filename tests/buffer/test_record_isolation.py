"""An unexpected error while handling one record is that record's failed attempt, never the batch's.

The errors are raised from the production functions the handler calls (``parse_record``, ``decide``,
``prepare_delivery``), wrapped and given to the processor through its constructor, as the simulator
gives its faults: no test-only branch is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.buffer.conftest import BufferWorld, decisions, records

ORIGINALS = {
    "parse_record": records.parse_record,
    "decide": decisions.decide,
    "prepare_delivery": records.prepare_delivery,
}


def play_until_settled(world: BufferWorld, steps: dict[str, Any], rounds: int = 8) -> list[str]:
    """Invoke, let the event source mapping settle, and step past every retry; returns outcome kinds."""
    kinds: list[str] = []
    for _ in range(rounds):
        event = world.receive_event()
        if event["Records"]:
            result = world.function(**steps).handle(event)
            world.settle(event, result.response)
            kinds += [o.kind for o in result.outcomes]
        world.clock.advance_to(world.clock.t + 200.0)
    return kinds


def raising_for(event_id: str, original: Callable[..., Any], pick: Callable[..., str]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if pick(*args, **kwargs) == event_id:
            raise RecursionError("maximum recursion depth exceeded")
        return original(*args, **kwargs)

    return wrapped


def _record_id(record: dict[str, Any], *_: Any) -> str:
    return str(record["attributes"].get("MessageDeduplicationId"))


def _decided_ids(records: list[Any], _groups: Any, _now: Any, _interval: Any, fixed: dict[str, Any], *_: Any) -> str:
    """decide raises while it judges "bad" (not once its outcome is fixed, as for any record it skips)."""
    return "bad" if any(getattr(r, "event_id", None) == "bad" and r.message_id not in fixed for r in records) else ""


def _event_id(event: Any, *_: Any) -> str:
    return str(event.event_id)


@pytest.mark.parametrize(
    ("name", "pick", "reason"),
    [
        ("parse_record", _record_id, "parsing raised RecursionError"),
        ("decide", _decided_ids, "deciding raised RecursionError"),
        ("prepare_delivery", _event_id, "RecursionError"),
    ],
)
def test_an_error_on_one_record_is_counted_for_it_and_dead_letters_it_after_max_attempts(
    world: BufferWorld, name: str, pick: Callable[..., str], reason: str
) -> None:
    steps = {name: raising_for("bad", ORIGINALS[name], pick)}
    world.send("user-1", "bad", {"n": 1})
    world.send("user-2", "good", {"n": 2})
    if name == "prepare_delivery":  # the same id in another group fails on its own count
        world.send("user-3", "bad", {"n": 3})
    kinds = play_until_settled(world, steps)
    delivered = [e["eventId"] for e in world.downstream()]
    assert "good" in delivered and delivered.count("bad") == 0
    dead = world.dead_letters()
    assert len(dead) == (2 if name == "prepare_delivery" else 1)
    assert all("processing failed 3 times" in d["reason"] and reason in d["reason"] for d in dead)
    assert kinds.count("failed") == 2 * len(dead)  # the attempts before the third, which dead-letters it


def test_a_later_event_of_the_failing_group_waits_behind_it_then_goes_on(world: BufferWorld) -> None:
    steps = {"prepare_delivery": raising_for("bad", records.prepare_delivery, _event_id)}
    world.send("user-1", "bad", {"n": 1})
    world.send("user-1", "after", {"n": 2})
    play_until_settled(world, steps, rounds=10)
    assert [e["eventId"] for e in world.downstream()] == ["after"]
    assert [d["eventId"] for d in world.dead_letters()] == ["bad"]


def test_a_record_deciding_raised_on_is_counted_once_when_the_batch_is_decided_again(world: BufferWorld) -> None:
    """A message that cannot be built makes the batch decided again; the failed attempt found before is kept."""
    steps = {
        "decide": raising_for("bad", decisions.decide, _decided_ids),
        "prepare_delivery": raising_for("unbuildable", records.prepare_delivery, _event_id),
    }
    world.send("user-1", "bad", {"n": 1})
    world.send("user-2", "unbuildable", {"n": 2})
    event = world.receive_event()
    result = world.function(**steps).handle(event)
    assert [o.reason.split(":")[0] for o in result.outcomes] == ["attempt 1/3", "attempt 1/3"]
    counter = world.ddb.get_item(TableName="groups", Key={"messageGroupId": {"S": "failed attempts user-1 bad"}})
    assert counter["Item"]["attempts"] == {"N": "1"}
