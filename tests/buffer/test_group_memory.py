"""The group item as the buffer's whole memory: delivery time, recent event ids, version, cost."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from local.simulate.invokers import capacity_units, item_size
from tests.buffer.conftest import BufferWorld, aws_edge, group_state, processor
from tests.buffer.test_buffer_function import kinds, run_once


def _item(world: BufferWorld, group: str) -> dict:
    return world.ddb.get_item(TableName="groups", Key={"messageGroupId": {"S": group}}, ConsistentRead=True)["Item"]


def _zero_interval(world: BufferWorld) -> object:
    settings = processor.BufferSettings(**{**world.settings.__dict__, "interval_seconds": 0})
    return world.function(settings=settings, sleep=lambda seconds: None)


def test_delivery_is_remembered_in_the_group_item_only(world: BufferWorld) -> None:
    world.send("user-1", "e1", {"n": 1}, occurred_at=5.0)
    run_once(world)
    item = _item(world, "user-1")
    assert item["lastEventId"] == {"S": "e1"}
    assert item["recentEvents"] == {"M": {"e1": {"N": "5.0"}}}
    assert item["version"] == {"N": "1"}
    assert [i["messageGroupId"]["S"] for i in world.ddb.scan(TableName="groups")["Items"]] == ["user-1"]


def test_an_older_retransmitted_event_is_a_duplicate_while_its_id_is_remembered(world: BufferWorld) -> None:
    fn = _zero_interval(world)
    for i in range(3):
        world.send("user-1", f"e{i}", {"n": i}, occurred_at=float(i))
    run_once(world, fn)
    world.clock.advance_to(400.0)  # past the queue's 5-minute deduplication
    world.send("user-1", "e0", {"n": 0}, occurred_at=0.0)
    _, result = run_once(world, fn)
    assert kinds(result) == ["duplicate"]
    assert [e["eventId"] for e in world.downstream()] == ["e0", "e1", "e2"]


def test_an_id_pushed_out_of_memory_is_still_never_delivered_twice(world: BufferWorld) -> None:
    fn = _zero_interval(world)
    count = group_state.RECENT_EVENT_IDS + 5
    for start in range(0, count, 10):
        for i in range(start, min(start + 10, count)):
            world.send("user-1", f"e{i}", {"n": i}, occurred_at=float(i))
        run_once(world, fn)
    recent = _item(world, "user-1")["recentEvents"]["M"]
    assert "e0" not in recent and len(recent) == group_state.RECENT_EVENT_IDS
    world.clock.advance_to(400.0)
    assert "expiresAt" in _item(world, "delivered user-1 e0")  # let go of by the group item, kept on its own
    world.send("user-1", "e0", {"n": 0}, occurred_at=0.0)
    _, result = run_once(world, fn)
    assert kinds(result) == ["duplicate"]
    assert [e["eventId"] for e in world.downstream()] == [f"e{i}" for i in range(count)]


def test_an_id_pushed_out_of_memory_and_retransmitted_with_a_newer_time_is_a_duplicate(world: BufferWorld) -> None:
    """Failed before (delivered again): a producer with no occurredAt makes a retransmission look newer."""
    fn = _zero_interval(world)
    count = group_state.RECENT_EVENT_IDS + 5
    for start in range(0, count, 10):
        for i in range(start, min(start + 10, count)):
            world.send("user-1", f"e{i}", {"n": i}, occurred_at=float(i))
        run_once(world, fn)
    world.clock.advance_to(400.0)  # past the queue's 5-minute deduplication, within the memory's TTL
    world.send("user-1", "e0", {"n": 0}, occurred_at=400.0)
    _, result = run_once(world, fn)
    assert kinds(result) == ["duplicate"]
    assert [e["eventId"] for e in world.downstream()] == [f"e{i}" for i in range(count)]


def test_every_id_of_the_last_occurred_at_is_kept_beyond_the_cap() -> None:
    same = [group_state.Delivery("g", f"x{i}", 7.0, 9.0) for i in range(group_state.RECENT_EVENT_IDS + 3)]
    older = {f"o{i}": float(i) for i in range(5)}
    kept = group_state.remembered_ids(older, same)
    assert set(kept.recent) == {d.event_id for d in same}
    assert kept.new_overflow == list(older) and kept.overflow == len(older)  # the older ids, kept on their own


def test_ids_of_the_last_occurred_at_beyond_the_item_cap_go_to_items_of_their_own() -> None:
    extra = 7
    same = [group_state.Delivery("g", f"x{i}", 7.0, 9.0) for i in range(group_state.TIE_IDS_IN_ITEM + extra)]
    memory = group_state.remembered_ids({f"o{i}": float(i) for i in range(5)}, same)
    assert set(memory.recent) == {f"x{i}" for i in range(group_state.TIE_IDS_IN_ITEM)}
    older = [f"o{i}" for i in range(5)]
    assert memory.new_overflow == older + [f"x{i}" for i in range(group_state.TIE_IDS_IN_ITEM, len(same))]
    assert memory.overflow == len(older) + extra
    later = group_state.remembered_ids(memory.recent, [group_state.Delivery("g", "y", 7.0, 9.0)], memory.overflow)
    assert later.new_overflow == ["y"] and later.overflow == memory.overflow + 1
    newer = group_state.remembered_ids(memory.recent, [group_state.Delivery("g", "z", 8.0, 9.0)], memory.overflow)
    assert "z" in newer.recent and len(newer.recent) == group_state.RECENT_EVENT_IDS
    # what the item lets go of is written on its own: the count never goes back
    assert set(newer.new_overflow) == set(memory.recent) - set(newer.recent)
    assert newer.overflow == memory.overflow + len(newer.new_overflow)


@pytest.mark.parametrize("id_length", [24, 36, 128])
def test_the_longest_group_with_ten_long_ids_costs_one_write_unit(world: BufferWorld, id_length: int) -> None:
    state = aws_edge.GroupTable(world.ddb, "groups", 86400, 86400)
    group = "g" * 128  # the longest MessageGroupId SQS accepts
    deliveries = [
        group_state.Delivery(group, (uuid.uuid4().hex * 4)[:id_length], 1.7e9 + i + 0.123, 1.7e9 + i + 0.456)
        for i in range(group_state.RECENT_EVENT_IDS)
    ]
    [statement] = state.statements(group, deliveries, group_state.Snapshot({}, {}))
    assert capacity_units("BatchExecuteStatement", {"Statements": [statement]}) == (0.0, 1.0)
    assert state.record(deliveries, group_state.Snapshot({}, {})) == {}
    assert item_size(_item(world, group)) <= 1024
    remembered = state.read({group}, 1.7e9).groups[group]
    assert all(remembered.remembers(d.event_id) for d in deliveries)
    assert not remembered.remembers("x" * id_length)


def test_a_long_id_retransmitted_after_the_queue_window_is_a_duplicate(world: BufferWorld) -> None:
    fn = _zero_interval(world)
    long_id = "order-" + "7" * 120
    world.send("user-1", long_id, {"n": 1}, occurred_at=1.0)
    world.send("user-1", "e2", {"n": 2}, occurred_at=2.0)
    run_once(world, fn)
    assert long_id not in _item(world, "user-1")["recentEvents"]["M"]  # kept as a digest
    world.clock.advance_to(400.0)
    world.send("user-1", long_id, {"n": 1}, occurred_at=1.0)
    _, result = run_once(world, fn)
    assert kinds(result) == ["duplicate"]


def test_a_batch_of_ten_groups_is_one_statement_per_group_in_one_call(world: BufferWorld) -> None:
    calls: list[dict] = []
    world.ddb.meta.events.register(
        "before-parameter-build.dynamodb.BatchExecuteStatement", lambda params, **_: calls.append(params)
    )
    for i in range(10):
        world.send(f"user-{i}", f"e{i}", {"n": i})
    _, result = run_once(world)
    assert kinds(result) == ["delivered"] * 10
    [params] = calls
    assert len(params["Statements"]) == 10
    assert all(s["Statement"].startswith('INSERT INTO "groups"') for s in params["Statements"])
    assert capacity_units("BatchExecuteStatement", params) == (0.0, 10.0)


@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=80), st.integers(1, 6))
def test_memory_keeps_the_newest_ids_and_every_id_of_the_latest_time(steps: list[int], per_batch: int) -> None:
    """Across batches of deliveries in producer order, the memory never forgets what the rules need."""
    memory: dict[str, float] = {}
    overflow_ids: set[str] = set()
    overflow = 0
    occurred = 0.0
    delivered: list[tuple[str, float]] = []
    for start in range(0, len(steps), per_batch):
        batch = []
        for offset, step in enumerate(steps[start : start + per_batch]):
            occurred += step
            event_id = f"e{start + offset}"
            batch.append(group_state.Delivery("g", event_id, occurred, 0.0))
            delivered.append((event_id, occurred))
        kept = group_state.remembered_ids(memory, batch, overflow)
        memory, overflow = kept.recent, kept.overflow
        overflow_ids |= set(kept.new_overflow)
    latest = max(t for _, t in delivered)
    ties = {e for e, t in delivered if t == latest}
    assert ties <= set(memory) | overflow_ids
    # Nothing is forgotten: every delivered id is in the item or in an item of its own, counted.
    assert {e for e, _ in delivered} == set(memory) | overflow_ids
    assert overflow == len(overflow_ids) == len({e for e, _ in delivered} - set(memory))
    assert len(memory) <= group_state.RECENT_EVENT_IDS + group_state.TIE_IDS_IN_ITEM
    newest = sorted(delivered, key=lambda d: d[1], reverse=True)[: group_state.RECENT_EVENT_IDS]
    assert {t for _, t in newest} <= set(memory.values())


def test_failed_attempts_are_counted_under_a_key_no_group_can_have(world: BufferWorld) -> None:
    def reject(event: object, topic_fifo: bool) -> object:
        raise ValueError("downstream schema check failed")

    fn = world.function(prepare_delivery=reject)
    world.send("user-1", "e1", {"n": 1})
    _, result = run_once(world, fn)
    assert kinds(result) == ["failed"] and "attempt 1/3" in result.outcomes[0].reason
    counter = _item(world, "failed attempts user-1 e1")
    assert counter["attempts"] == {"N": "1"}
    assert " " in group_state.FAILURE_PREFIX  # SQS MessageGroupId allows no spaces: never a group's key
    assert world.downstream() == []


class _RejectingTable:
    """The DynamoDB client, except that BatchExecuteStatement answers as DynamoDB does for a bad statement."""

    def __init__(self, client: object, whole_call: bool) -> None:
        self._client, self._whole_call = client, whole_call

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    def batch_execute_statement(self, Statements: list) -> dict:  # noqa: N803 - boto3's parameter name
        if self._whole_call:
            error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized: PartiQLUpdate"}}
            raise ClientError(error, "BatchExecuteStatement")
        return {"Responses": [{"Error": {"Code": "ValidationError", "Message": "bad statement"}} for _ in Statements]}


@pytest.mark.parametrize("whole_call", [False, True])
def test_a_write_no_retry_can_cure_fails_the_invocation_loudly(world: BufferWorld, whole_call: bool) -> None:
    fn = world.function()
    fn.edge.table.client = _RejectingTable(world.ddb, whole_call)
    world.send("user-1", "e1", {"n": 1})
    event = world.receive_event()
    with pytest.raises(processor.StateRejectedError, match="rejected"):
        fn.handle(event)
    # The delivery is recorded before it is published: a refused write publishes nothing.
    assert world.downstream() == []


def test_a_throttled_write_is_retried_quietly(world: BufferWorld) -> None:
    class Throttled(_RejectingTable):
        def batch_execute_statement(self, Statements: list) -> dict:  # noqa: N803
            return {"Responses": [{"Error": {"Code": "ThrottlingError", "Message": "slow"}} for _ in Statements]}

    fn = world.function()
    fn.edge.table.client = Throttled(world.ddb, False)
    world.send("user-1", "e1", {"n": 1})
    _, result = run_once(world, fn)
    assert kinds(result) == ["failed"] and "ThrottlingError" in result.outcomes[0].reason


@pytest.mark.parametrize("id_length", [24, 36, 128])
def test_the_longest_group_that_let_ids_go_still_costs_one_write_unit(world: BufferWorld, id_length: int) -> None:
    """With its Bloom filter of let-go ids and the pending marks of a full batch."""
    state = aws_edge.GroupTable(world.ddb, "groups", 86400, 86400)
    group = "g" * 128
    deliveries = [
        group_state.Delivery(group, (uuid.uuid4().hex * 4)[:id_length], 1.7e9 + i + 0.123, 1.7e9 + i + 0.456)
        for i in range(group_state.RECENT_EVENT_IDS + 3)
    ]
    snapshot = group_state.Snapshot({}, {})
    assert state.record(deliveries[:10], snapshot) == {}
    snapshot = state.read({group}, 1.7e9)
    pending = {group: {group_state.pending_key(uuid.uuid4().hex): 1.7e9 + 20 for _ in range(10)}}
    statements = state.statements(group, deliveries[10:], snapshot, pending=pending[group])
    assert capacity_units("BatchExecuteStatement", {"Statements": statements[:1]}) == (0.0, 1.0)
    assert state.record(deliveries[10:], snapshot, pending=pending) == {}
    item = _item(world, group)
    assert "overflowFilter" in item and item_size(item) <= 1024


def test_a_new_id_of_a_group_that_let_ids_go_is_looked_up_only_when_its_filter_bits_are_set() -> None:
    """The filter answers "never let go of" only for ids it was not given: checked against a set."""
    let_go = [f"id-{i}" for i in range(100)]
    memory = group_state.remembered_ids({}, [group_state.Delivery("g", i, float(n), 0.0) for n, i in enumerate(let_go)])
    state = group_state.GroupState(0.0, 149.0, "id-149", 1, memory.recent, memory.overflow, memory.overflow_filter)
    gone = [i for i in let_go if i not in memory.recent]
    assert gone and all(state.may_be_elsewhere(i, 0.0) for i in gone)  # never a false "not seen"
    fresh = [f"new-{i}" for i in range(2000)]
    looked_up = sum(state.may_be_elsewhere(i, 0.0) for i in fresh)
    assert looked_up < 0.15 * len(fresh)  # a few false positives, each costing one read only


def test_a_group_that_let_ids_go_before_it_kept_a_filter_looks_every_new_id_up() -> None:
    parsed = group_state.parse_group({"messageGroupId": {"S": "g"}, "tieOverflow": {"N": "3"}, "version": {"N": "2"}})
    assert parsed.overflow_filter is None and parsed.may_be_elsewhere("anything", 0.0)
    later = group_state.remembered_ids(
        {}, [group_state.Delivery("g", f"x{i}", float(i), 0.0) for i in range(12)], 3, None
    )
    assert later.overflow_filter is None  # a filter of only the new ids would wrongly answer for the old ones
