"""KMS keys under encrypted queues and topics (``local/emulator/kms.py``)."""

from __future__ import annotations

import boto3
from botocore.config import Config

from local.emulator import EmulatorState, Outage
from tests.emulator.conftest import client, error_of

NO_RETRY = Config(retries={"total_max_attempts": 1, "mode": "standard"})
KEY = "alias/eventfork-test"


def test_a_disabled_key_fails_sqs_send_and_receive_and_sns_publish(aws: EmulatorState) -> None:
    """botocore SQS model: SendMessage, SendMessageBatch and ReceiveMessage list KmsDisabled (legacy code
    KMS.DisabledException in SQS's Smithy model); botocore SNS model: Publish and PublishBatch list
    KMSDisabledException (code KMSDisabled). Both are 400 sender faults."""
    sqs, sns = client("sqs"), client("sns")
    url = sqs.create_queue(QueueName="q", Attributes={"KmsMasterKeyId": KEY})["QueueUrl"]
    topic = sns.create_topic(Name="t", Attributes={"KmsMasterKeyId": KEY})["TopicArn"]
    sqs.send_message(QueueUrl=url, MessageBody="before")
    aws.kms_key_states[KEY] = "Disabled"
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x")[:2] == ("KMS.DisabledException", 400)
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])[0] == (
        "KMS.DisabledException"
    )
    assert error_of(sqs.receive_message, QueueUrl=url)[0] == "KMS.DisabledException"
    assert error_of(sns.publish, TopicArn=topic, Message="x")[:2] == ("KMSDisabled", 400)
    assert error_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a", "Message": "x"}])[0] == (
        "KMSDisabled"
    )
    aws.kms_key_states[KEY] = "PendingDeletion"
    assert error_of(sns.publish, TopicArn=topic, Message="x")[0] == "KMSInvalidState"
    aws.kms_key_states[KEY] = "Enabled"
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "before"


def test_a_key_disabled_in_kms_itself_is_seen_by_sqs(aws: EmulatorState) -> None:
    """A key created and disabled through the KMS API (DisableKey) has state Disabled; SQS reports
    KMS.DisabledException for a queue under it (botocore SQS model, SendMessage errors)."""
    kms = client("kms")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key_id)
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q", Attributes={"KmsMasterKeyId": key_id})["QueueUrl"]
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x")[0] == "KMS.DisabledException"


def test_a_kms_throttling_outage_throttles_only_calls_under_a_key(aws: EmulatorState) -> None:
    """KMS throttling reaches SQS as KmsThrottled (KMS.ThrottlingException) and SNS as KMSThrottlingException
    (code KMSThrottling), per the botocore models; unencrypted resources are not affected. ReceiveMessage
    needs KMS Decrypt, sends and publishes GenerateDataKey."""
    sqs, sns = boto3.client("sqs", config=NO_RETRY), boto3.client("sns", config=NO_RETRY)
    encrypted = sqs.create_queue(QueueName="enc", Attributes={"KmsMasterKeyId": KEY})["QueueUrl"]
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    topic = sns.create_topic(Name="t", Attributes={"KmsMasterKeyId": KEY})["TopicArn"]
    aws.outages.append(Outage("kms", "GenerateDataKey", "ThrottlingException", start=0.0, end=60.0))
    assert error_of(sqs.send_message, QueueUrl=encrypted, MessageBody="x")[:2] == ("KMS.ThrottlingException", 400)
    assert error_of(sns.publish, TopicArn=topic, Message="x")[:2] == ("KMSThrottling", 400)
    sqs.send_message(QueueUrl=plain, MessageBody="x")
    sqs.receive_message(QueueUrl=encrypted)  # Decrypt is not throttled
    aws.clock.advance_to(60.0)
    sqs.send_message(QueueUrl=encrypted, MessageBody="x")
    assert aws.fault_log.failed["kms:GenerateDataKey"] == 2
