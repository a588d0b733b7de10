"""The bench's scale section on small limits: the figures it reports mean what they say.

The in-flight cap and the receive scan are played at 1,200 (the real 120,000 is in
tests/emulator/test_sqs_inflight.py); no timing is asserted.
"""

from __future__ import annotations

import pytest

from local.bench import scale, scale_world
from local.emulator import sqs_inflight


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqs_inflight, "MAX_IN_FLIGHT", 1_200)
    monkeypatch.setattr(sqs_inflight, "FIFO_RECEIVE_SCAN", 1_200)


def test_waiting_users_with_full_batches_stop_delivery_at_the_cap_held_or_at_the_scan_released() -> None:
    released = scale.waiting_users(300, 10, holding=False)
    held = scale.waiting_users(300, 10, holding=True)
    assert held["stalledByInFlightCap"] and held["inFlightAtEnd"] == 1_200
    assert released["stalledByReceiveScan"] and not released["stalledByInFlightCap"]
    assert released["inFlightAtEnd"] == released["waitingUsersBeforeStall"]  # one in-flight message per user
    assert held["waitingUsersBeforeStall"] == released["waitingUsersBeforeStall"] == 120


def test_a_hot_user_past_the_scan_delays_the_others_until_its_backlog_limit() -> None:
    run_for = scale.RETENTION + 86_400
    limited = scale.hot_user(2_000, 20, holding=False, backlog_limit=3_600.0, run_for=run_for)
    held = scale.hot_user(2_000, 20, holding=True, backlog_limit=0.0, run_for=run_for)
    assert held["othersDelayP99Seconds"] > 40_000  # (2,000 - 1,200) windows of 60 s behind the hot user
    assert 3_000 < limited["othersDelayP99Seconds"] < 3_700
    assert limited["hotDelivered"] + limited["hotDeadLettered"] == 2_000
    assert held["hotDeadLettered"] == 0 and held["othersDelivered"] == 40


def test_no_one_queue_design_isolates_a_flood_sent_before_the_others() -> None:
    """The bound: every record the function leaves for later is taken off the queue in the receive that
    found it (what an overflow store or a side queue would do at best). The others still wait for the
    flood past the receive scan to be received, 10 records per receive and one receive of a group at
    a time (50 ms each here), because SQS hands out a group's messages in order."""
    hot, others = 12_000, 20
    bound = scale.hot_user(hot, others, holding=False, backlog_limit=0.0, run_for=3_600.0, clearing=True)
    past_scan_seconds = (hot - sqs_inflight.FIFO_RECEIVE_SCAN) / 10 * scale_world.INVOCATION_SECONDS
    last_other_sent = 10.0 + (others - 1) * 0.5 + 1.0
    assert bound["clearedOffQueue"] > hot - sqs_inflight.FIFO_RECEIVE_SCAN
    assert bound["othersDelayP99Seconds"] >= past_scan_seconds - last_other_sent > 1.0
    assert bound["othersDelivered"] > 0  # reached once the flood past the scan is gone
    partitioned = scale.hot_user(hot, others, holding=False, backlog_limit=0.0, run_for=3_600.0, partitions=8)
    assert partitioned["othersOutsideHotPartitionDelayP99Seconds"] <= 1.05
