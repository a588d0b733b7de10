"""``python -m local bench``: our buffer and the reference sample's, side by side, on one workload.

Both run through the same emulator on the same generated events (batch size 10, 1,000 groups,
10,000 events; a uniform and a hot-user variant). Measured: AWS calls per delivered event by
operation, delay error (delivery minus the end of the group's window), the handler's own time per
1,000 events (time inside AWS calls excluded), peak memory, the offline policy check's time, and
the cost per million events from the dated price file in ``bench/``, and the healthy events each
design dead-lettered. The reference runs with the sample's own settings (``local/bench/baseline.py``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from local.bench.baseline import BaselineInvoker, reference_setup
from local.bench.cost import cost_per_million, one_record_batch_floor
from local.bench.report_text import format_table
from local.capture import PROJECT_ROOT
from local.simulate.invariants import check as check_invariants
from local.simulate.invariants import tally
from local.simulate.runner import simulate
from local.simulate.scenario import Scenario, parse_scenario

RESULTS = PROJECT_ROOT / "bench" / "results.json"
INTERVAL = 60.0


def workload(variant: str, events: int = 10_000, groups: int = 1_000, seed: int = 7, partitions: int = 1) -> Scenario:
    """Events in waves every 10 s over one hour; ``hot``: 5% from one user, 20% from ten. ``partitions``:
    the stack's ``buffer.partitions`` (producers route each group to its queue)."""
    rng = random.Random(seed)
    waves = 360
    out = []
    for i in range(events):
        if variant == "hot" and rng.random() < 0.05:
            group = "user-hot"
        elif variant == "hot" and rng.random() < 0.21:
            group = f"user-warm-{rng.randrange(10)}"
        else:
            group = f"user-{rng.randrange(groups)}"
        out.append({"at": float((i * waves // events) * 10), "group": group, "id": f"e{i:05d}", "body": {"i": i}})
    config: dict[str, Any] = {
        "eventfork:backup": {"enabled": False},
        "eventfork:analytics": {"enabled": False},
        "eventfork:replay": {"enabled": False},
    }
    if partitions > 1:
        config["eventfork:buffer"] = {"partitions": partitions}
    return parse_scenario({"name": f"bench-{variant}", "events": out, "runFor": 200_000, "config": config})


def delay_errors(scenario: Scenario, report: dict[str, Any]) -> list[float]:
    """For each event that had to wait for its group's window: delivered minus window end."""
    sent = {e.id: e.at for e in scenario.events}
    errors = []
    for ids in report["delivered"].values():
        for previous, current in zip(ids, ids[1:], strict=False):
            window_end = report["deliveredAt"][previous] + INTERVAL
            if sent[current] < window_end:
                errors.append(report["deliveredAt"][current] - window_end)
    return errors


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(scenario: Scenario, baseline: bool) -> dict[str, Any]:
    started = time.perf_counter()
    report = simulate(
        scenario,
        buffer_invoker=BaselineInvoker.for_plan if baseline else None,
        after_provision=reference_setup if baseline else None,
    )
    wall = time.perf_counter() - started
    delivered = sum(len(v) for v in report["delivered"].values())
    calls = report["bufferCalls"]
    errors = delay_errors(scenario, report)
    handler_seconds = report["handlerSeconds"]
    sizes: dict[int, int] = report["bufferBatchSizes"]
    batches = sum(sizes.values())
    return {
        "delivered": delivered,
        "calls": calls,
        "callsPerEvent": round(sum(calls.values()) / max(delivered, 1), 3),
        "delayed": len(errors),
        "batches": batches,
        "singleRecordBatches": sizes.get(1, 0),
        "recordsPerBatch": round(sum(k * v for k, v in sizes.items()) / max(batches, 1), 2),
        "delayErrorP50Seconds": round(percentile(errors, 0.5), 3),
        "delayErrorP99Seconds": round(percentile(errors, 0.99), 3),
        "delayErrorMaxSeconds": round(max(errors, default=0.0), 3),
        "handlerMsPer1000Events": round(1000 * 1000 * handler_seconds / max(delivered, 1), 1),
        "cost": cost_per_million(report, delivered, handler_seconds),
        "invariantViolations": len(check_invariants(scenario, report, INTERVAL)),
        "deadLettered": len(report["deadLettered"]),
        "deadLetteredHealthy": tally(scenario, report, INTERVAL)["healthyDeadLettered"],
        "wallSeconds": round(wall, 1),
    }


def synthetic_project(directory: Path, resources: int) -> Path:
    """A Pulumi program of ``resources`` compliant queues (half of them DLQs) for check timing."""
    (directory / "Pulumi.yaml").write_text("name: synthetic\nruntime: python\n")
    (directory / "__main__.py").write_text(f"""import json
import pulumi_aws as aws
key = aws.kms.Key("key", enable_key_rotation=True)
for i in range({(resources - 1) // 2}):
    dlq = aws.sqs.Queue(f"dlq-{{i}}", name=f"q{{i}}-dlq.fifo", fifo_queue=True, kms_master_key_id=key.arn,
                        deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId")
    aws.sqs.Queue(f"q-{{i}}", name=f"q{{i}}.fifo", fifo_queue=True, kms_master_key_id=key.arn,
                  deduplication_scope="messageGroup", fifo_throughput_limit="perMessageGroupId",
                  redrive_policy=dlq.arn.apply(
                      lambda a: json.dumps({{"deadLetterTargetArn": a, "maxReceiveCount": 5}})))
""")
    return directory


def check_seconds() -> dict[str, Any]:
    try:
        from local.check.runner import check_project
    except ImportError:
        return {"checkSeconds": None, "check250Seconds": None, "check500Seconds": None}
    out: dict[str, Any] = {}
    started = time.perf_counter()
    check_project(PROJECT_ROOT, "dev")
    out["checkSeconds"] = round(time.perf_counter() - started, 3)
    with tempfile.TemporaryDirectory() as tmp:
        for size in (250, 500):
            directory = Path(tmp) / str(size)
            directory.mkdir()
            project = synthetic_project(directory, size)
            started = time.perf_counter()
            result = check_project(project, "dev")
            out[f"check{size}Seconds"] = round(time.perf_counter() - started, 3)
            out[f"check{size}Resources"] = result.resources
    return out


def scale_summary(scale: dict[str, Any]) -> dict[str, Any]:
    """The scale section's headline figures: the partitioned buffer (the prod configuration), one
    queue and the previous design side by side."""
    waiting, hot = scale["waitingUsers"], scale["hotUser"]
    return {
        "scalePartitions": scale["partitions"],
        "waitingUsersBeforeStall": waiting["partitioned"]["waitingUsersBeforeStall"],
        "oneQueueWaitingUsersBeforeStall": waiting["ours"]["waitingUsersBeforeStall"],
        "heldWaitingUsersBeforeStall": waiting["held"]["waitingUsersBeforeStall"],
        "hotUserOthersDelayP99Seconds": hot["partitioned"]["othersDelayP99Seconds"],
        "oneQueueHotUserOthersDelayP99Seconds": hot["ours"]["othersDelayP99Seconds"],
        "heldHotUserOthersDelayP99Seconds": hot["held"]["othersDelayP99Seconds"],
        "oneQueueBoundHotUserOthersDelayP99Seconds": hot["oneQueueBound"]["othersDelayP99Seconds"],
    }


def run_bench(
    events: int = 10_000, scale_users: int = 130_000, scale_partitions: int = 128, partitions: int = 1
) -> dict[str, Any]:
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}",
        "date": time.strftime("%Y-%m-%d"),
        "events": events,
        "partitions": partitions,
        "variants": {},
    }
    for variant in ("uniform", "hot"):
        results["variants"][variant] = {  # the reference design has one queue whatever ours uses
            "ours": measure(workload(variant, events=events, partitions=partitions), baseline=False),
            "baseline": measure(workload(variant, events=events), baseline=True),
        }
    results.update(check_seconds())
    if scale_users > 0:
        from local.bench.scale import run_scale

        results["scale"] = run_scale(users=scale_users, partitions=scale_partitions)
        results.update(scale_summary(results["scale"]))
    results["peakMemoryMb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    uniform = results["variants"]["uniform"]
    results.update(
        {
            "callsPerEvent": uniform["ours"]["callsPerEvent"],
            "baselineCallsPerEvent": uniform["baseline"]["callsPerEvent"],
            "delayErrorP99Seconds": max(v["ours"]["delayErrorP99Seconds"] for v in results["variants"].values()),
            "baselineDelayErrorP99Seconds": max(
                v["baseline"]["delayErrorP99Seconds"] for v in results["variants"].values()
            ),
            "costPerMillionUsd": uniform["ours"]["cost"]["total"],
            "oneRecordBatchFloorUsdPerMillion": one_record_batch_floor()["total"],
            "baselineCostPerMillionUsd": uniform["baseline"]["cost"]["total"],
            "deadLetteredHealthy": sum(v["ours"]["deadLetteredHealthy"] for v in results["variants"].values()),
            "baselineDeadLetteredHealthy": sum(
                v["baseline"]["deadLetteredHealthy"] for v in results["variants"].values()
            ),
        }
    )
    return results


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--events", type=int, default=10_000, help="events per variant (default 10000)")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the JSON results")
    parser.add_argument(
        "--scale-users",
        type=int,
        default=130_000,
        help="waiting users in the scale section (default 130000; 0 skips the scale section)",
    )
    parser.add_argument(
        "--partitions",
        type=_partitions,
        default=1,
        help="buffer partitions (queues) of our design on the uniform and hot workloads (default 1)",
    )
    parser.add_argument(
        "--scale-partitions",
        type=_partitions,
        default=128,
        help="buffer partitions (queues) of the scale section's partitioned design (default 128, as in prod)",
    )


def _partitions(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    results = run_bench(args.events, args.scale_users, args.scale_partitions, args.partitions)
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2) if args.json else format_table(results))
    return 0


__all__ = ["run_bench", "workload", "delay_errors"]
