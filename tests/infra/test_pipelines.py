"""The three event fork pipelines as the engine receives them."""

from __future__ import annotations

import json

import pytest

from stack_config import ConfigError, parse_settings
from tests.infra.plans import children, one, plan, policy, value

BACKUP = "eventfork:pipelines:StorageBackupPipeline"
ANALYTICS = "eventfork:pipelines:SearchAnalyticsPipeline"
REPLAY = "eventfork:pipelines:ReplayPipeline"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"


def test_backup_defaults() -> None:
    p = plan()
    queue = one(p, "aws:sqs/queue:Queue", "backup-queue")
    assert value(queue, "name") == "eventfork-dev-backup.fifo"
    assert value(queue, "deduplicationScope") == "messageGroup"
    assert value(queue, "kmsMasterKeyId") == p.outputs["fanoutKmsKeyArn"]
    sub = one(p, "aws:sns/topicSubscription:TopicSubscription", "backup-queue-subscription")
    assert value(sub, "rawMessageDelivery") is True and "filterPolicy" not in sub.inputs
    assert json.loads(value(sub, "redrivePolicy"))["deadLetterTargetArn"].endswith("eventfork-dev-backup-dlq.fifo")
    stream = one(p, STREAM, "backup-stream")
    assert value(stream, "destination") == "extended_s3"
    assert value(stream, "serverSideEncryption") == {
        "enabled": True,
        "keyType": "CUSTOMER_MANAGED_CMK",
        "keyArn": p.outputs["fanoutKmsKeyArn"],
    }
    s3 = value(stream, "extendedS3Configuration")
    assert (s3["compressionFormat"], s3["bufferingInterval"], s3["bufferingSize"]) == ("GZIP", 60, 5)
    assert (s3["prefix"], s3["errorOutputPrefix"]) == ("events/", "errors/")
    assert s3["bucketArn"] == p.outputs["backupBucketArn"]
    lambda_arn = s3["processingConfiguration"]["processors"][0]["parameters"][0]["parameterValue"]
    assert lambda_arn == one(p, "aws:lambda/function:Function", "backup-redaction").outputs["arn"] + ":$LATEST"
    forwarder = one(p, "aws:lambda/function:Function", "backup-forwarder")
    assert value(forwarder, "environment.variables.DELIVERY_STREAM_NAME") == "eventfork-dev-backup"
    esm = one(p, ESM, "backup-forwarder-events")
    assert value(esm, "enabled") is True and value(esm, "functionResponseTypes") == ["ReportBatchItemFailures"]
    assert value(queue, "visibilityTimeoutSeconds") == 6 * value(forwarder, "timeout")


def test_created_backup_bucket_is_locked_down() -> None:
    p = plan()
    key = p.outputs["fanoutKmsKeyArn"]
    sse = one(
        p, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "backup-bucket-sse"
    )
    assert value(sse, "rules.0") == {
        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key},
        "bucketKeyEnabled": True,
    }
    block = one(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backup-bucket-public-access")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert value(block, flag) is True
    assert (
        value(
            one(p, "aws:s3/bucketVersioning:BucketVersioning", "backup-bucket-versioning"),
            "versioningConfiguration.status",
        )
        == "Enabled"
    )
    [deny] = policy(one(p, "aws:s3/bucketPolicy:BucketPolicy", "backup-bucket-tls-only"))["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_backup_parameters_flow_through() -> None:
    p = plan(
        overrides={
            "eventfork:backup": {
                "compression": "Snappy",
                "prefix": "raw/",
                "errorPrefix": "bad/",
                "bufferingIntervalSeconds": 300,
                "bufferingSizeMb": 64,
                "redaction": False,
                "transitionDays": 30,
                "expirationDays": 365,
                "filterPolicy": {"kind": ["order"]},
                "filterPolicyScope": "MessageBody",
            }
        }
    )
    s3 = value(one(p, STREAM, "backup-stream"), "extendedS3Configuration")
    assert (s3["compressionFormat"], s3["prefix"], s3["errorOutputPrefix"]) == ("Snappy", "raw/", "bad/")
    assert (s3["bufferingInterval"], s3["bufferingSize"]) == (300, 64) and "processingConfiguration" not in s3
    assert not [r for r in p.resources if r.name == "backup-redaction"]
    rule = value(
        one(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backup-bucket-lifecycle"), "rules.0"
    )
    assert rule["transitions"] == [{"days": 30, "storageClass": "STANDARD_IA"}] and rule["expiration"]["days"] == 365
    sub = one(p, "aws:sns/topicSubscription:TopicSubscription", "backup-queue-subscription")
    assert json.loads(value(sub, "filterPolicy")) == {"kind": ["order"]}
    assert value(sub, "filterPolicyScope") == "MessageBody"


def test_existing_bucket_is_used_and_none_is_created() -> None:
    p = plan(overrides={"eventfork:backup": {"bucketArn": "arn:aws:s3:::team-archive"}})
    assert value(one(p, STREAM, "backup-stream"), "extendedS3Configuration.bucketArn") == "arn:aws:s3:::team-archive"
    assert not p.by_type("aws:s3/bucket:Bucket")
    assert p.outputs["backupBucketName"] == "team-archive"


def test_analytics_for_the_ecommerce_stack() -> None:
    p = plan("ecommerce")
    sub = one(p, "aws:sns/topicSubscription:TopicSubscription", "analytics-queue-subscription")
    assert json.loads(value(sub, "filterPolicy")) == {"amount": [{"numeric": [">", 100]}]}
    assert value(sub, "filterPolicyScope") == "MessageAttributes"
    config = value(one(p, STREAM, "analytics-stream"), "opensearchConfiguration")
    assert (config["indexName"], config["indexRotationPeriod"], config["retryDuration"]) == ("orders", "OneDay", 30)
    assert config["s3BackupMode"] == "FailedDocumentsOnly"
    assert config["s3Configuration"]["bucketArn"] == one(p, "aws:s3/bucket:Bucket", "analytics-failed").outputs["arn"]
    domain = one(p, "aws:opensearch/domain:Domain", "analytics-domain")
    assert value(domain, "engineVersion") == "OpenSearch_2.19"
    assert value(domain, "encryptAtRest") == {"enabled": True, "kmsKeyId": p.outputs["fanoutKmsKeyArn"]}
    assert value(domain, "nodeToNodeEncryption.enabled") is True
    assert value(domain, "domainEndpointOptions") == {
        "enforceHttps": True,
        "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
    }
    [allow] = policy(domain, "accessPolicies")["Statement"]
    assert allow["Principal"] == {"AWS": one(p, "aws:iam/role:Role", "analytics-firehose-role").outputs["arn"]}
    assert value(domain, "clusterConfig.zoneAwarenessEnabled") is False


def test_multi_node_domain_is_zone_aware_with_dedicated_masters() -> None:
    p = plan("ecommerce", overrides={"eventfork:analytics": {"instanceCount": 3, "dedicatedMasterEnabled": True}})
    cluster = value(one(p, "aws:opensearch/domain:Domain", "analytics-domain"), "clusterConfig")
    assert cluster["zoneAwarenessEnabled"] is True and cluster["zoneAwarenessConfig"] == {"availabilityZoneCount": 3}
    assert cluster["dedicatedMasterCount"] == 3 and cluster["dedicatedMasterType"] == "m7g.medium.search"


def test_replay_is_off_by_default_and_switched_on_by_config() -> None:
    p = plan()
    esm = one(p, ESM, "replay-function-events")
    assert value(esm, "enabled") is False
    queue = one(p, "aws:sqs/queue:Queue", "replay-queue")
    assert value(queue, "messageRetentionSeconds") == 1209600 and value(queue, "name") == "eventfork-dev-replay.fifo"
    fn = one(p, "aws:lambda/function:Function", "replay-function")
    assert value(fn, "environment.variables.DESTINATION_QUEUE_URL") == p.outputs["primaryQueueUrl"]
    statements = {
        s["Sid"]: s for s in policy(one(p, "aws:iam/rolePolicy:RolePolicy", "replay-function-policy"))["Statement"]
    }
    assert statements["SendToDestination"]["Resource"] == p.outputs["primaryQueueArn"]
    assert p.outputs["replayActive"] is False
    active = plan(overrides={"eventfork:replay": {"active": True, "retentionSeconds": 3600}})
    assert value(one(active, ESM, "replay-function-events"), "enabled") is True
    assert value(one(active, "aws:sqs/queue:Queue", "replay-queue"), "messageRetentionSeconds") == 3600


@pytest.mark.parametrize("section", ["backup", "analytics", "replay"])
def test_a_disabled_pipeline_declares_nothing(section: str) -> None:
    component = {"backup": BACKUP, "analytics": ANALYTICS, "replay": REPLAY}[section]
    p = plan(overrides={f"eventfork:{section}": {"enabled": False}})
    assert not p.by_type(component) and not children(p, component)
    assert not [r for r in p.resources if r.name.startswith(f"{section}-")]


def test_every_pipeline_child_is_parented_to_its_component() -> None:
    p = plan("ecommerce")
    for component, prefix in ((BACKUP, "backup-"), (ANALYTICS, "analytics-"), (REPLAY, "replay-")):
        named = {r.name for r in p.resources if r.name.startswith(prefix)}
        assert named and named == {r.name for r in children(p, component)}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"backup": {"compression": "BZIP2"}}, "eventfork:backup.compression"),
        ({"backup": {"bufferingIntervalSeconds": 901}}, "eventfork:backup.bufferingIntervalSeconds"),
        ({"backup": {"bufferingSizeMb": 0}}, "eventfork:backup.bufferingSizeMb"),
        ({"backup": {"bufferingSizeMb": 129}}, "eventfork:backup.bufferingSizeMb"),
        ({"backup": {"bucketArn": "my-bucket"}}, "eventfork:backup.bucketArn"),
        ({"backup": {"transitionDays": 90, "expirationDays": 30}}, "eventfork:backup.expirationDays"),
        ({"backup": {"filterPolicyScope": "Body"}}, "eventfork:backup.filterPolicyScope"),
        ({"analytics": {"retryDurationSeconds": 7201}}, "eventfork:analytics.retryDurationSeconds"),
        ({"analytics": {"indexRotation": "Hourly"}}, "eventfork:analytics.indexRotation"),
        ({"analytics": {"bufferingSizeMb": 101}}, "eventfork:analytics.bufferingSizeMb"),
        ({"analytics": {"indexName": "Orders"}}, "eventfork:analytics.indexName"),
        ({"analytics": {"dedicatedMasterCount": 2}}, "eventfork:analytics.dedicatedMasterCount"),
        ({"replay": {"retentionSeconds": 59}}, "eventfork:replay.retentionSeconds"),
        ({"replay": {"retentionSeconds": 1209601}}, "eventfork:replay.retentionSeconds"),
        (
            {"replay": {"destinationQueueArn": "arn:aws:sqs:us-east-1:123456789012:q"}},
            "eventfork:replay.destinationQueueArn/destinationQueueUrl",
        ),
        ({"replay": {"active": "yes"}}, "eventfork:replay.active"),
    ],
)
def test_invalid_pipeline_config_names_the_key(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, "dev")
    assert any(p.startswith(key + ":") for p in error.value.problems), error.value.problems
