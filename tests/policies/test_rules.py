"""Each rule on real captured resources: the shipped one passes, a one-field change fails."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.infra.plans import one, plan

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from eventfork_policies.rules import buffer_table, encryption, fifo, operations  # noqa: E402

QUEUE, TOPIC, TABLE = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:dynamodb/table:Table"


def inputs(type_token: str, name: str, stack: str = "dev") -> dict:
    return dict(one(plan(stack), type_token, name).inputs)


def test_fifo_naming_both_directions() -> None:
    queue = inputs(QUEUE, "buffer-queue")
    assert fifo.fifo_naming(QUEUE, "buffer-queue", queue) == []
    assert fifo.fifo_naming(QUEUE, "q", {**queue, "name": "eventfork-dev-buffer"})
    topic = inputs(TOPIC, "fanout-topic")
    assert fifo.fifo_naming(TOPIC, "t", topic) == []
    assert fifo.fifo_naming(TOPIC, "t", {**topic, "fifoTopic": False})
    assert fifo.fifo_naming(QUEUE, "auto", {"fifoQueue": True}) == []  # the provider adds .fifo to generated names


def test_high_throughput_needs_both_settings_and_honours_exemptions() -> None:
    queue = inputs(QUEUE, "buffer-queue")
    assert fifo.high_throughput("q", queue, []) == []
    only_scope = {**queue, "fifoThroughputLimit": "perQueue"}
    assert fifo.high_throughput("q", only_scope, [])
    assert fifo.high_throughput("q", {**queue, "deduplicationScope": "queue"}, [])
    assert fifo.high_throughput("q", only_scope, [r"-buffer\.fifo$"]) == []
    assert fifo.high_throughput_fix(only_scope)["fifoThroughputLimit"] == "perMessageGroupId"


@pytest.mark.parametrize(
    ("type_token", "name", "break_it"),
    [
        (QUEUE, "buffer-queue", {"kmsMasterKeyId": "alias/aws/sqs"}),
        (QUEUE, "buffer-queue", {"sqsManagedSseEnabled": True}),
        (TOPIC, "fanout-topic", {"kmsMasterKeyId": None}),
        (TABLE, "buffer-table", {"serverSideEncryption": {"enabled": False}}),
        (
            "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
            "backup-stream",
            {"serverSideEncryption": {"enabled": True, "keyType": "AWS_OWNED_CMK"}},
        ),
    ],
)
def test_customer_managed_keys(type_token: str, name: str, break_it: dict) -> None:
    props = inputs(type_token, name)
    assert encryption.store_encryption(type_token, name, props) == []
    [message] = encryption.store_encryption(type_token, name, {**props, **break_it})
    assert name in message and ("customer-managed" in message or "AWS-managed" in message)


def test_search_domain_encryption() -> None:
    domain = inputs("aws:opensearch/domain:Domain", "analytics-domain", "ecommerce")
    assert encryption.store_encryption("aws:opensearch/domain:Domain", "d", domain) == []
    assert encryption.store_encryption("aws:opensearch/domain:Domain", "d", {**domain, "encryptAtRest": {}})


def test_key_rotation_and_its_remediation() -> None:
    key = inputs("aws:kms/key:Key", "buffer-key")
    assert encryption.key_rotation("k", key) == []
    off = {**key, "enableKeyRotation": False}
    assert encryption.key_rotation("k", off)
    assert encryption.key_rotation("k", encryption.key_rotation_fix(off)) == []


def test_bucket_sse_needs_kms_with_a_customer_key() -> None:
    sse = one(
        plan(),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "backup-bucket-sse",
    ).inputs
    assert encryption.bucket_encryption("b", sse["rules"]) == []
    aes = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    assert encryption.bucket_encryption("b", aes)
    assert encryption.bucket_encryption("b", [])


def test_a_server_access_log_target_may_use_sse_s3_and_nothing_weaker() -> None:
    """S3 log delivery does not support SSE-KMS default encryption on the target bucket."""
    log_sse = one(
        plan(),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "backup-bucket-access-logs-sse",
    ).inputs
    assert encryption.bucket_encryption("b", log_sse["rules"]) != []  # not a log target: SSE-KMS required
    assert encryption.bucket_encryption("b", log_sse["rules"], access_log_target=True) == []
    assert encryption.bucket_encryption("b", [], access_log_target=True)  # no default encryption at all
    assert encryption.bucket_encryption("b", [{"applyServerSideEncryptionByDefault": {}}], access_log_target=True)


def test_buffer_table_ttl() -> None:
    table = one(plan(), TABLE, "buffer-table")
    assert buffer_table.is_buffer_table(table.urn, table.parent, table.inputs)
    assert buffer_table.buffer_table_ttl("t", table.inputs) == []
    assert buffer_table.buffer_table_ttl("t", {**table.inputs, "ttl": {"enabled": False}})
    assert not buffer_table.is_buffer_table("urn:pulumi:dev::x::aws:dynamodb/table:Table::t", None, {})


def test_operational_rules_pass_on_shipped_resources_and_fail_when_broken() -> None:
    queue = inputs(QUEUE, "buffer-queue")
    pattern = r"(-dlq|-dead-letter)(\.fifo)?$"
    assert operations.queue_redrive("q", queue, pattern) == []
    assert operations.queue_redrive("q", {**queue, "redrivePolicy": None}, pattern)
    assert operations.queue_redrive("q", inputs(QUEUE, "buffer-queue-dlq"), pattern) == []
    replay = inputs(QUEUE, "replay-queue")
    assert operations.replay_retention("r", replay, 1209600, r"-replay(\.fifo)?$") == []
    assert operations.replay_retention("r", {**replay, "messageRetentionSeconds": 3600}, 1209600, "x^")
    policy = one(plan(), "aws:iam/rolePolicy:RolePolicy", "buffer-function-policy").inputs["policy"]
    assert operations.iam_wildcards("p", policy) == []
    doc = json.loads(policy)
    doc["Statement"].append({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    assert len(operations.iam_wildcards("p", doc)) == 2
    fn = inputs("aws:lambda/function:Function", "buffer-function")
    assert operations.lambda_tracing("f", fn) == []
    assert operations.lambda_tracing("f", {**fn, "tracingConfig": {"mode": "PassThrough"}})
    assert operations.visibility_covers_function("q", 180, "f", 30) == []
    assert operations.visibility_covers_function("q", 179, "f", 30)
