"""Bucket lifecycle that does what the README says on a versioned bucket, for Firehose's small objects too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.plans import one, plan, value

LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
KB = 1024
# Firehose writes one GZIP object per buffering interval: at low traffic a few KB each.
FIREHOSE_OBJECT_SIZES = [300, 4 * KB, 60 * KB, 127 * KB, 128 * KB, 5 * 1024 * KB]


def transitions(configuration: dict[str, Any], rule: dict[str, Any], size: int) -> bool:
    """Whether S3 moves an object of ``size`` bytes with this rule's transition, as S3 documents it.

    PutBucketLifecycleConfiguration, TransitionDefaultMinimumObjectSize: ``all_storage_classes_128K``
    (the default) keeps objects smaller than 128 KB from transitioning to any class;
    ``varies_by_storage_class`` lets them go to GLACIER and DEEP_ARCHIVE only. A custom
    ObjectSizeGreaterThan / ObjectSizeLessThan filter takes precedence over that default.
    """
    if rule.get("status") != "Enabled" or not rule.get("transitions"):
        return False
    size_filter = rule.get("filter") or {}
    greater, less = size_filter.get("objectSizeGreaterThan"), size_filter.get("objectSizeLessThan")
    if greater is not None or less is not None:
        return (greater is None or size > greater) and (less is None or size < less)
    if size >= 128 * KB:
        return True
    default = configuration.get("transitionDefaultMinimumObjectSize", "all_storage_classes_128K")
    classes = {t["storageClass"] for t in rule["transitions"]}
    return default == "varies_by_storage_class" and classes <= {"GLACIER", "DEEP_ARCHIVE"}


def rules_by_id(resource: Any) -> dict[str, dict[str, Any]]:
    return {rule["id"]: rule for rule in value(resource, "rules")}


def test_the_documented_default_keeps_small_objects_in_standard() -> None:
    """The rule this project declared before: no size filter, so nothing under 128 KB ever moved."""
    before = {
        "id": "retention",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "transitions": [{"days": 30, "storageClass": "GLACIER_IR"}],
    }
    assert not transitions({}, before, 60 * KB) and transitions({}, before, 200 * KB)
    glacier = {**before, "transitions": [{"days": 30, "storageClass": "GLACIER"}]}
    assert transitions({"transitionDefaultMinimumObjectSize": "varies_by_storage_class"}, glacier, 60 * KB)


@pytest.mark.parametrize("size", FIREHOSE_OBJECT_SIZES)
def test_prod_moves_every_firehose_object_to_glacier_ir_after_30_days(size: int) -> None:
    lifecycle = one(plan("prod"), LIFECYCLE, "backup-bucket-lifecycle")
    configuration = lifecycle.inputs
    moved = [r for r in value(lifecycle, "rules") if transitions(configuration, r, size)]
    assert [t for r in moved for t in r["transitions"]] == [{"days": 30, "storageClass": "GLACIER_IR"}], size


def test_prod_expires_after_seven_years_and_then_really_deletes() -> None:
    """Versioned bucket: expiry adds a delete marker; the noncurrent version and the marker must go too."""
    p = plan("prod")
    lifecycle = one(p, LIFECYCLE, "backup-bucket-lifecycle")
    rules = rules_by_id(lifecycle)
    assert rules["expire-objects"]["expiration"] == {"days": 2555}
    assert rules["expire-objects"]["filter"] == {"prefix": ""} and "transitions" not in rules["expire-objects"]
    cleanup = rules["delete-old-versions"]
    assert cleanup["status"] == "Enabled" and cleanup["filter"] == {"prefix": ""}
    assert cleanup["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert cleanup["expiration"] == {"expiredObjectDeleteMarker": True}
    assert cleanup["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert value(lifecycle, "transitionDefaultMinimumObjectSize") == "all_storage_classes_128K"
    versioning = one(p, VERSIONING, "backup-bucket-versioning")
    assert versioning.urn in lifecycle.dependencies  # lifecycle rules are set on the versioned bucket


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_every_created_bucket_cleans_up_versions_markers_and_uploads(stack: str) -> None:
    p = plan(stack)
    buckets = p.by_type("aws:s3/bucket:Bucket")
    assert buckets
    for bucket in buckets:
        lifecycle = one(p, LIFECYCLE, f"{bucket.name}-lifecycle")
        assert value(lifecycle, "bucket") == bucket.outputs["bucket"]
        cleanup = rules_by_id(lifecycle)["delete-old-versions"]
        assert cleanup["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
        assert cleanup["expiration"] == {"expiredObjectDeleteMarker": True}
        assert cleanup["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


def test_lifecycle_is_configurable() -> None:
    overrides = {
        "eventfork:backup": {
            "transitionDays": 90,
            "transitionStorageClass": "DEEP_ARCHIVE",
            "transitionMinimumObjectSizeBytes": 131072,
            "noncurrentVersionExpirationDays": None,
            "abortIncompleteUploadDays": 2,
        }
    }
    rules = rules_by_id(one(plan(overrides=overrides), LIFECYCLE, "backup-bucket-lifecycle"))
    assert rules["transition-objects"]["filter"] == {"objectSizeGreaterThan": 131072}
    assert rules["transition-objects"]["transitions"] == [{"days": 90, "storageClass": "DEEP_ARCHIVE"}]
    assert "expire-objects" not in rules
    cleanup = rules["delete-old-versions"]
    assert "noncurrentVersionExpiration" not in cleanup  # kept: the owner asked for it
    assert cleanup["expiration"] == {"expiredObjectDeleteMarker": True}
    assert cleanup["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 2}
    configuration = one(plan(overrides=overrides), LIFECYCLE, "backup-bucket-lifecycle").inputs
    big, small = 200 * KB, 100 * KB
    assert transitions(configuration, rules["transition-objects"], big)
    assert not transitions(configuration, rules["transition-objects"], small)


def test_no_lifecycle_for_an_existing_bucket() -> None:
    p = plan(overrides={"eventfork:backup": {"bucketArn": "arn:aws:s3:::team-archive"}})
    assert not [r for r in p.by_type(LIFECYCLE) if r.name.startswith("backup-")]


@pytest.mark.parametrize("stack", ["prod", "ecommerce"])
def test_the_failed_documents_bucket_expires_its_objects_by_default(stack: str) -> None:
    """Rejected documents are kept for inspection, not forever: 30 days by default, then really deleted."""
    rules = rules_by_id(one(plan(stack), LIFECYCLE, "analytics-failed-lifecycle"))
    assert rules["expire-objects"]["expiration"] == {"days": 30}
    assert rules["expire-objects"]["filter"] == {"prefix": ""} and rules["expire-objects"]["status"] == "Enabled"
    assert rules["delete-old-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}


def test_the_failed_documents_expiry_is_configurable() -> None:
    p = plan("prod", overrides={"eventfork:analytics": {"failedDocumentsExpirationDays": 7}})
    rules = rules_by_id(one(p, LIFECYCLE, "analytics-failed-lifecycle"))
    assert rules["expire-objects"]["expiration"] == {"days": 7}


@pytest.mark.parametrize("days", [0, -1, 36501, None, "30"])
def test_a_failed_documents_expiry_out_of_range_is_refused_naming_the_key(days: object) -> None:
    from stack_config import ConfigError, parse_settings

    with pytest.raises(ConfigError) as error:
        parse_settings({"analytics": {"enabled": True, "failedDocumentsExpirationDays": days}}, "dev")
    assert "analytics.failedDocumentsExpirationDays" in str(error.value) and "36500" in str(error.value)
