"""A waiting user costs one in-flight message of the buffer queue, whatever the batch size.

SQS FIFO returns nothing of a group past a message of it that is in flight, so the later records of
a delayed group are released (visibility 0): they wait in the queue, blocked behind the first one,
without counting toward the 120,000 in-flight cap.
"""

from __future__ import annotations

from local.emulator import sqs_backend
from tests.buffer.conftest import BufferWorld
from tests.buffer.test_buffer_function import kinds, run_once


def in_flight(world: BufferWorld) -> int:
    queue = sqs_backend().get_queue(world.source_url.rsplit("/", 1)[-1])
    now = world.clock.now() * 1000.0 + 1.0  # a millisecond later: a released record is visible by then
    return sum(1 for m in queue._messages if m.visible_at >= now)


def test_a_delayed_user_with_a_full_batch_holds_one_in_flight_message(world: BufferWorld) -> None:
    world.send("user-1", "e0", {"n": 0})
    run_once(world)
    world.clock.advance_to(1.0)
    for n in range(1, 11):
        world.send("user-1", f"e{n}", {"n": n})
    _, result = run_once(world)
    assert kinds(result) == ["delayed"] + ["waiting"] * 9
    world.clock.advance_to(2.0)
    assert in_flight(world) == 1
    assert world.receive_event()["Records"] == []  # the others wait behind the in-flight first one


def test_released_records_come_back_in_order_after_the_window(world: BufferWorld) -> None:
    world.send("user-1", "e0", {"n": 0})
    run_once(world)
    world.clock.advance_to(1.0)
    for n in (1, 2, 3):
        world.send("user-1", f"e{n}", {"n": n})
    run_once(world)
    delivered = ["e0"]
    for window in (1, 2, 3):
        world.clock.advance_to(62.0 * window)
        _, result = run_once(world)
        assert kinds(result)[0] == "delivered"
        delivered.append(result.outcomes[0].event_id)
        assert in_flight(world) <= 1
    assert [e["eventId"] for e in world.downstream()] == delivered == ["e0", "e1", "e2", "e3"]
