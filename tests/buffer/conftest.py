"""Fixtures for buffer function tests: moto on a virtual clock, real queues, topic and tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.emulator import VirtualClock, emulator
from local.simulate.invokers import load_module

BUFFER_DIR = Path(__file__).resolve().parents[2] / "functions" / "buffer"
processor = load_module(BUFFER_DIR, "processor", "eventfork_test_buffer_processor")
# The modules the processor imports, by the names it imports them under (the function's folder on the path).
aws_edge = sys.modules["aws_edge"]
decisions = sys.modules["decisions"]
group_state = sys.modules["group_state"]
records = sys.modules["records"]
recording = sys.modules["recording"]
settings_module = sys.modules["settings"]


@dataclass
class BufferWorld:
    """A buffer function wired to emulated AWS, with helpers to feed and observe it."""

    clock: VirtualClock
    sqs: Any
    sns: Any
    ddb: Any
    source_url: str
    dlq_url: str
    downstream_url: str
    settings: Any
    sent: int = 0

    def function(self, settings: Any = None, **kwargs: Any) -> Any:
        """The processor with an AWS edge on the emulated clients; ``kwargs`` as ``BufferFunction`` takes them."""
        settings = settings or self.settings
        kwargs.setdefault("sleep", lambda seconds: self.clock.advance_to(self.clock.t + seconds))
        edge = aws_edge.AwsEdge(
            sqs=self.sqs,
            sns=self.sns,
            dynamodb=self.ddb,
            settings=settings,
            clock=self.clock.now,
            sleep=kwargs["sleep"],
        )
        return processor.BufferFunction(edge=edge, settings=settings, clock=self.clock.now, **kwargs)

    def send(
        self, group: str, event_id: str, body: Any, occurred_at: float | None = None, raw: str | None = None
    ) -> None:
        attributes = {}
        if occurred_at is not None:
            attributes["occurredAt"] = {"DataType": "Number", "StringValue": repr(occurred_at)}
        self.sqs.send_message(
            QueueUrl=self.source_url,
            MessageBody=raw if raw is not None else json.dumps(body),
            MessageGroupId=group,
            MessageDeduplicationId=event_id,
            MessageAttributes=attributes,
        )

    def receive_event(self, n: int = 10) -> dict[str, Any]:
        """A Lambda SQS event built from a real receive, as the event source mapping would."""
        response = self.sqs.receive_message(
            QueueUrl=self.source_url,
            MaxNumberOfMessages=n,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        records = []
        for m in response.get("Messages", []):
            attrs = {
                k: {"stringValue": v.get("StringValue"), "dataType": v["DataType"]}
                for k, v in m.get("MessageAttributes", {}).items()
            }
            records.append(
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                    "messageAttributes": attrs,
                    "eventSource": "aws:sqs",
                }
            )
        return {"Records": records}

    def settle(self, event: dict[str, Any], response: dict[str, Any]) -> None:
        """Delete what the function did not report failed (the event source mapping's job)."""
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for record in event["Records"]:
            if record["messageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.source_url, ReceiptHandle=record["receiptHandle"])

    def downstream(self) -> list[dict[str, Any]]:
        """Envelopes that reached the subscribed downstream queue, in order (left in place)."""
        from local.emulator import sqs_backend

        queue = sqs_backend().get_queue(self.downstream_url.rsplit("/", 1)[-1])
        return [json.loads(m.body) for m in queue._messages]

    def dead_letters(self) -> list[dict[str, Any]]:
        from local.emulator import sqs_backend

        queue = sqs_backend().get_queue(self.dlq_url.rsplit("/", 1)[-1])
        return [
            {"body": m.body, **{k: v.get("StringValue") for k, v in m.message_attributes.items()}}
            for m in queue._messages
        ]


def _table(ddb: Any, name: str, key: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def world() -> Iterator[BufferWorld]:
    clock = VirtualClock()
    with emulator(clock) as state:
        sqs, sns, ddb = (boto3.client(s) for s in ("sqs", "sns", "dynamodb"))
        fifo = {"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}
        dlq_url = sqs.create_queue(QueueName="buf-dlq.fifo", Attributes=fifo)["QueueUrl"]
        source_url = sqs.create_queue(QueueName="buf.fifo", Attributes={**fifo, "VisibilityTimeout": "180"})["QueueUrl"]
        downstream_url = sqs.create_queue(QueueName="down.fifo", Attributes=fifo)["QueueUrl"]
        topic = sns.create_topic(Name="fan.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
        state.per_group_topics.add(topic)
        down_arn = sqs.get_queue_attributes(QueueUrl=downstream_url, AttributeNames=["QueueArn"])["Attributes"]
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=down_arn["QueueArn"], Attributes={"RawMessageDelivery": "true"}
        )
        _table(ddb, "groups", "messageGroupId")
        settings = settings_module.BufferSettings(
            group_table="groups",
            topic_arn=topic,
            topic_fifo=True,
            source_queue_url=source_url,
            dlq_url=dlq_url,
            interval_seconds=60,
            max_attempts=3,
            event_ttl_seconds=86400,
            group_ttl_seconds=86400,
        )
        yield BufferWorld(clock, sqs, sns, ddb, source_url, dlq_url, downstream_url, settings)
