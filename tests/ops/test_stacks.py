"""dev and prod differ where production needs it, and only there."""

from __future__ import annotations

import json

from local.capture import Capture
from tests.infra.plans import ROOT, one, plan, value

TABLE = "aws:dynamodb/table:Table"


def test_buffer_tables_keep_point_in_time_recovery_and_prod_protects_them_from_deletion() -> None:
    for name in ("buffer-table",):
        dev, prod = one(plan("dev"), TABLE, name), one(plan("prod"), TABLE, name)
        assert value(dev, "deletionProtectionEnabled") is False and value(prod, "deletionProtectionEnabled") is True
        assert value(dev, "pointInTimeRecovery.enabled") is True and value(prod, "pointInTimeRecovery.enabled") is True


def test_prod_keeps_every_log_group_a_year_and_its_keys_the_longest_deletion_window() -> None:
    for stack, days in (("dev", 30), ("prod", 365)):
        groups = plan(stack).by_type("aws:cloudwatch/logGroup:LogGroup")
        names = {g.name for g in groups}
        assert {"buffer-function-logs", "backup-stream-logs", "backup-forwarder-logs"} <= names, names
        assert {g.name: value(g, "retentionInDays") for g in groups} == {n: days for n in names}, stack

    def windows(p: Capture) -> set[int]:
        return {value(k, "deletionWindowInDays") for k in p.by_type("aws:kms/key:Key")}

    assert windows(plan("dev")) == {7} and windows(plan("prod")) == {30}


def test_prod_search_domain_spans_zones_with_dedicated_masters() -> None:
    assert not plan("dev").by_type("aws:opensearch/domain:Domain")
    domain = one(plan("prod"), "aws:opensearch/domain:Domain", "analytics-domain")
    cluster = value(domain, "clusterConfig")
    assert cluster["zoneAwarenessEnabled"] is True and cluster["zoneAwarenessConfig"]["availabilityZoneCount"] == 3
    assert cluster["dedicatedMasterEnabled"] is True and cluster["dedicatedMasterCount"] == 3
    assert cluster["instanceCount"] % 3 == 0


def test_prod_keeps_backups_for_seven_years_and_moves_them_to_cheaper_storage() -> None:
    lifecycle = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    rules = {r["id"]: r for r in value(one(plan("prod"), lifecycle, "backup-bucket-lifecycle"), "rules")}
    assert rules["expire-objects"]["expiration"]["days"] == 2555
    assert rules["transition-objects"]["transitions"] == [{"days": 30, "storageClass": "GLACIER_IR"}]
    # Dev keeps its data (access logs, in their own bucket, expire after accessLogRetentionDays).
    data = [r for r in plan("dev").by_type(lifecycle) if not r.name.endswith("-access-logs-lifecycle")]
    dev_rules = [rule for r in data for rule in value(r, "rules")]
    assert dev_rules and not [r for r in dev_rules if "transitions" in r or "days" in r.get("expiration", {})]


def test_prod_alarms_react_faster_and_nobody_is_subscribed_until_the_address_is_set() -> None:
    def timing(stack: str) -> set[tuple[int, int]]:
        return {
            (value(a, "period"), value(a, "evaluationPeriods"))
            for a in plan(stack).by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        }

    assert timing("dev") == {(300, 1)} and timing("prod") == {(60, 3)}
    for stack in ("dev", "prod"):
        assert not [r for r in plan(stack).resources if r.name in ("ops-email", "ops-https")]
    assert plan("prod").config["eventfork:alarms"]["email"] is None
    with_address = plan("prod", overrides={"eventfork:alarms": {"email": "oncall@example.org"}})
    assert value(one(with_address, "aws:sns/topicSubscription:TopicSubscription", "ops-email"), "endpoint") == (
        "oncall@example.org"
    )


def test_prod_scales_the_buffer_further() -> None:
    esm = "aws:lambda/eventSourceMapping:EventSourceMapping"
    assert value(one(plan("dev"), esm, "buffer-events"), "scalingConfig.maximumConcurrency") == 10
    prod = plan("prod")
    mappings = [r for r in prod.by_type(esm) if r.name.startswith("buffer-events")]
    assert len(mappings) == prod.outputs["bufferPartitions"] == 128  # one per partition queue
    assert sum(value(m, "scalingConfig.maximumConcurrency") for m in mappings) == 640  # 5 per partition


def test_prod_enforces_every_policy_and_dev_only_advises() -> None:
    dev = json.loads((ROOT / "policies/config/dev.json").read_text())
    prod = json.loads((ROOT / "policies/config/prod.json").read_text())

    def level(setting: object) -> object:
        return setting["enforcementLevel"] if isinstance(setting, dict) else setting

    assert dev.keys() == prod.keys()
    # Offered, not enforced (docs/policies.md): access-log buckets cannot use SSE-KMS; Object Lock is a choice.
    advised = {"s3-access-logging", "s3-object-lock-evidence"}
    assert {name for name, v in prod.items() if level(v) != "mandatory"} == advised
    assert level(dev["iam-no-wildcards"]) == "advisory" and level(dev["fifo-high-throughput"]) == "mandatory"


def test_what_must_not_differ_is_the_same() -> None:
    """The buffer's semantics are the product: interval, attempts and FIFO fan-out are equal."""
    dev, prod = plan("dev"), plan("prod")
    for key in ("INTERVAL_SECONDS", "MAX_ATTEMPTS", "TOPIC_FIFO"):
        env = [
            value(one(p, "aws:lambda/function:Function", "buffer-function"), f"environment.variables.{key}")
            for p in (dev, prod)
        ]
        assert env[0] == env[1], key
    assert dev.outputs.keys() <= prod.outputs.keys()
