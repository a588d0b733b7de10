"""A group whose backlog cannot drain in time is dead-lettered with a reason, never left to expire.

An event that must wait for its group's window after it already waited longer than
``max_group_backlog_seconds`` in the buffer queue goes to the DLQ with the reason, and no longer holds
its group, so the rest of an over-limit backlog drains at once instead of one event per window.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from local.emulator import sqs_backend
from tests.buffer.conftest import BufferWorld, decisions
from tests.buffer.test_buffer_function import kinds, run_once


def limited(world: BufferWorld, seconds: float) -> object:
    settings = dataclasses.replace(world.settings, max_group_backlog_seconds=seconds)
    return world.function(settings=settings)


def test_events_over_their_groups_backlog_limit_are_dead_lettered_with_a_reason(world: BufferWorld) -> None:
    function = limited(world, 90.0)
    world.send("user-1", "e0", {"n": 0})
    run_once(world, function)
    world.clock.advance_to(1.0)
    for n in range(1, 6):
        world.send("user-1", f"e{n}", {"n": n})
    world.send("user-2", "b1", {"n": 1})
    _, first = run_once(world, function)
    assert kinds(first) == ["delayed", "waiting", "waiting", "waiting", "waiting", "delivered"]
    world.clock.advance_to(62.0)
    _, second = run_once(world, function)
    assert kinds(second) == ["delivered", "delayed", "waiting", "waiting", "waiting"]  # e1 waited 61 s: under the limit
    # e2's window ends at 122.25 (recorded a publish margin after the decision): whole-second visibility
    # brings it back at 123.
    world.clock.advance_to(123.4)
    _, third = run_once(world, function)  # e2..e5 waited 122 s: over the limit of 90 s
    assert kinds(third) == ["delivered", "dead_lettered", "dead_lettered", "dead_lettered"]
    assert [e["eventId"] for e in world.downstream()] == ["e0", "b1", "e1", "e2"]
    letters = world.dead_letters()
    assert [d["eventId"] for d in letters] == ["e3", "e4", "e5"]
    assert all(d["reason"].startswith("backlog over its limit: waited 122 s") for d in letters)
    assert sqs_backend().get_queue(world.source_url.rsplit("/", 1)[-1])._messages == []


def test_without_a_limit_a_long_wait_is_only_a_wait(world: BufferWorld) -> None:
    world.send("user-1", "e0", {"n": 0})
    run_once(world)
    world.clock.advance_to(1.0)
    world.send("user-1", "e1", {"n": 1})
    world.send("user-1", "e2", {"n": 2})
    run_once(world)
    world.clock.advance_to(10_000.0)
    _, result = run_once(world)
    assert kinds(result) == ["delivered", "delayed"]
    assert world.dead_letters() == []


def test_a_batch_whose_records_over_the_limit_are_dead_lettered_is_decided_once(world: BufferWorld) -> None:
    calls: list[int] = []

    def counting(*args: Any) -> Any:
        calls.append(len(args[0]))
        return decisions.decide(*args)

    settings = dataclasses.replace(world.settings, max_group_backlog_seconds=90.0)
    function = world.function(settings=settings, decide=counting)
    world.send("user-1", "e0", {"n": 0})
    run_once(world, function)
    world.clock.advance_to(1.0)
    world.send("user-1", "e1", {"n": 1})
    world.send("user-1", "e2", {"n": 2})
    run_once(world, function)
    world.clock.advance_to(200.0)
    calls.clear()
    _, result = run_once(world, function)  # e1 goes out; e2 must wait for e1's window, 199 s after its send
    assert kinds(result) == ["delivered", "dead_lettered"]
    assert calls == [2]  # the dead letter's result is put in place: the batch is not decided again
