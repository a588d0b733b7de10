"""Lifecycle rules of a versioned bucket this program creates: they delete what they say they delete.

On a versioned bucket an expiration only adds a delete marker; the data goes when its noncurrent
version expires, and the marker when it is the last thing left. S3 also keeps objects under
128 KB out of every transition unless a rule's own object-size filter says otherwise, and
Firehose writes small objects. Sources: S3 PutBucketLifecycleConfiguration
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html) and the
lifecycle examples (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-configuration-examples.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventfork.config.backup import BackupConfig

# S3's own default, stated explicitly: a rule's object-size filter is the one knob for small objects.
TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE = "all_storage_classes_128K"
NONCURRENT_VERSION_EXPIRATION_DAYS = 30
ABORT_INCOMPLETE_UPLOAD_DAYS = 7
EVERY_OBJECT = {"prefix": ""}


@dataclass(frozen=True)
class Lifecycle:
    """What happens to a bucket's objects over time; the defaults apply to every created bucket."""

    transition_days: int | None = None
    transition_storage_class: str = "STANDARD_IA"
    transition_minimum_object_size_bytes: int = 0
    expiration_days: int | None = None
    noncurrent_version_expiration_days: int | None = NONCURRENT_VERSION_EXPIRATION_DAYS
    abort_incomplete_upload_days: int = ABORT_INCOMPLETE_UPLOAD_DAYS

    @staticmethod
    def of_backup(cfg: BackupConfig) -> Lifecycle:
        return Lifecycle(
            transition_days=cfg.transitionDays,
            transition_storage_class=cfg.transitionStorageClass,
            transition_minimum_object_size_bytes=cfg.transitionMinimumObjectSizeBytes,
            expiration_days=cfg.expirationDays,
            noncurrent_version_expiration_days=cfg.noncurrentVersionExpirationDays,
            abort_incomplete_upload_days=cfg.abortIncompleteUploadDays,
        )

    def rules(self) -> list[dict[str, Any]]:
        """``rules`` of an ``aws.s3.BucketLifecycleConfiguration``: transition, expiry, then clean-up."""
        rules: list[dict[str, Any]] = []
        if self.transition_days is not None:
            rules.append(
                {
                    "id": "transition-objects",
                    "status": "Enabled",
                    # A size filter takes precedence over the 128 KB default: 0 moves every non-empty object.
                    "filter": {"object_size_greater_than": self.transition_minimum_object_size_bytes},
                    "transitions": [{"days": self.transition_days, "storage_class": self.transition_storage_class}],
                }
            )
        if self.expiration_days is not None:
            rules.append(
                {
                    "id": "expire-objects",
                    "status": "Enabled",
                    "filter": EVERY_OBJECT,
                    "expiration": {"days": self.expiration_days},
                }
            )
        cleanup: dict[str, Any] = {
            "id": "delete-old-versions",
            "status": "Enabled",
            "filter": EVERY_OBJECT,
            # A marker with no version left behind it (S3 forbids this beside Days in one expiration).
            "expiration": {"expired_object_delete_marker": True},
            "abort_incomplete_multipart_upload": {"days_after_initiation": self.abort_incomplete_upload_days},
        }
        if self.noncurrent_version_expiration_days is not None:
            cleanup["noncurrent_version_expiration"] = {"noncurrent_days": self.noncurrent_version_expiration_days}
        rules.append(cleanup)
        return rules
