"""``make reliability``: a seeded load scenario with faults, and the table of what went wrong (nothing).

10,000 events across 1,000 groups over one virtual hour, 3% of them hit by a crash before or
after publishing and 2% retransmitted (some inside the 5-minute dedup window, some after). Every
DynamoDB call takes 0.3 s and every SNS call 0.4 s of virtual time, so the buffer's invocations
overlap (up to the mapping's maxConcurrency) as they do in Lambda. Groups never interact, so the
groups are split into shards played in parallel processes and the reports merged.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from local.simulate.invariants import tally
from local.simulate.runner import simulate
from local.simulate.scenario import Scenario, parse_scenario

INTERVAL = 60.0
SLOW_DEPENDENCIES = [
    {"kind": "latency", "service": "dynamodb", "seconds": 0.3, "from": 0, "until": 1e9},
    {"kind": "latency", "service": "sns", "seconds": 0.4, "from": 0, "until": 1e9},
]
QUIET = {
    "eventfork:backup": {"enabled": False},
    "eventfork:analytics": {"enabled": False},
    "eventfork:replay": {"enabled": False},
}


def load_scenario_doc(events: int = 10_000, groups: int = 1_000, seed: int = 20261122) -> dict[str, Any]:
    rng = random.Random(seed)
    docs: list[dict[str, Any]] = []
    for i in range(events):
        at = round(rng.uniform(0, 3600), 3)
        docs.append({"at": at, "group": f"user-{rng.randrange(groups):04d}", "id": f"e{i:05d}", "body": {"i": i}})
    faults = []
    for doc in rng.sample(docs, k=int(events * 0.03)):
        kind = rng.choice(["crash_before_publish", "crash_after_publish"])
        faults.append({"kind": kind, "id": doc["id"], "times": 1})
    for doc in rng.sample(docs, k=int(events * 0.02)):
        later = doc["at"] + rng.choice([rng.uniform(1, 250), rng.uniform(320, 1800)])
        docs.append({**doc, "at": round(later, 3), "occurredAt": doc["at"]})
    return {"name": "reliability", "events": docs, "faults": faults, "runFor": 20_000, "config": QUIET}


def shard(doc: dict[str, Any], shards: int) -> list[dict[str, Any]]:
    def of(group: str) -> int:
        return zlib.crc32(group.encode()) % shards

    parts = []
    for k in range(shards):
        events = [e for e in doc["events"] if of(e["group"]) == k]
        ids = {e["id"] for e in events}
        parts.append({**doc, "events": events, "faults": [f for f in doc["faults"] if f["id"] in ids]})
    return parts


def play_shard(doc: dict[str, Any]) -> dict[str, Any]:
    """One shard, its dependencies slow (every shard sees the same slow services)."""
    return simulate(parse_scenario({**doc, "faults": [*doc["faults"], *SLOW_DEPENDENCIES]}))


def merge(reports: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "delivered": {},
        "deliveredAt": {},
        "suppressed": {"duplicate": [], "stale": []},
        "deadLettered": [],
        "faultsInjected": [],
        "backupLeaks": 0,
        "maxConcurrentInvocations": 0,
    }
    for r in reports:
        merged["delivered"].update(r["delivered"])
        merged["deliveredAt"].update(r["deliveredAt"])
        for kind in ("duplicate", "stale"):
            merged["suppressed"][kind].extend(r["suppressed"][kind])
        merged["deadLettered"].extend(r["deadLettered"])
        merged["faultsInjected"].extend(r["faultsInjected"])
        merged["backupLeaks"] += r.get("backupLeaks", 0)
        peaks = r.get("maxConcurrentInvocations", {}).values()
        merged["maxConcurrentInvocations"] = max([merged["maxConcurrentInvocations"], *peaks])
    return merged


def run_reliability(events: int = 10_000, groups: int = 1_000, workers: int = 2) -> dict[str, Any]:
    started = time.perf_counter()
    doc = load_scenario_doc(events, groups)
    scenario: Scenario = parse_scenario(doc)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(play_shard, shard(doc, workers)))
    report = merge(reports)
    counts = tally(scenario, report, INTERVAL)
    return {
        "events": len(doc["events"]),
        "groups": groups,
        "faultsInjected": len(report["faultsInjected"]),
        "maxConcurrentInvocations": report["maxConcurrentInvocations"],
        **counts,
        "suppressed": len(report["suppressed"]["duplicate"]) + len(report["suppressed"]["stale"]),
        "wallSeconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.reliability", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    row = run_reliability(args.events, args.groups, args.workers)
    width = max(len(k) for k in row)
    for key, value in row.items():
        print(f"{key:<{width}}  {value}")
    failures = sum(row[k] for k in ("lost", "duplicated", "outOfOrder", "tooClose", "healthyDeadLettered"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
