"""The reference sample's buffer, for side-by-side measurement only (not deployed).

Per record: GetItem of the group's last processing time; if the interval has not passed, fail
the record and let the queue's fixed 60 s visibility timeout bring it back; otherwise SendMessage
to the downstream queue and PutItem the new time. Failed records make later records of their
group fail too, as FIFO requires.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

from local.capture import Capture
from local.emulator import VirtualClock
from local.simulate.invokers import CallCounter, FaultBook
from local.simulate.provision import FunctionInfo, Topology

FIXED_VISIBILITY_SECONDS = 60


class BaselineInvoker:
    """Same event shape, same downstream envelope, the sample's per-record calls."""

    def __init__(self, info: FunctionInfo, clock: VirtualClock, faults: FaultBook, plan: Capture) -> None:
        self.clock = clock
        self.counter = CallCounter()
        self.sqs = self.counter.attach(boto3.client("sqs"))
        self.ddb = self.counter.attach(boto3.client("dynamodb"))
        self.table = info.environment["BUFFER_TABLE"]
        self.interval = float(info.environment.get("INTERVAL_SECONDS", "60"))
        self.downstream = str(plan.outputs["primaryQueueUrl"])
        self.outcomes: list[Any] = []
        self.handler_seconds = 0.0

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        failures: list[dict[str, str]] = []
        blocked: set[str] = set()
        for record in event["Records"]:
            group = record["attributes"]["MessageGroupId"]
            event_id = record["attributes"]["MessageDeduplicationId"]
            if group in blocked:
                failures.append({"itemIdentifier": record["messageId"]})
                continue
            item = self.ddb.get_item(TableName=self.table, Key={"messageGroupId": {"S": group}}).get("Item")
            now = self.clock.now()
            if item and now - float(item["lastDeliveredAt"]["N"]) < self.interval:
                blocked.add(group)
                failures.append({"itemIdentifier": record["messageId"]})
                continue
            envelope = {"eventId": event_id, "groupId": group, "payload": json.loads(record["body"])}
            self.sqs.send_message(
                QueueUrl=self.downstream,
                MessageBody=json.dumps(envelope),
                MessageGroupId=group,
                MessageDeduplicationId=event_id,
            )
            self.ddb.put_item(
                TableName=self.table, Item={"messageGroupId": {"S": group}, "lastDeliveredAt": {"N": repr(now)}}
            )
        self.handler_seconds += time.perf_counter() - started
        return {"batchItemFailures": failures}


def fixed_visibility(topology: Topology, plan: Capture) -> None:
    """The sample delays by the queue's own visibility timeout: set it to 60 s."""
    name = str(plan.outputs["bufferQueueUrl"]).rsplit("/", 1)[-1]
    boto3.client("sqs").set_queue_attributes(
        QueueUrl=str(plan.outputs["bufferQueueUrl"]), Attributes={"VisibilityTimeout": str(FIXED_VISIBILITY_SECONDS)}
    )
    topology.queues[name]["visibilityTimeoutSeconds"] = FIXED_VISIBILITY_SECONDS
