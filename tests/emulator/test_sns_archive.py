"""SNS FIFO topic archive and subscription replay (``local/emulator/sns_archive.py``).

Sources: https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-topic-owner.html and
https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-subscriber.html.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from local.emulator import EmulatorState
from tests.emulator.conftest import client, error_of, fifo_queue

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:"


def iso(state: EmulatorState, t: float) -> str:
    return datetime.fromtimestamp(state.clock.start + t, tz=UTC).isoformat()


def archived_topic(aws: EmulatorState, days: int = 7) -> tuple[Any, Any, str, str, str]:
    sns, sqs = client("sns"), client("sqs")
    attributes = {"FifoTopic": "true", "ArchivePolicy": json.dumps({"MessageRetentionPeriod": days})}
    topic = sns.create_topic(Name="t.fifo", Attributes=attributes)["TopicArn"]
    url = fifo_queue(sqs, "q.fifo")
    sub = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=QUEUE_ARN + "q.fifo",
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return sns, sqs, topic, url, sub


def bodies(sqs: Any, url: str) -> list[str]:
    out = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in messages:
            out.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def publish_at(aws: EmulatorState, sns: Any, topic: str, t: float, body: str, group: str = "g") -> None:
    aws.clock.advance_to(t)
    sns.publish(TopicArn=topic, Message=body, MessageGroupId=group, MessageDeduplicationId=body)


@pytest.mark.parametrize(
    "policy", ['{"MessageRetentionPeriod": 0}', '{"MessageRetentionPeriod": 366}', '{"x": 1}', "no"]
)
def test_archive_policy_keeps_1_to_365_days(aws: EmulatorState, policy: str) -> None:
    """Topic owner page: "MessageRetentionPeriod" in days, "from 1 to 365 days"."""
    sns = client("sns")
    code, status, _ = error_of(
        sns.create_topic, Name="t.fifo", Attributes={"FifoTopic": "true", "ArchivePolicy": policy}
    )
    assert (code, status) == ("InvalidParameter", 400)
    sns.create_topic(
        Name="ok.fifo", Attributes={"FifoTopic": "true", "ArchivePolicy": '{"MessageRetentionPeriod": 365}'}
    )


def test_only_fifo_topics_archive(aws: EmulatorState) -> None:
    """Topic owner page: archiving is available for FIFO topics (the feature is "for FIFO topics")."""
    code, _, _ = error_of(
        client("sns").create_topic, Name="t", Attributes={"ArchivePolicy": '{"MessageRetentionPeriod": 1}'}
    )
    assert code == "InvalidParameter"


def test_a_replay_window_redelivers_only_its_messages_in_publish_order(aws: EmulatorState) -> None:
    """Subscriber page: StartingPoint (required), EndingPoint (optional), PointType Timestamp; a replayed
    message keeps its content; replay from the archive to the subscribed endpoint."""
    sns, sqs, topic, url, sub = archived_topic(aws)
    for t, body in ((0, "m0"), (100, "m1"), (200, "m2"), (300, "m3")):
        publish_at(aws, sns, topic, t, body)
    assert bodies(sqs, url) == ["m0", "m1", "m2", "m3"]
    aws.clock.advance_to(1000)
    policy = {"PointType": "Timestamp", "StartingPoint": iso(aws, 50), "EndingPoint": iso(aws, 250)}
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="ReplayPolicy", AttributeValue=json.dumps(policy)
    )
    assert bodies(sqs, url) == ["m1", "m2"]


def test_an_ending_point_pauses_the_subscription_until_a_policy_without_one(aws: EmulatorState) -> None:
    """Subscriber page, "Understanding the EndingPoint": after the replay the subscription is paused; newly
    published messages are not delivered until a ReplayPolicy without EndingPoint is applied."""
    sns, sqs, topic, url, sub = archived_topic(aws)
    publish_at(aws, sns, topic, 0, "m0")
    bodies(sqs, url)
    aws.clock.advance_to(600)
    window = {"PointType": "Timestamp", "StartingPoint": iso(aws, 0), "EndingPoint": iso(aws, 10)}
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="ReplayPolicy", AttributeValue=json.dumps(window)
    )
    assert bodies(sqs, url) == ["m0"]
    publish_at(aws, sns, topic, 700, "m1")
    assert bodies(sqs, url) == []
    resume = {"PointType": "Timestamp", "StartingPoint": iso(aws, 10)}
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="ReplayPolicy", AttributeValue=json.dumps(resume)
    )
    assert bodies(sqs, url) == ["m1"]
    publish_at(aws, sns, topic, 800, "m2")
    assert bodies(sqs, url) == ["m2"]


def test_messages_older_than_the_retention_are_not_replayed(aws: EmulatorState) -> None:
    """Topic owner page: messages are kept for MessageRetentionPeriod days."""
    sns, sqs, topic, url, sub = archived_topic(aws, days=1)
    publish_at(aws, sns, topic, 0, "old")
    publish_at(aws, sns, topic, 86_400, "new")
    bodies(sqs, url)
    aws.clock.advance_to(86_800)  # past the queue's 5-minute deduplication window
    resume = {"PointType": "Timestamp", "StartingPoint": iso(aws, 0)}
    sns.set_subscription_attributes(
        SubscriptionArn=sub, AttributeName="ReplayPolicy", AttributeValue=json.dumps(resume)
    )
    assert bodies(sqs, url) == ["new"]


@pytest.mark.parametrize(
    "policy",
    [
        '{"StartingPoint": "2026-01-01T00:00:00Z"}',
        '{"PointType": "Offset", "StartingPoint": "2026-01-01T00:00:00Z"}',
        '{"PointType": "Timestamp"}',
        '{"PointType": "Timestamp", "StartingPoint": "yesterday"}',
    ],
)
def test_a_replay_policy_needs_a_timestamp_point_type_and_a_starting_point(aws: EmulatorState, policy: str) -> None:
    """Subscriber page: StartingPoint and PointType are required; the supported PointType is Timestamp."""
    sns, _, _, _, sub = archived_topic(aws)
    code, _, _ = error_of(
        sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="ReplayPolicy", AttributeValue=policy
    )
    assert code == "InvalidParameter"


def test_replay_needs_an_archiving_fifo_topic(aws: EmulatorState) -> None:
    """botocore SNS model, SetSubscriptionAttributes: ReplayPolicy applies to FIFO topics only (with an archive)."""
    sns = client("sns")
    topic = sns.create_topic(Name="plain.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    fifo_queue(client("sqs"), "q.fifo")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE_ARN + "q.fifo", ReturnSubscriptionArn=True)
    policy = json.dumps({"PointType": "Timestamp", "StartingPoint": iso(aws, 0)})
    code, _, _ = error_of(
        sns.set_subscription_attributes,
        SubscriptionArn=sub["SubscriptionArn"],
        AttributeName="ReplayPolicy",
        AttributeValue=policy,
    )
    assert code == "InvalidParameter"
