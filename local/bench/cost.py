"""The bench's cost model: USD per million events from a run's counts and the dated price file.

Prices, their sources and the assumptions (call latency, function memory) are in
``bench/prices-us-east-1-2026-11.json``; every figure docs/performance.md gives in USD comes from here.
"""

from __future__ import annotations

import json
from typing import Any

from local.capture import PROJECT_ROOT

PRICES = PROJECT_ROOT / "bench" / "prices-us-east-1-2026-11.json"


def cost_per_million(report: dict[str, Any], delivered: int, handler_seconds: float) -> dict[str, float]:
    prices = json.loads(PRICES.read_text())
    p, a = prices["prices"], prices["assumptions"]
    calls = report["bufferCalls"]
    sqs_requests = sum(v for k, v in calls.items() if k.startswith("sqs:"))
    sqs_requests += sum(report["receives"].values()) + sum(report["deleteBatches"].values())
    publishes = sum(v for k, v in calls.items() if k.startswith("sns:"))
    invocations = sum(report["invocations"].values())
    gb_seconds = (handler_seconds + sum(calls.values()) * a["awsCallLatencySeconds"]) * a["functionMemoryGb"]
    usd = {
        "sqs": sqs_requests * p["sqsFifoPerMillionRequests"] / 1e6,
        "sns": publishes * p["snsFifoPublishPerMillionRequests"] / 1e6 + delivered * 1e-6 * p["snsFifoPayloadPerGb"],
        "dynamodb": report["readUnits"] * p["dynamodbPerMillionReadUnits"] / 1e6
        + report["writeUnits"] * p["dynamodbPerMillionWriteUnits"] / 1e6,
        "lambda": invocations * p["lambdaPerMillionRequests"] / 1e6 + gb_seconds * p["lambdaArmPerGbSecond"],
    }
    scale = 1e6 / max(delivered, 1)
    return {k: round(v * scale, 4) for k, v in usd.items()} | {"total": round(sum(usd.values()) * scale, 4)}


def one_record_batch_floor() -> dict[str, float]:
    """USD per million events, by the same cost model, of what every event costs when each batch holds
    one record, whatever the design: the mapping's receive and delete, the invocation, one publish
    (with its round trip) and the write unit that records the delivery; no read, no handler time."""
    events = 1_000_000
    report = {
        "bufferCalls": {"sns:PublishBatch": events},
        "receives": {"buffer": events},
        "deleteBatches": {"buffer": events},
        "invocations": {"buffer": events},
        "readUnits": 0,
        "writeUnits": events,
    }
    return cost_per_million(report, events, 0.0)
