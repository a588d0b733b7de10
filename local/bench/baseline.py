"""The published reference sample's delay queue, for side-by-side measurement only (not deployed).

Modelled on aws-samples/serverless-patterns, commit fb7b5d06c27d8abb1bd35e52ab7523acf4baab7b,
pattern ``sqs-fifo-delayed-queue-dynamodb``:

- ``lambda/process_message.py`` (``handler``): for every record, a GetItem of the group's item
  (key ``customer_id`` = the record's ``MessageGroupId``; nothing remembers a group that already
  failed in the batch). No item: ``process_message``, a failure if that raises. An item whose
  ``item['ttl'] - int(time.time()) < 0``: ``process_message``, outside any ``try``, so an error
  fails the whole invocation. Otherwise the record is a ``batchItemFailure`` and comes back after
  the queue's visibility timeout. A GetItem error fails the record.
- ``process_message``: ``expiry_epoch_time = int(time.time()) + message_delay_seconds`` (60), then
  SendMessage with ``QueueUrl``, ``MessageBody`` and ``MessageGroupId`` only (no
  ``MessageDeduplicationId``), then PutItem ``{'customer_id': group, 'ttl': expiry}``. So a group's
  next record passes once the whole-second clock is past ``ttl``: between 60 and 61 s later, and
  a record that comes back after exactly the 60 s visibility timeout usually fails once more.
- ``delay_fifo_queue_test/delay_fifo_queue_test_stack.py``: ``DelayFifoQueue`` (FIFO, content-based
  deduplication, visibility 60 s, dead-letter queue ``DelayFifoQueueDlq`` with ``max_receive_count=5``);
  ``DelayFifoQueueDownstream`` (FIFO, content-based deduplication, visibility 60 s);
  ``CustomerTable`` (``DelayFifoQueueCustomerTable``, partition key ``customer_id`` string,
  ``time_to_live_attribute="ttl"``, CDK's default provisioned 5 read / 5 write units);
  ``ProcessMessageLambda`` with no timeout or memory set (CDK's defaults: 3 s, 128 MB); its
  ``EventSourceMapping`` with ``batch_size=10``, ``report_batch_item_failures=True``, no batching
  window and no maximum concurrency.
- ``README.md`` ("How it works"): a message of a sender seen within the time frame "is not
  processed and with be retried after the visibility timeout on the ``primary_queue``".

Kept from our run, so both are measured alike: the buffer queue and its DLQ play ``DelayFifoQueue``
and ``DelayFifoQueueDlq`` (the sample's settings applied for the reference run only), our primary
queue plays ``DelayFifoQueueDownstream`` (content-based deduplication switched on for the reference
run), and the body sent is our envelope around the record's body (the report reads the event id
from it; every bench payload is distinct, so content-based deduplication drops nothing the raw
body would not). Not modelled: provisioned-capacity throttling (the emulator has none) and the
sample's 128 MB x86_64 function in the cost model, which prices both designs alike.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

from local.account import ACCOUNT_ID, REGION
from local.capture import Capture
from local.emulator import VirtualClock
from local.emulator.lambda_scheduler import DEFAULT_MAX_CONCURRENCY
from local.simulate.invokers import CallCounter, FaultBook
from local.simulate.provision import FunctionInfo, Topology

MESSAGE_DELAY_SECONDS = 60  # process_message.py: message_delay_seconds
VISIBILITY_TIMEOUT_SECONDS = 60  # the stack: DelayFifoQueue visibility_timeout
MAX_RECEIVE_COUNT = 5  # the stack: DeadLetterQueue(max_receive_count=5)
FUNCTION_TIMEOUT_SECONDS = 3  # the stack sets none: CDK's lambda.Function default
BATCH_SIZE = 10  # the stack: EventSourceMapping batch_size
TABLE_NAME = "DelayFifoQueueCustomerTable"
TABLE_KEY = "customer_id"
TTL_ATTRIBUTE = "ttl"
PROVISIONED_UNITS = 5  # CDK's dynamodb.Table default read and write capacity


class BaselineInvoker:
    """The sample's handler, record by record, against the emulator's DynamoDB and SQS."""

    def __init__(self, clock: VirtualClock, downstream_url: str, table: str = TABLE_NAME) -> None:
        self.clock = clock
        self.counter = CallCounter()
        self.sqs = self.counter.attach(boto3.client("sqs"))
        self.ddb = self.counter.attach(boto3.client("dynamodb"))
        self.table = table
        self.downstream = downstream_url
        self.outcomes: list[Any] = []
        self.handler_seconds = 0.0

    @classmethod
    def for_plan(cls, info: FunctionInfo, clock: VirtualClock, faults: FaultBook, plan: Capture) -> BaselineInvoker:
        """In place of the buffer function: delivering to the plan's primary queue."""
        return cls(clock, str(plan.outputs["primaryQueueUrl"]))

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in self._handle(event)]}
        finally:
            self.handler_seconds += time.perf_counter() - started

    def _handle(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        failed: list[dict[str, Any]] = []
        for record in event["Records"]:
            group = record["attributes"]["MessageGroupId"]
            try:
                response = self.ddb.get_item(TableName=self.table, Key={TABLE_KEY: {"S": group}})
            except Exception:  # noqa: BLE001 - the sample's bare except: the record fails
                failed.append(record)
                continue
            item = response.get("Item")
            if item is None:
                try:
                    self._process(record, group)
                except Exception:  # noqa: BLE001 - as the sample: the record fails
                    failed.append(record)
            elif int(item[TTL_ATTRIBUTE]["N"]) - int(self.clock.now()) < 0:
                self._process(record, group)  # as the sample: an error here fails the invocation
            else:
                failed.append(record)
        return failed

    def _process(self, record: dict[str, Any], group: str) -> None:
        """``process_message``: the expiry first, then SendMessage without a deduplication id, then PutItem."""
        expiry = int(self.clock.now()) + MESSAGE_DELAY_SECONDS
        event_id = record["attributes"].get("MessageDeduplicationId")  # the producer's id, to label the delivery
        envelope = {"eventId": event_id, "groupId": group, "payload": json.loads(record["body"])}
        self.sqs.send_message(QueueUrl=self.downstream, MessageBody=json.dumps(envelope), MessageGroupId=group)
        self.ddb.put_item(TableName=self.table, Item={TABLE_KEY: {"S": group}, TTL_ATTRIBUTE: {"N": str(expiry)}})


def create_customer_table(name: str = TABLE_NAME) -> None:
    """The sample's ``CustomerTable``: partition key ``customer_id``, TTL on ``ttl``."""
    ddb = boto3.client("dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": TABLE_KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": TABLE_KEY, "AttributeType": "S"}],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": PROVISIONED_UNITS, "WriteCapacityUnits": PROVISIONED_UNITS},
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})


def reference_setup(topology: Topology, plan: Capture) -> None:
    """The sample's settings on this run's resources only: the topology gets new entries, so the
    cached plan (whose inputs our next run provisions from) keeps ours."""
    sqs = boto3.client("sqs")
    buffer_url, dlq_url = str(plan.outputs["bufferQueueUrl"]), str(plan.outputs["bufferDlqUrl"])
    dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{dlq_url.rsplit('/', 1)[-1]}"
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    sqs.set_queue_attributes(
        QueueUrl=buffer_url,
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
            "ContentBasedDeduplication": "true",
            "RedrivePolicy": redrive,
        },
    )
    name = buffer_url.rsplit("/", 1)[-1]
    topology.queues[name] = {
        **topology.queues[name],
        "visibilityTimeoutSeconds": VISIBILITY_TIMEOUT_SECONDS,
        "contentBasedDeduplication": True,
        "redrivePolicy": redrive,
    }
    downstream_url = str(plan.outputs["primaryQueueUrl"])
    sqs.set_queue_attributes(
        QueueUrl=downstream_url,
        Attributes={"VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS), "ContentBasedDeduplication": "true"},
    )
    downstream = downstream_url.rsplit("/", 1)[-1]
    topology.queues[downstream] = {
        **topology.queues[downstream],
        "visibilityTimeoutSeconds": VISIBILITY_TIMEOUT_SECONDS,
        "contentBasedDeduplication": True,
    }
    create_customer_table()
    for mapping in topology.mappings:
        if mapping.queue_name == name:
            mapping.batch_size = BATCH_SIZE
            mapping.max_concurrency = DEFAULT_MAX_CONCURRENCY
            mapping.function.timeout = FUNCTION_TIMEOUT_SECONDS
