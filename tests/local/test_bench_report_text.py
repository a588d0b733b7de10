"""The text ``python -m local bench`` prints: every variant's figures, the scale section and the floor."""

from __future__ import annotations

from local.bench.cost import one_record_batch_floor
from local.bench.report_text import format_table
from local.bench.runner import measure, workload


def test_the_table_shows_each_variants_measured_figures_and_the_cost_floor() -> None:
    ours = measure(workload("uniform", events=40), baseline=False)
    hot = {"hotEvents": 10, "otherUsers": 2, "othersDelayP99Seconds": 380.1, "othersDelivered": 2, "othersEvents": 4}
    hot |= {"hotDelivered": 1, "hotDeadLettered": 0, "expiredUnseen": 0, "clearedOffQueue": 9}
    waiting = {"stalledByInFlightCap": False, "stalledByReceiveScan": True, "waitingUsersBeforeStall": 12}
    waiting |= {"users": 13, "functionCallsPerEventReceived": 0.25}
    results = {
        "variants": {"uniform": {"ours": ours, "baseline": ours}},
        "checkSeconds": 0.5,
        "peakMemoryMb": 100.0,
        "machine": "here",
        "scale": {"partitions": 4, "waitingUsers": {"ours": waiting}, "hotUser": {"oneQueueBound": hot}},
        "oneRecordBatchFloorUsdPerMillion": one_record_batch_floor()["total"],
    }
    text = format_table(results)
    rows = {line[:20].strip(): line[20:].split() for line in text.splitlines()[1:12]}
    assert rows["AWS calls / event"] == [str(ours["callsPerEvent"])] * 2
    assert rows["delivered"] == ["40", "40"]
    assert "waiting users before delivery stops, ours: 12 of 13 (stopped by the receive scan)" in text
    assert "hot user of 10, oneQueueBound: others' delay p99 380.1 s" in text and "taken off the queue 9" in text
    assert f"one record per batch costs at least {one_record_batch_floor()['total']} USD per million events" in text
