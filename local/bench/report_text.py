"""The bench's results as the text table ``python -m local bench`` prints (``--json`` prints them as they are)."""

from __future__ import annotations

from typing import Any

from local.bench.cost import PRICES


def format_table(results: dict[str, Any]) -> str:
    rows = [("", *[f"{v} {who}" for v in results["variants"] for who in ("ours", "baseline")])]
    metrics = [
        ("delivered", "delivered"),
        ("healthy in the DLQ", "deadLetteredHealthy"),
        ("AWS calls / event", "callsPerEvent"),
        ("delayed events", "delayed"),
        ("buffer invocations", "batches"),
        ("  of one record", "singleRecordBatches"),
        ("records / invocation", "recordsPerBatch"),
        ("delay error p50 (s)", "delayErrorP50Seconds"),
        ("delay error p99 (s)", "delayErrorP99Seconds"),
        ("handler ms / 1000 ev", "handlerMsPer1000Events"),
        ("invariant violations", "invariantViolations"),
        ("wall s (emulator)", "wallSeconds"),
    ]
    for label, key in metrics:
        rows.append(
            (label, *[str(results["variants"][v][w][key]) for v in results["variants"] for w in ("ours", "baseline")])
        )
    rows.append(
        (
            "USD / million events",
            *[
                str(results["variants"][v][w]["cost"]["total"])
                for v in results["variants"]
                for w in ("ours", "baseline")
            ],
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows
    ]
    lines.append("")
    lines.append(
        f"offline check: dev {results['checkSeconds']} s, 250 resources {results.get('check250Seconds')} s, "
        f"500 resources {results.get('check500Seconds')} s; peak memory {results['peakMemoryMb']} MB"
    )
    if "scale" in results:
        lines.append("")
        lines.extend(format_scale(results["scale"]))
    if "oneRecordBatchFloorUsdPerMillion" in results:
        lines.append(
            f"one record per batch costs at least {results['oneRecordBatchFloorUsdPerMillion']} USD per million "
            "events (receive, delete, invocation, publish, write unit)"
        )
    lines.append(f"machine: {results['machine']}; prices: {PRICES.name}")
    return "\n".join(lines)


def format_scale(scale: dict[str, Any]) -> list[str]:
    waiting, hot = scale["waitingUsers"], scale["hotUser"]
    lines = [f"scale (compact FIFO queues, real handler; partitioned = {scale['partitions']} queues):"]
    for who, w in waiting.items():
        cause = "in-flight cap" if w["stalledByInFlightCap"] else "receive scan" if w["stalledByReceiveScan"] else ""
        lines.append(
            f"  waiting users before delivery stops, {who}: {w['waitingUsersBeforeStall']} of {w['users']}"
            + (f" (stopped by the {cause})" if cause else " (never stopped)")
            + f", {w['functionCallsPerEventReceived']} calls / event received"
        )
    for who, h in hot.items():
        lines.append(
            f"  hot user of {h['hotEvents']}, {who}: others' delay p99 {h['othersDelayP99Seconds']} s, "
            f"{h['othersDelivered']}/{h['othersEvents']} of their events delivered, hot delivered "
            f"{h['hotDelivered']}, dead-lettered {h['hotDeadLettered']}, expired unseen {h['expiredUnseen']}"
            + (f", taken off the queue {h['clearedOffQueue']}" if h.get("clearedOffQueue") else "")
        )
        if "othersInHotPartition" in h:
            lines.append(
                f"    {h['othersInHotPartition']} other users share the hot partition (delay "
                f"{h['othersInHotPartitionDelayMinSeconds']}..{h['othersInHotPartitionDelayMaxSeconds']} s); "
                f"the rest: p99 {h['othersOutsideHotPartitionDelayP99Seconds']} s, "
                f"max {h['othersOutsideHotPartitionDelayMaxSeconds']} s"
            )
    return lines
