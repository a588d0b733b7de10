"""Server access logs of the buckets the pipelines create, in a log bucket S3 log delivery accepts.

What the log bucket must be is AWS's "Enabling Amazon S3 server access logging" and "Permissions for
log delivery" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html):
same account and region as the source bucket, SSE-S3 default encryption (SSE-KMS is not supported for
the target), a bucket policy letting ``logging.s3.amazonaws.com`` put objects under the log prefix for
this source bucket and account (BucketOwnerEnforced: ACL grants do not work).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from eventfork.naming import NAMES, declared_names, longest_fitting_prefix
from local.capture import Capture
from local.check.runner import check_capture, default_policy_config
from stack_config import ConfigError, parse_settings
from tests.infra.plans import ROOT, one, plan, policy, value

BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
ACCOUNT = "123456789012"  # the account the offline capture's mocks return


@dataclass(frozen=True)
class Pipeline:
    section: str
    component: str
    source: str  # the logical name of the bucket whose requests are logged
    log_prefix: str  # bucket_prefix of its log bucket in the dev stack
    base: dict[str, Any]  # what turns the pipeline on in dev

    def plan(self, settings: dict[str, Any] | None = None, stack: str = "dev") -> Capture:
        base = self.base if stack == "dev" else {}
        return plan(stack, overrides={f"eventfork:{self.section}": {**base, **(settings or {})}})

    @property
    def log(self) -> str:
        return f"{self.source}-access-logs"


BACKUP = Pipeline("backup", "eventfork:pipelines:StorageBackupPipeline", "backup-bucket", "eventfork-dev-logs-", {})
ANALYTICS = Pipeline(
    "analytics",
    "eventfork:pipelines:SearchAnalyticsPipeline",
    "analytics-failed",
    "eventfork-dev-search-logs-",
    {"enabled": True},
)
PIPELINES = pytest.mark.parametrize("pipeline", [BACKUP, ANALYTICS], ids=["backup", "analytics"])


@PIPELINES
def test_the_log_bucket_is_sse_s3_private_owner_enforced_and_a_child_of_the_pipeline(pipeline: Pipeline) -> None:
    p = pipeline.plan()
    [component] = p.by_type(pipeline.component)
    log = one(p, BUCKET, pipeline.log)
    assert log.parent == component.urn and value(log, "bucketPrefix") == pipeline.log_prefix
    assert value(log, "tags")["eventfork:component"] == pipeline.section
    for kind, suffix in ((SSE, "sse"), (ACCESS_BLOCK, "public-access"), (OWNERSHIP, "ownership")):
        child = one(p, kind, f"{pipeline.log}-{suffix}")
        assert child.parent == component.urn and value(child, "bucket") == log.outputs["bucket"]
    # SSE-S3: S3 log delivery does not support SSE-KMS default encryption on the target bucket.
    assert value(one(p, SSE, f"{pipeline.log}-sse"), "rules") == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    block = one(p, ACCESS_BLOCK, f"{pipeline.log}-public-access")
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert value(block, flag) is True, flag
    ownership = one(p, OWNERSHIP, f"{pipeline.log}-ownership")
    assert value(ownership, "rule") == {"objectOwnership": "BucketOwnerEnforced"}


@PIPELINES
def test_only_s3_log_delivery_for_this_bucket_and_account_may_write_and_only_over_tls(pipeline: Pipeline) -> None:
    p = pipeline.plan()
    source, log = one(p, BUCKET, pipeline.source), one(p, BUCKET, pipeline.log)
    document = one(p, BUCKET_POLICY, f"{pipeline.log}-policy")
    assert value(document, "bucket") == log.outputs["bucket"]
    deliver, deny = policy(document)["Statement"]
    assert deliver == {
        "Sid": "S3ServerAccessLogsPolicy",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": log.outputs["arn"] + "/access-logs/*",
        "Condition": {
            "ArnLike": {"aws:SourceArn": source.outputs["arn"]},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Resource"] == [log.outputs["arn"], log.outputs["arn"] + "/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@PIPELINES
def test_logging_is_turned_on_for_the_source_bucket_once_delivery_may_write(pipeline: Pipeline) -> None:
    p = pipeline.plan()
    source, log = one(p, BUCKET, pipeline.source), one(p, BUCKET, pipeline.log)
    logging = one(p, LOGGING, f"{pipeline.source}-access-logging")
    assert logging.parent == p.by_type(pipeline.component)[0].urn
    assert value(logging, "bucket") == source.outputs["bucket"]
    assert value(logging, "targetBucket") == log.outputs["bucket"]
    assert value(logging, "targetPrefix") == "access-logs/"
    # Found by the policy pack through the inputs' dependencies, not only by value.
    assert logging.property_dependencies["bucket"] == [source.urn]
    assert logging.property_dependencies["targetBucket"] == [log.urn]
    assert one(p, BUCKET_POLICY, f"{pipeline.log}-policy").urn in logging.dependencies


@PIPELINES
def test_access_logs_expire_after_a_year_by_default_and_as_configured(pipeline: Pipeline) -> None:
    for settings, days in (({}, 365), ({"accessLogRetentionDays": 30}, 30)):
        p = pipeline.plan(settings)
        lifecycle = one(p, LIFECYCLE, f"{pipeline.log}-lifecycle")
        assert value(lifecycle, "bucket") == one(p, BUCKET, pipeline.log).outputs["bucket"]
        rules = {rule["id"]: rule for rule in value(lifecycle, "rules")}
        assert rules["expire-objects"]["expiration"] == {"days": days}
        assert rules["expire-objects"]["filter"] == {"prefix": ""}
        # Versioned like every created bucket: an expired log's data goes 30 days later.
        assert rules["delete-old-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
        assert one(p, VERSIONING, f"{pipeline.log}-versioning").urn in lifecycle.dependencies


@PIPELINES
def test_access_logging_off_declares_none_of_it(pipeline: Pipeline) -> None:
    p = pipeline.plan({"accessLogging": False})
    assert one(p, BUCKET, pipeline.source)
    assert not [
        r for r in p.by_type(LOGGING) if value(r, "bucket") == one(p, BUCKET, pipeline.source).outputs["bucket"]
    ]
    assert not [r.name for r in p.resources if r.name.startswith(pipeline.log)]


def test_an_existing_backup_bucket_gets_no_log_bucket() -> None:
    """Its logging is its owner's (the pipeline does not manage a bucket it did not create)."""
    p = BACKUP.plan({"bucketArn": "arn:aws:s3:::team-archive"})
    assert not p.by_type(LOGGING) and not [r for r in p.resources if r.name.startswith(BACKUP.log)]


@pytest.mark.parametrize("section", ["backup", "analytics"])
@pytest.mark.parametrize("days", [0, 36501, "7"])
def test_a_bad_retention_fails_naming_the_key(section: str, days: Any) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings({section: {"accessLogRetentionDays": days}}, "dev")
    [problem] = error.value.problems
    assert problem.startswith(f"eventfork:{section}.accessLogRetentionDays: got ")
    assert problem.endswith("allowed: an integer from 1 to 36500")
    assert parse_settings({section: {"accessLogRetentionDays": 36500}}, "dev")
    with pytest.raises(ConfigError):
        parse_settings({section: {"accessLogging": "yes"}}, "dev")


def s3_violations(p: Capture, stack: str) -> list[dict[str, str]]:
    result = check_capture(p, default_policy_config(ROOT, stack))
    # prod's one expected mandatory violation: no on-call subscriber in the repository (docs/policies.md)
    on_purpose = [("alarm-topic-has-subscriber", "ops-alarms")] if stack == "prod" else []
    assert [(v["policy"], v["urn"].rsplit("::", 1)[1]) for v in result.mandatory] == on_purpose, result.mandatory
    return [v for v in result.violations if v["policy"] == "s3-access-logging"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_programs_own_stacks_pass_the_access_logging_policy(stack: str) -> None:
    p = plan(stack)
    assert len(p.by_type(LOGGING)) == (2 if stack == "prod" else 1)
    assert s3_violations(p, stack) == []


def test_the_policy_check_would_see_a_bucket_without_logs() -> None:
    """The check above can fail: with logging off the backup bucket is reported again."""
    found = s3_violations(BACKUP.plan({"accessLogging": False}), "dev")
    assert [v["urn"].rsplit("::", 1)[1] for v in found] == ["backup-bucket"]


@pytest.mark.parametrize("on", [True, False])
def test_the_log_bucket_prefixes_are_named_and_checked_and_fit_every_prefix_the_buckets_fit(on: bool) -> None:
    raw = {"backup": {"accessLogging": on}, "analytics": {"enabled": True, "accessLogging": on}}
    settings = parse_settings(raw, "dev")
    keys = {n.entry.key for n in declared_names(settings)}
    log_keys = {"backup-log-bucket-prefix", "analytics-log-bucket-prefix"}
    assert keys & log_keys == (log_keys if on else set())
    assert longest_fitting_prefix(settings) == 22  # "-search-failed-" binds, as before
    for key in ("backup-log-bucket-prefix", "analytics-log-bucket-prefix"):
        assert NAMES[key].rule.violation(NAMES[key].render("a" * 22)) is None
        assert NAMES[key].rule.violation(NAMES[key].render("xn--team")) is not None  # checked like any bucket
