"""The bench's compact FIFO queue returns what the strict emulator returns, operation for operation.

Random sends, receives, deletes and visibility changes (with the in-flight cap and the receive scan
played small) go to both ``local/bench/compact_fifo.py`` and the emulated SQS; every receive must
return the same messages in the same order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.bench.compact_fifo import CompactFifo
from local.emulator import VirtualClock, emulator, sqs_inflight


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[VirtualClock, Any]]:
    monkeypatch.setattr(sqs_inflight, "MAX_IN_FLIGHT", 12)
    monkeypatch.setattr(sqs_inflight, "FIFO_RECEIVE_SCAN", 15)
    clock = VirtualClock()
    with emulator(clock):
        yield clock, boto3.client("sqs")


@pytest.mark.parametrize("seed", range(6))
def test_same_receives_as_the_strict_emulator(sqs: tuple[VirtualClock, Any], seed: int) -> None:
    clock, client = sqs
    attributes = {"FifoQueue": "true", "VisibilityTimeout": "30", "MessageRetentionPeriod": "600"}
    url = client.create_queue(QueueName="q.fifo", Attributes=attributes)["QueueUrl"]
    compact = CompactFifo(visibility_timeout=30.0, retention_seconds=600.0)
    rng = random.Random(seed)
    handles: dict[int, str] = {}  # seq -> the emulator's receipt handle of its latest receive
    now, sent, compared = 0.0, 0, 0
    for _ in range(400):
        now += rng.choice((0.0, 0.5, 3.0, 20.0, 40.0))
        clock.advance_to(now)
        action = rng.random()
        if action < 0.4:
            group = f"g{rng.randrange(5)}"
            client.send_message(
                QueueUrl=url, MessageBody=str(sent), MessageGroupId=group, MessageDeduplicationId=str(sent)
            )
            assert compact.send(group, now) == sent
            sent += 1
            continue
        count = rng.randrange(1, 11)
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=count).get("Messages", [])
        got = compact.receive(count, now)
        assert [int(m["Body"]) for m in messages] == got, f"seed {seed}, t={now}"
        compared += len(got)
        for message in messages:
            handles[int(message["Body"])] = message["ReceiptHandle"]
        for seq in got:
            fate = rng.random()
            if fate < 0.5:
                client.delete_message(QueueUrl=url, ReceiptHandle=handles[seq])
                compact.delete(seq, now)
            elif fate < 0.8:
                seconds = rng.choice((0, 0, 5, 60))
                client.change_message_visibility(QueueUrl=url, ReceiptHandle=handles[seq], VisibilityTimeout=seconds)
                compact.change_visibility(seq, float(seconds), now)
    assert compared > 50  # the comparison covered real traffic
