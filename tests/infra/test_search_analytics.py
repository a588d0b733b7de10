"""Search & analytics pipeline as the engine receives it: OpenSearch domain, Firehose, failed documents."""

from __future__ import annotations

import json

import pytest

from local.capture import Capture
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

ANALYTICS = "eventfork:pipelines:SearchAnalyticsPipeline"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
DOMAIN = "aws:opensearch/domain:Domain"
FUNCTION = "aws:lambda/function:Function"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EXISTING = "arn:aws:es:us-east-1:123456789012:domain/team-search"


def analytics(settings: dict, stack: str = "dev") -> Capture:
    """A plan with analytics on (dev has it off) and ``settings`` merged in."""
    base = {"enabled": True} if stack == "dev" else {}
    return plan(stack, overrides={"eventfork:analytics": {**base, **settings}})


def search_config(settings: dict, stack: str = "dev") -> dict:
    return value(one(analytics(settings, stack), STREAM, "analytics-stream"), "opensearchConfiguration")


def cluster(settings: dict) -> dict:
    return value(one(analytics(settings), DOMAIN, "analytics-domain"), "clusterConfig")


def test_off_by_default_in_dev() -> None:
    assert_declares_nothing(plan(), ANALYTICS, "analytics-")


def test_the_component_and_every_child_hang_together() -> None:
    p = plan("ecommerce")
    [component] = p.by_type(ANALYTICS)
    assert component.name == "analytics" and component.parent.endswith("pulumi:pulumi:Stack::eventfork-ecommerce")
    assert_parented(p, ANALYTICS, "analytics-")


def test_ecommerce_indexes_orders_over_100_with_a_30_second_retry() -> None:
    p = plan("ecommerce")
    sub = assert_subscribed(p, "analytics", "ecommerce-analytics")
    assert json.loads(value(sub, "filterPolicy")) == {"amount": [{"numeric": [">", 100]}]}
    assert value(sub, "filterPolicyScope") == "MessageAttributes"
    stream = one(p, STREAM, "analytics-stream")
    assert value(stream, "name") == "ecommerce-analytics" == p.outputs["analyticsDeliveryStreamName"]
    assert value(stream, "destination") == "opensearch" and "kinesisSourceConfiguration" not in stream.inputs
    config = value(stream, "opensearchConfiguration")
    assert (config["indexName"], config["retryDuration"]) == ("orders", 30)
    transform = one(p, FUNCTION, "analytics-transform")
    processor = config["processingConfiguration"]["processors"][0]
    assert processor["parameters"][0]["parameterValue"] == transform.outputs["arn"] + ":$LATEST"


def test_defaults_of_the_delivery_stream() -> None:
    p = analytics({})
    key = p.outputs["fanoutKmsKeyArn"]
    stream = one(p, STREAM, "analytics-stream")
    assert value(stream, "serverSideEncryption") == {"enabled": True, "keyType": "CUSTOMER_MANAGED_CMK", "keyArn": key}
    config = value(stream, "opensearchConfiguration")
    domain = one(p, DOMAIN, "analytics-domain")
    role = one(p, "aws:iam/role:Role", "analytics-firehose-role").outputs["arn"]
    failed = one(p, "aws:s3/bucket:Bucket", "analytics-failed")
    assert (config["domainArn"], config["roleArn"]) == (domain.outputs["arn"], role)
    assert (config["indexName"], config["indexRotationPeriod"], config["retryDuration"]) == ("events", "OneDay", 300)
    assert (config["bufferingInterval"], config["bufferingSize"]) == (60, 5)
    assert config["s3BackupMode"] == "FailedDocumentsOnly"
    assert config["s3Configuration"] == {
        "roleArn": role,
        "bucketArn": failed.outputs["arn"],
        "prefix": "failed/",
        "compressionFormat": "GZIP",
        "kmsKeyArn": key,
        "cloudwatchLoggingOptions": {
            "enabled": True,
            "logGroupName": "/aws/kinesisfirehose/eventfork-dev-analytics",
            "logStreamName": "BackupDelivery",
        },
    }
    assert config["cloudwatchLoggingOptions"]["logStreamName"] == "DestinationDelivery"
    # With redaction on (the default) the built-in transform runs too, as defence in depth.
    transform = one(p, FUNCTION, "analytics-transform").outputs["arn"]
    processor = config["processingConfiguration"]["processors"][0]
    assert processor["parameters"][0]["parameterValue"] == transform + ":$LATEST"
    assert (
        set(config["vpcConfig"]) == {"roleArn", "subnetIds", "securityGroupIds"}
        and config["vpcConfig"]["roleArn"] == role
    )
    sub = one(p, SUBSCRIPTION, "analytics-queue-subscription")
    assert "filterPolicy" not in sub.inputs
    assert p.outputs["analyticsFailedBucketName"] == failed.outputs["bucket"]
    assert p.outputs["analyticsDomainEndpoint"] == domain.outputs["endpoint"]


def test_failed_documents_bucket_is_created_encrypted_private_and_tls_only() -> None:
    p = analytics({})
    assert value(one(p, "aws:s3/bucket:Bucket", "analytics-failed"), "bucketPrefix") == "eventfork-dev-search-failed-"
    sse = one(
        p,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "analytics-failed-sse",
    )
    assert value(sse, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId") == p.outputs["fanoutKmsKeyArn"]
    assert value(sse, "rules.0.bucketKeyEnabled") is True
    block = one(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "analytics-failed-public-access")
    assert all(value(block, f) is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"))
    assert value(block, "restrictPublicBuckets") is True
    [deny] = policy(one(p, "aws:s3/bucketPolicy:BucketPolicy", "analytics-failed-tls-only"))["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_created_domain_defaults() -> None:
    p = analytics({})
    domain = one(p, DOMAIN, "analytics-domain")
    assert value(domain, "domainName") == "eventfork-dev-search"
    assert value(domain, "engineVersion") == "OpenSearch_2.19"
    assert value(domain, "encryptAtRest") == {"enabled": True, "kmsKeyId": p.outputs["fanoutKmsKeyArn"]}
    assert value(domain, "nodeToNodeEncryption") == {"enabled": True}
    assert value(domain, "domainEndpointOptions") == {
        "enforceHttps": True,
        "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10",
    }
    assert value(domain, "clusterConfig") == {
        "instanceType": "r7g.medium.search",
        "instanceCount": 1,
        "dedicatedMasterEnabled": False,
        "zoneAwarenessEnabled": False,
    }
    assert value(domain, "ebsOptions") == {"ebsEnabled": True, "volumeSize": 20, "volumeType": "gp3"}


def test_domain_admits_only_the_pipeline_role_and_the_role_only_the_domain() -> None:
    p = analytics({})
    domain = one(p, DOMAIN, "analytics-domain").outputs["arn"]
    role = one(p, "aws:iam/role:Role", "analytics-firehose-role").outputs["arn"]
    setup = one(p, "aws:iam/role:Role", "analytics-setup-role").outputs["arn"]
    allow, configure = policy(one(p, DOMAIN, "analytics-domain"), "accessPolicies")["Statement"]
    assert allow == {
        "Sid": "PipelineIndexes",
        "Effect": "Allow",
        "Principal": {"AWS": role},
        "Action": ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"],
        "Resource": domain + "/*",
    }
    assert configure == {
        "Sid": "SetupConfiguresSecurity",
        "Effect": "Allow",
        "Principal": {"AWS": setup},
        "Action": ["es:ESHttpGet", "es:ESHttpPut"],
        "Resource": domain + "/_plugins/_security/*",
    }
    found = statements(p, "analytics-firehose-role-policy")
    assert found["IndexDocuments"]["Resource"] == [domain, domain + "/*"]
    assert set(found["IndexDocuments"]["Action"]) == {
        "es:DescribeDomain",
        "es:DescribeDomains",
        "es:DescribeDomainConfig",
        "es:ESHttpPost",
        "es:ESHttpPut",
        "es:ESHttpGet",
    }
    failed = one(p, "aws:s3/bucket:Bucket", "analytics-failed").outputs["arn"]
    assert found["WriteBucket"]["Resource"] == [failed, failed + "/*"]
    assert set(found) == {
        "WriteBucket",
        "UseKeyThroughS3",
        "WriteDeliveryLogs",
        "IndexDocuments",
        "Transform",
        "DeliverInsideTheVpc",
    }
    assert all("*" not in action for s in found.values() for action in as_list(s["Action"]))
    # EC2 has no resource-level scope for Firehose's ENI calls; nothing else may name every resource.
    assert [sid for sid, s in found.items() if "*" in as_list(s["Resource"])] == ["DeliverInsideTheVpc"]
    forwarder = statements(p, "analytics-forwarder-policy")["PutToStream"]
    assert forwarder["Resource"] == one(p, STREAM, "analytics-stream").outputs["arn"]


def test_readers_may_only_search_the_created_domain() -> None:
    reader = "arn:aws:iam::123456789012:role/analysts"
    p = analytics({"readerArns": [reader]})
    _, _, readers = policy(one(p, DOMAIN, "analytics-domain"), "accessPolicies")["Statement"]
    assert readers["Principal"] == {"AWS": [reader]}
    assert readers["Action"] == ["es:ESHttpGet", "es:ESHttpHead"]


@pytest.mark.parametrize("rotation", ["NoRotation", "OneHour", "OneDay", "OneWeek", "OneMonth"])
def test_index_rotation(rotation: str) -> None:
    assert search_config({"indexRotation": rotation})["indexRotationPeriod"] == rotation


@pytest.mark.parametrize(("retry", "interval", "size"), [(0, 0, 1), (7200, 900, 100)])
def test_retry_and_buffering_at_firehose_limits(retry: int, interval: int, size: int) -> None:
    config = search_config(
        {"retryDurationSeconds": retry, "bufferingIntervalSeconds": interval, "bufferingSizeMb": size}
    )
    assert (config["retryDuration"], config["bufferingInterval"], config["bufferingSize"]) == (retry, interval, size)


def test_index_failed_documents_and_log_level_parameters() -> None:
    p = analytics(
        {
            "indexName": "checkout_events",
            "failedDocumentsCompression": "ZIP",
            "failedDocumentsPrefix": "dead/",
            "logLevel": "WARNING",
            "functionTimeoutSeconds": 10,
            "queueRetentionSeconds": 3600,
            "filterPolicy": {"order": {"total": [{"numeric": [">", 100]}]}},
            "filterPolicyScope": "MessageBody",
        }
    )
    config = value(one(p, STREAM, "analytics-stream"), "opensearchConfiguration")
    assert config["indexName"] == "checkout_events"
    assert (config["s3Configuration"]["compressionFormat"], config["s3Configuration"]["prefix"]) == ("ZIP", "dead/")
    assert value(one(p, FUNCTION, "analytics-forwarder"), "environment.variables.POWERTOOLS_LOG_LEVEL") == "WARNING"
    queue = one(p, "aws:sqs/queue:Queue", "analytics-queue")
    assert (value(queue, "visibilityTimeoutSeconds"), value(queue, "messageRetentionSeconds")) == (60, 3600)
    sub = one(p, SUBSCRIPTION, "analytics-queue-subscription")
    assert json.loads(value(sub, "filterPolicy")) == {"order": {"total": [{"numeric": [">", 100]}]}}
    assert value(sub, "filterPolicyScope") == "MessageBody"


def test_domain_size_engine_and_dedicated_masters() -> None:
    p = analytics(
        {
            "engineVersion": "OpenSearch_2.17",
            "instanceType": "m7g.large.search",
            "volumeSizeGb": 100,
            "dedicatedMasterEnabled": True,
            "dedicatedMasterType": "c7g.large.search",
            "dedicatedMasterCount": 5,
        }
    )
    domain = one(p, DOMAIN, "analytics-domain")
    assert value(domain, "engineVersion") == "OpenSearch_2.17" and value(domain, "ebsOptions.volumeSize") == 100
    assert value(domain, "clusterConfig") == {
        "instanceType": "m7g.large.search",
        "instanceCount": 1,
        "dedicatedMasterEnabled": True,
        "dedicatedMasterType": "c7g.large.search",
        "dedicatedMasterCount": 5,
        "zoneAwarenessEnabled": False,
    }


@pytest.mark.parametrize(("count", "zones"), [(2, 2), (3, 3), (4, 2), (6, 3), (9, 3)])
def test_more_than_one_node_is_zone_aware(count: int, zones: int) -> None:
    config = cluster({"instanceCount": count})
    assert config["instanceCount"] == count and config["zoneAwarenessEnabled"] is True
    assert config["zoneAwarenessConfig"] == {"availabilityZoneCount": zones}


def test_existing_domain_is_used_and_none_is_created() -> None:
    p = analytics({"domainArn": EXISTING, "publicAccess": True})
    assert not p.by_type(DOMAIN)
    assert not p.by_type(FUNCTION + "-setup") and not [r for r in p.resources if r.name.startswith("analytics-setup")]
    config = value(one(p, STREAM, "analytics-stream"), "opensearchConfiguration")
    assert config["domainArn"] == EXISTING
    assert statements(p, "analytics-firehose-role-policy")["IndexDocuments"]["Resource"] == [EXISTING, EXISTING + "/*"]
    assert p.outputs["analyticsDomainArn"] == EXISTING
    assert p.outputs["analyticsDomainEndpoint"].startswith("search-team-search-")
    assert (
        p.outputs["analyticsDeliveryRoleArn"] == one(p, "aws:iam/role:Role", "analytics-firehose-role").outputs["arn"]
    )
    # Failed documents still go to a bucket of this pipeline.
    assert config["s3Configuration"]["bucketArn"] == one(p, "aws:s3/bucket:Bucket", "analytics-failed").outputs["arn"]


def test_own_transform_function() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:scrub"
    p = analytics({"transformFunctionArn": arn})
    config = value(one(p, STREAM, "analytics-stream"), "opensearchConfiguration")
    assert config["processingConfiguration"]["processors"][0]["parameters"][0]["parameterValue"] == arn + ":$LATEST"
    assert statements(p, "analytics-firehose-role-policy")["Transform"]["Resource"] == [arn, arn + ":$LATEST"]


def test_disabled_analytics_declares_nothing() -> None:
    p = plan("ecommerce", overrides={"eventfork:analytics": {"enabled": False}})
    assert_declares_nothing(p, ANALYTICS, "analytics-")
    assert not [k for k in p.outputs if k.startswith("analytics")]
