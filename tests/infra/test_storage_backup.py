"""Storage & backup pipeline as the engine receives it: defaults, every parameter, nothing when disabled."""

from __future__ import annotations

import pytest

from tests.infra.plans import (
    as_list,
    assert_declares_nothing,
    assert_parented,
    assert_subscribed,
    one,
    plan,
    policy,
    statements,
    value,
)

BACKUP = "eventfork:pipelines:StorageBackupPipeline"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
FUNCTION = "aws:lambda/function:Function"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OWN_TRANSFORM = "arn:aws:lambda:us-east-1:123456789012:function:team-transform"


def s3_config(overrides: dict | None = None) -> dict:
    return value(one(plan(overrides=overrides), STREAM, "backup-stream"), "extendedS3Configuration")


def backup(settings: dict) -> dict:
    return {"eventfork:backup": settings}


def test_the_component_and_every_child_hang_together() -> None:
    p = plan()
    [component] = p.by_type(BACKUP)
    assert component.name == "backup" and component.parent.endswith("pulumi:pulumi:Stack::eventfork-dev")
    assert_parented(p, BACKUP, "backup-")


def test_queue_subscription_and_dlq_default_to_fifo_cmk_and_topic_only() -> None:
    p = plan()
    sub = assert_subscribed(p, "backup", "eventfork-dev-backup")
    assert "filterPolicy" not in sub.inputs and "filterPolicyScope" not in sub.inputs
    queue = one(p, "aws:sqs/queue:Queue", "backup-queue")
    forwarder = one(p, FUNCTION, "backup-forwarder")
    assert value(forwarder, "timeout") == 30 and value(queue, "visibilityTimeoutSeconds") == 180
    assert value(queue, "messageRetentionSeconds") == 1209600


def test_stream_defaults_direct_put_gzip_60_seconds_5_mb_cmk_and_redaction() -> None:
    p = plan()
    key = p.outputs["fanoutKmsKeyArn"]
    stream = one(p, STREAM, "backup-stream")
    assert value(stream, "name") == "eventfork-dev-backup" == p.outputs["backupDeliveryStreamName"]
    assert value(stream, "destination") == "extended_s3" and "kinesisSourceConfiguration" not in stream.inputs
    assert value(stream, "serverSideEncryption") == {"enabled": True, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": key}
    s3 = value(stream, "extendedS3Configuration")
    assert (s3["compressionFormat"], s3["bufferingInterval"], s3["bufferingSize"]) == ("GZIP", 60, 5)
    assert (s3["prefix"], s3["errorOutputPrefix"], s3["kmsKeyArn"]) == ("events/", "errors/", key)
    assert (
        s3["bucketArn"]
        == p.outputs["backupBucketArn"]
        == one(p, "aws:s3/bucket:Bucket", "backup-bucket").outputs["arn"]
    )
    assert s3["roleArn"] == one(p, "aws:iam/role:Role", "backup-firehose-role").outputs["arn"]
    redaction = one(p, FUNCTION, "backup-redaction")
    assert value(redaction, "name") == "eventfork-dev-backup-redaction"
    assert s3["processingConfiguration"] == {
        "enabled": True,
        "processors": [
            {
                "type": "Lambda",
                "parameters": [{"parameterName": "LambdaArn", "parameterValue": redaction.outputs["arn"] + ":$LATEST"}],
            }
        ],
    }
    assert s3["cloudwatchLoggingOptions"] == {
        "enabled": True,
        "logGroupName": "/aws/kinesisfirehose/eventfork-dev-backup",
        "logStreamName": "DestinationDelivery",
    }
    logs = one(p, "aws:cloudwatch/logGroup:LogGroup", "backup-stream-logs")
    assert value(logs, "kmsKeyId") == key and value(logs, "retentionInDays") == 30
    log_stream = one(p, "aws:cloudwatch/logStream:LogStream", "backup-stream-logs-destinationdelivery")
    assert value(log_stream, "name") == "DestinationDelivery"
    assert value(log_stream, "logGroupName") == "/aws/kinesisfirehose/eventfork-dev-backup"


def test_firehose_role_reaches_only_the_bucket_the_key_its_logs_and_the_transform() -> None:
    p = plan()
    role = one(p, "aws:iam/role:Role", "backup-firehose-role")
    [trust] = policy(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "firehose.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "123456789012"}}
    found = statements(p, "backup-firehose-role-policy")
    bucket = p.outputs["backupBucketArn"]
    assert found["WriteBucket"]["Resource"] == [bucket, bucket + "/*"]
    assert found["UseKeyThroughS3"]["Resource"] == p.outputs["fanoutKmsKeyArn"]
    assert found["UseKeyThroughS3"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    logs = one(p, "aws:cloudwatch/logGroup:LogGroup", "backup-stream-logs").outputs["arn"]
    assert found["WriteDeliveryLogs"] == {
        "Sid": "WriteDeliveryLogs",
        "Effect": "Allow",
        "Action": ["logs:PutLogEvents"],
        "Resource": logs + ":*",
    }
    redaction = one(p, FUNCTION, "backup-redaction").outputs["arn"]
    assert found["Transform"]["Action"] == ["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"]
    assert found["Transform"]["Resource"] == [redaction, redaction + ":$LATEST"]
    assert set(found) == {"WriteBucket", "UseKeyThroughS3", "WriteDeliveryLogs", "Transform"}
    assert all("*" not in action for s in found.values() for action in as_list(s["Action"]))
    # Firehose invokes with its role: no resource-based permission on the function.
    assert not p.by_type("aws:lambda/permission:Permission")


def test_forwarder_puts_to_its_stream_only_and_consumes_its_queue_in_batches() -> None:
    p = plan()
    stream = one(p, STREAM, "backup-stream")
    queue = one(p, "aws:sqs/queue:Queue", "backup-queue")
    forwarder = one(p, FUNCTION, "backup-forwarder")
    assert value(forwarder, "environment.variables.DELIVERY_STREAM_NAME") == stream.outputs["name"]
    assert value(forwarder, "environment.variables.POWERTOOLS_LOG_LEVEL") == "INFO"
    found = statements(p, "backup-forwarder-policy")
    assert found["PutToStream"]["Action"] == "firehose:PutRecordBatch"
    assert found["PutToStream"]["Resource"] == stream.outputs["arn"]
    assert found["ConsumeQueue"]["Resource"] == queue.outputs["arn"]
    assert found["DecryptQueue"]["Resource"] == p.outputs["fanoutKmsKeyArn"]
    esm = one(p, ESM, "backup-forwarder-events")
    assert value(esm, "eventSourceArn") == queue.outputs["arn"]
    assert value(esm, "functionName") == forwarder.outputs["arn"]
    assert (value(esm, "batchSize"), value(esm, "enabled")) == (10, True)
    assert value(esm, "functionResponseTypes") == ["ReportBatchItemFailures"]


def test_created_bucket_is_kms_versioned_private_owner_enforced_and_tls_only() -> None:
    p = plan()
    key = p.outputs["fanoutKmsKeyArn"]
    bucket = one(p, "aws:s3/bucket:Bucket", "backup-bucket")
    assert value(bucket, "bucketPrefix") == "eventfork-dev-backup-"
    assert p.outputs["backupBucketName"] == bucket.outputs["bucket"]
    sse = one(
        p, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backup-bucket-sse"
    )
    assert value(sse, "bucket") == bucket.outputs["bucket"]
    assert value(sse, "rules") == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key},
            "bucketKeyEnabled": True,
        }
    ]
    versioning = one(p, "aws:s3/bucketVersioning:BucketVersioning", "backup-bucket-versioning")
    assert value(versioning, "versioningConfiguration.status") == "Enabled"
    block = one(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backup-bucket-public-access")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert value(block, flag) is True
    ownership = one(p, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "backup-bucket-ownership")
    assert value(ownership, "rule.objectOwnership") == "BucketOwnerEnforced"
    [deny] = policy(one(p, "aws:s3/bucketPolicy:BucketPolicy", "backup-bucket-tls-only"))["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Resource"] == [bucket.outputs["arn"], bucket.outputs["arn"] + "/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [cleanup] = value(one(p, LIFECYCLE, "backup-bucket-lifecycle"), "rules")  # no transition, no expiry in dev
    assert cleanup["id"] == "delete-old-versions"  # tests/infra/test_lifecycle.py


@pytest.mark.parametrize("compression", ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY"])
def test_compression(compression: str) -> None:
    assert s3_config(backup({"compression": compression}))["compressionFormat"] == compression


@pytest.mark.parametrize(("interval", "size"), [(0, 1), (900, 128), (300, 64)])
def test_buffering_within_firehose_ranges(interval: int, size: int) -> None:
    s3 = s3_config(backup({"bufferingIntervalSeconds": interval, "bufferingSizeMb": size}))
    assert (s3["bufferingInterval"], s3["bufferingSize"]) == (interval, size)


def test_prefixes_filter_timeouts_retention_and_log_level() -> None:
    p = plan(
        overrides=backup(
            {
                "prefix": "raw/!{timestamp:yyyy/MM/dd}/",
                "errorPrefix": "bad/!{firehose:error-output-type}/",
                "filterPolicy": {"kind": ["order"], "total": [{"numeric": [">=", 10]}]},
                "filterPolicyScope": "MessageBody",
                "functionTimeoutSeconds": 60,
                "queueRetentionSeconds": 86400,
                "logLevel": "DEBUG",
            }
        )
    )
    s3 = value(one(p, STREAM, "backup-stream"), "extendedS3Configuration")
    assert (s3["prefix"], s3["errorOutputPrefix"]) == (
        "raw/!{timestamp:yyyy/MM/dd}/",
        "bad/!{firehose:error-output-type}/",
    )
    sub = one(p, SUBSCRIPTION, "backup-queue-subscription")
    assert value(sub, "filterPolicy") == '{"kind": ["order"], "total": [{"numeric": [">=", 10]}]}'
    assert value(sub, "filterPolicyScope") == "MessageBody"
    queue = one(p, "aws:sqs/queue:Queue", "backup-queue")
    assert value(one(p, FUNCTION, "backup-forwarder"), "timeout") == 60
    assert (value(queue, "visibilityTimeoutSeconds"), value(queue, "messageRetentionSeconds")) == (360, 86400)
    for fn in ("backup-forwarder", "backup-redaction"):
        assert value(one(p, FUNCTION, fn), "environment.variables.POWERTOOLS_LOG_LEVEL") == "DEBUG"


def test_lifecycle_transition_and_expiration() -> None:
    p = plan(overrides=backup({"transitionDays": 0, "transitionStorageClass": "GLACIER_IR", "expirationDays": 400}))
    lifecycle = one(p, LIFECYCLE, "backup-bucket-lifecycle")
    assert value(lifecycle, "bucket") == p.outputs["backupBucketName"]
    transition, expiry, cleanup = value(lifecycle, "rules")
    assert transition == {
        "id": "transition-objects",
        "status": "Enabled",
        "filter": {"objectSizeGreaterThan": 0},
        "transitions": [{"days": 0, "storageClass": "GLACIER_IR"}],
    }
    assert expiry == {
        "id": "expire-objects",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "expiration": {"days": 400},
    }
    assert cleanup["id"] == "delete-old-versions"
    only_expiry = value(
        one(plan(overrides=backup({"expirationDays": 90})), LIFECYCLE, "backup-bucket-lifecycle"), "rules"
    )
    assert [r["id"] for r in only_expiry] == ["expire-objects", "delete-old-versions"]
    assert only_expiry[0]["expiration"] == {"days": 90}


def test_redaction_off_means_no_transform_anywhere() -> None:
    p = plan(overrides=backup({"redaction": False}))
    assert "processingConfiguration" not in value(one(p, STREAM, "backup-stream"), "extendedS3Configuration")
    assert not [r for r in p.resources if r.name.startswith("backup-redaction")]
    assert "Transform" not in statements(p, "backup-firehose-role-policy")


@pytest.mark.parametrize(
    ("arn", "invoked"),
    [(OWN_TRANSFORM, OWN_TRANSFORM + ":$LATEST"), (OWN_TRANSFORM + ":live", OWN_TRANSFORM + ":live")],
)
def test_own_transform_function(arn: str, invoked: str) -> None:
    p = plan(overrides=backup({"redaction": False, "transformFunctionArn": arn}))
    s3 = value(one(p, STREAM, "backup-stream"), "extendedS3Configuration")
    assert s3["processingConfiguration"]["processors"][0]["parameters"][0]["parameterValue"] == invoked
    assert statements(p, "backup-firehose-role-policy")["Transform"]["Resource"] == sorted({arn, invoked})
    assert not [r for r in p.resources if r.name.startswith("backup-redaction")]


def test_existing_bucket_is_used_and_nothing_s3_is_created() -> None:
    p = plan(overrides=backup({"bucketArn": "arn:aws:s3:::team-archive"}))
    assert value(one(p, STREAM, "backup-stream"), "extendedS3Configuration.bucketArn") == "arn:aws:s3:::team-archive"
    assert not [r for r in p.resources if r.type.startswith("aws:s3/")]
    found = statements(p, "backup-firehose-role-policy")
    assert found["WriteBucket"]["Resource"] == ["arn:aws:s3:::team-archive", "arn:aws:s3:::team-archive/*"]
    assert (p.outputs["backupBucketName"], p.outputs["backupBucketArn"]) == (
        "team-archive",
        "arn:aws:s3:::team-archive",
    )


def test_standard_topic_gets_standard_queues_without_fifo_suffix() -> None:
    p = plan(overrides={"eventfork:fanout": {"fifo": False}})
    queue = one(p, "aws:sqs/queue:Queue", "backup-queue")
    assert value(queue, "name") == "eventfork-dev-backup" and "fifoQueue" not in queue.inputs
    assert value(one(p, "aws:sqs/queue:Queue", "backup-queue-dlq"), "name") == "eventfork-dev-backup-dlq"


def test_ecommerce_backup_is_redacted_gzip_60_seconds_under_the_cmk() -> None:
    p = plan("ecommerce")
    stream = one(p, STREAM, "backup-stream")
    s3 = value(stream, "extendedS3Configuration")
    assert (s3["compressionFormat"], s3["bufferingInterval"], s3["kmsKeyArn"]) == (
        "GZIP",
        60,
        p.outputs["fanoutKmsKeyArn"],
    )
    assert s3["processingConfiguration"]["processors"][0]["parameters"][0]["parameterValue"].endswith(
        "function:ecommerce-backup-redaction:$LATEST"
    )
    assert value(stream, "serverSideEncryption.keyType") == "CUSTOMER_MANAGED_CMK"


def test_disabled_backup_declares_nothing() -> None:
    p = plan(overrides=backup({"enabled": False}))
    assert_declares_nothing(p, BACKUP, "backup-")
    assert not {"backupBucketName", "backupBucketArn", "backupDeliveryStreamName"} & set(p.outputs)
