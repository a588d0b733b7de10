"""FifoEventBuffer and EventFanOut as the engine receives them (Pulumi mock runtime)."""

from __future__ import annotations

import json

import pytest

from tests.infra.plans import children, one, plan, policy, value

BUFFER = "eventfork:buffer:FifoEventBuffer"
FANOUT = "eventfork:fanout:EventFanOut"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"


def test_buffer_queue_is_high_throughput_fifo_under_the_cmk_with_a_fifo_dlq() -> None:
    p = plan()
    queue, dlq, key = (
        one(p, QUEUE, "buffer-queue"),
        one(p, QUEUE, "buffer-queue-dlq"),
        one(p, "aws:kms/key:Key", "buffer-key"),
    )
    assert value(queue, "name") == "eventfork-dev-buffer.fifo"
    assert value(queue, "fifoQueue") is True
    assert value(queue, "deduplicationScope") == "messageGroup"
    assert value(queue, "fifoThroughputLimit") == "perMessageGroupId"
    assert value(queue, "kmsMasterKeyId") == key.outputs["arn"]
    assert value(queue, "visibilityTimeoutSeconds") == 6 * 30
    assert value(queue, "messageRetentionSeconds") == 1209600
    redrive = json.loads(value(queue, "redrivePolicy"))
    assert redrive == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 1000}
    assert value(dlq, "name") == "eventfork-dev-buffer-dlq.fifo" and value(dlq, "fifoQueue") is True
    assert value(dlq, "kmsMasterKeyId") == key.outputs["arn"]
    assert value(key, "enableKeyRotation") is True


def test_the_buffer_table_has_ttl_cmk_pitr_on_demand_and_the_role_tag() -> None:
    p = plan()
    key_arn = one(p, "aws:kms/key:Key", "buffer-key").outputs["arn"]
    [table] = p.by_type(TABLE)  # one item per group is the buffer's whole memory
    assert table.name == "buffer-table"
    assert value(table, "hashKey") == "messageGroupId"
    assert value(table, "attributes") == [{"name": "messageGroupId", "type": "S"}]
    assert value(table, "tags.eventfork:role") == "buffer"
    assert value(table, "ttl") == {"enabled": True, "attributeName": "expiresAt"}
    assert value(table, "billingMode") == "PAY_PER_REQUEST"
    assert value(table, "pointInTimeRecovery.enabled") is True
    assert value(table, "serverSideEncryption") == {"enabled": True, "kmsKeyArn": key_arn}
    assert value(table, "deletionProtectionEnabled") is False


def test_buffer_function_settings_environment_and_event_source_mapping() -> None:
    p = plan()
    fn = one(p, "aws:lambda/function:Function", "buffer-function")
    assert value(fn, "runtime") == "python3.12"
    assert value(fn, "timeout") == 30
    assert value(fn, "tracingConfig.mode") == "Active"
    assert value(fn, "handler") == "app.lambda_handler"
    assert fn.inputs["code"]["assets"]["."]["archive"].endswith("functions/buffer")
    assert "layers" not in fn.inputs  # Powertools ships in the archive (tests/infra/test_packaging.py)
    env = value(fn, "environment.variables")
    assert env["INTERVAL_SECONDS"] == "60" and env["MAX_ATTEMPTS"] == "5" and env["TOPIC_FIFO"] == "true"
    assert env["BUFFER_TABLE"] == "eventfork-dev-buffer" and "IDEMPOTENCY_TABLE" not in env
    assert env["SOURCE_QUEUE_URL"] == p.outputs["bufferQueueUrl"] and env["DLQ_URL"] == p.outputs["bufferDlqUrl"]
    assert env["TOPIC_ARN"] == p.outputs["topicArn"]
    assert env["RETRY_VISIBILITY_SECONDS"] == "35"
    esm = one(p, "aws:lambda/eventSourceMapping:EventSourceMapping", "buffer-events")
    assert value(esm, "eventSourceArn") == p.outputs["bufferQueueArn"]
    assert value(esm, "functionName") == fn.outputs["arn"]
    assert value(esm, "batchSize") == 10
    assert value(esm, "functionResponseTypes") == ["ReportBatchItemFailures"]
    assert value(esm, "scalingConfig.maximumConcurrency") == 10
    logs = one(p, "aws:cloudwatch/logGroup:LogGroup", "buffer-function-logs")
    assert value(logs, "name") == "/aws/lambda/eventfork-dev-buffer" and value(logs, "retentionInDays") == 30


def test_buffer_role_is_scoped_to_its_own_resources() -> None:
    p = plan()
    statements = {
        s.get("Sid"): s for s in policy(one(p, "aws:iam/rolePolicy:RolePolicy", "buffer-function-policy"))["Statement"]
    }
    assert statements["ConsumeBufferQueue"]["Resource"] == p.outputs["bufferQueueArn"]
    assert statements["DeadLetterRejectedEvents"]["Resource"].endswith(":eventfork-dev-buffer-dlq.fifo")
    assert statements["PublishDownstream"] == {
        "Sid": "PublishDownstream",
        "Effect": "Allow",
        "Action": "sns:Publish",
        "Resource": p.outputs["topicArn"],
    }
    assert statements["BufferState"]["Resource"] == one(p, TABLE, "buffer-table").outputs["arn"]
    assert statements["BufferState"]["Action"] == [
        "dynamodb:BatchGetItem",
        "dynamodb:PartiQLInsert",
        "dynamodb:PartiQLUpdate",
        "dynamodb:UpdateItem",
    ]
    for statement in statements.values():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in a for a in actions), statement
    trust = policy(one(p, "aws:iam/role:Role", "buffer-function-role"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_every_child_is_parented_to_its_component() -> None:
    p = plan()
    in_buffer = {r.name for r in children(p, BUFFER)}
    in_fanout = {r.name for r in children(p, FANOUT)}
    assert {
        "buffer-queue",
        "buffer-queue-dlq",
        "buffer-table",
        "buffer-function",
        "buffer-events",
        "buffer-key",
        "buffer-function-role",
    } <= in_buffer
    assert {"fanout-topic", "fanout-primary", "fanout-primary-dlq", "fanout-primary-subscription"} <= in_fanout
    assert not in_buffer & in_fanout


def test_fanout_topic_and_primary_queue_defaults() -> None:
    p = plan()
    topic = one(p, "aws:sns/topic:Topic", "fanout-topic")
    key_arn = one(p, "aws:kms/key:Key", "fanout-key").outputs["arn"]
    assert value(topic, "name") == "eventfork-dev-fanout.fifo"
    assert value(topic, "fifoTopic") is True and value(topic, "fifoThroughputScope") == "MessageGroup"
    assert value(topic, "kmsMasterKeyId") == key_arn
    primary = one(p, QUEUE, "fanout-primary")
    assert value(primary, "name") == "eventfork-dev-primary.fifo" and value(primary, "kmsMasterKeyId") == key_arn
    sub = one(p, "aws:sns/topicSubscription:TopicSubscription", "fanout-primary-subscription")
    assert value(sub, "rawMessageDelivery") is True and value(sub, "endpoint") == p.outputs["primaryQueueArn"]
    queue_policy = policy(one(p, "aws:sqs/queuePolicy:QueuePolicy", "fanout-primary-policy"))
    allow = queue_policy["Statement"][0]
    assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": p.outputs["topicArn"]}}


def test_standard_topic_switch_makes_a_standard_topic_and_queue() -> None:
    p = plan(overrides={"eventfork:fanout": {"fifo": False}})
    topic = one(p, "aws:sns/topic:Topic", "fanout-topic")
    assert value(topic, "name") == "eventfork-dev-fanout"
    assert "fifoTopic" not in topic.inputs
    primary = one(p, QUEUE, "fanout-primary")
    assert value(primary, "name") == "eventfork-dev-primary" and "fifoQueue" not in primary.inputs
    env = value(one(p, "aws:lambda/function:Function", "buffer-function"), "environment.variables")
    assert env["TOPIC_FIFO"] == "false"


def test_config_flows_into_every_setting() -> None:
    p = plan(
        overrides={
            "eventfork:buffer": {
                "intervalSeconds": 15,
                "highThroughput": False,
                "contentBasedDeduplication": True,
                "maxAttempts": 2,
                "functionTimeoutSeconds": 20,
                "maxConcurrency": 4,
                "batchSize": 5,
                "memorySize": 512,
                "redriveMaxReceiveCount": 300,
                "deletionProtection": True,
                "pointInTimeRecovery": False,
            }
        }
    )
    queue = one(p, QUEUE, "buffer-queue")
    assert value(queue, "deduplicationScope") == "queue" and value(queue, "fifoThroughputLimit") == "perQueue"
    assert value(queue, "contentBasedDeduplication") is True
    assert value(queue, "visibilityTimeoutSeconds") == 120
    assert json.loads(value(queue, "redrivePolicy"))["maxReceiveCount"] == 300
    fn = one(p, "aws:lambda/function:Function", "buffer-function")
    assert value(fn, "timeout") == 20 and value(fn, "memorySize") == 512
    assert value(fn, "environment.variables.INTERVAL_SECONDS") == "15"
    assert value(fn, "environment.variables.MAX_ATTEMPTS") == "2"
    esm = one(p, "aws:lambda/eventSourceMapping:EventSourceMapping", "buffer-events")
    assert value(esm, "batchSize") == 5 and value(esm, "scalingConfig.maximumConcurrency") == 4
    table = one(p, TABLE, "buffer-table")
    assert value(table, "deletionProtectionEnabled") is True and value(table, "pointInTimeRecovery.enabled") is False


def test_stack_outputs_are_the_documented_ones() -> None:
    outputs = plan().outputs
    for name in (
        "bufferQueueUrl",
        "bufferQueueArn",
        "bufferDlqUrl",
        "bufferTableName",
        "topicArn",
        "primaryQueueUrl",
        "primaryQueueArn",
    ):
        assert outputs[name], name


def test_strict_accessor_fails_on_values_unknown_at_preview() -> None:
    """Guards against vacuous checks: a computed ARN is unknown in a preview, and reading it fails."""
    p = plan(preview=True)
    esm = one(p, "aws:lambda/eventSourceMapping:EventSourceMapping", "buffer-events")
    with pytest.raises(AssertionError, match="unknown at plan time"):
        value(esm, "eventSourceArn")
    with pytest.raises(AssertionError, match="not set"):
        value(esm, "maximumRetryAttempts")
    assert value(esm, "batchSize") == 10


def test_explicit_provider_uses_the_stack_region_and_default_tags() -> None:
    provider = one(plan(), "pulumi:providers:aws", "aws")
    assert value(provider, "region") == "us-east-1"
    assert json.loads(value(provider, "defaultTags")) == {
        "tags": {"eventfork:stack": "dev", "eventfork:project": "eventfork"}
    }
