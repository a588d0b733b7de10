"""Every physical name and prefix the program derives, with the limit AWS (or the provider) sets for it.

``NAMES`` is the one table: the components render their names from it, and ``name_problems`` checks
the names a stack would declare when its config is parsed, so a namePrefix (or a stack name, for
the default prefix) that would yield an invalid name fails before any resource is declared, naming
the key, the derived name and the limit. The rule each kind of name follows, and its source, is in
``aws_name_rules``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventfork.aws_name_rules import (
    ALARM,
    DASHBOARD,
    DYNAMODB_TABLE,
    FIREHOSE_STREAM,
    KMS_ALIAS,
    LAMBDA_FUNCTION,
    LOG_GROUP,
    LOG_STREAM,
    OPENSEARCH_DOMAIN,
    S3_BUCKET_PREFIX,
    SNS_TOPIC,
    SQS_QUEUE,
    NameRule,
)

if TYPE_CHECKING:
    from stack_config import Settings

# An explicit namePrefix: lowercase letters, digits and "-", which every service here accepts.
# The default prefix (eventfork-<stack>, lowercased) is used as it is, and refused when a name made
# from it would be invalid: never rewritten, since a rewritten name could be another stack's.
PREFIX_PATTERN_MAX = 30
PREFIX_PATTERN = r"[a-z][a-z0-9-]{0,29}"
# The account and Region a topic's delivery log groups are named with are known only at deploy
# time; names are checked with the longest of each (12 digits; a 14-character Region).
CHECKED_ACCOUNT, CHECKED_REGION = "000000000000", "ap-southeast-7"


@dataclass(frozen=True)
class DerivedName:
    """One physical name: how it is made from the prefix, its rule, and where the plan carries it."""

    key: str
    template: str
    rule: NameRule
    resource_type: str
    field: str = "name"
    shorten_to: int | None = None  # cut to this many characters, trailing "-" removed

    def render(self, prefix: str, *, fifo: bool = False, primary: str = "", label: str = "", of: str = "") -> str:
        name = self.template.format(prefix=prefix, fifo=".fifo" if fifo else "", primary=primary, label=label, of=of)
        if self.shorten_to is not None:
            name = name[: self.shorten_to].rstrip("-")
        return name

    @property
    def what(self) -> str:
        return self.key.replace("-", " ")


QUEUE, TOPIC, FUNCTION = "aws:sqs/queue:Queue", "aws:sns/topic:Topic", "aws:lambda/function:Function"
ALIAS, LOGS, BUCKET = "aws:kms/alias:Alias", "aws:cloudwatch/logGroup:LogGroup", "aws:s3/bucket:Bucket"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
DASHBOARD_TYPE = "aws:cloudwatch/dashboard:Dashboard"
NAMES: dict[str, DerivedName] = {
    name.key: name
    for name in (
        DerivedName("fanout-key-alias", "alias/{prefix}-fanout", KMS_ALIAS, ALIAS),
        DerivedName("fanout-topic", "{prefix}-fanout{fifo}", SNS_TOPIC, TOPIC),
        DerivedName("primary-queue", "{prefix}-{primary}{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("primary-dlq", "{prefix}-{primary}-dlq{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("buffer-key-alias", "alias/{prefix}-buffer", KMS_ALIAS, ALIAS),
        DerivedName("buffer-queue", "{prefix}-buffer.fifo", SQS_QUEUE, QUEUE),
        DerivedName("buffer-dlq", "{prefix}-buffer-dlq.fifo", SQS_QUEUE, QUEUE),
        # partition i >= 1 of the buffer (functions/buffer/partitions.py derives the same names)
        DerivedName("buffer-partition-queue", "{prefix}-buffer-p{label}.fifo", SQS_QUEUE, QUEUE),
        DerivedName("buffer-table", "{prefix}-buffer", DYNAMODB_TABLE, "aws:dynamodb/table:Table"),
        DerivedName("buffer-function", "{prefix}-buffer", LAMBDA_FUNCTION, FUNCTION),
        DerivedName("backup-queue", "{prefix}-backup{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("backup-dlq", "{prefix}-backup-dlq{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("backup-bucket-prefix", "{prefix}-backup-", S3_BUCKET_PREFIX, BUCKET, "bucketPrefix"),
        # The backup bucket's access log bucket: no longer than "-backup-", so every prefix that fits
        # the backup bucket fits its log bucket too.
        DerivedName("backup-log-bucket-prefix", "{prefix}-logs-", S3_BUCKET_PREFIX, BUCKET, "bucketPrefix"),
        DerivedName("backup-redaction-function", "{prefix}-backup-redaction", LAMBDA_FUNCTION, FUNCTION),
        DerivedName("backup-forwarder-function", "{prefix}-backup-forwarder", LAMBDA_FUNCTION, FUNCTION),
        DerivedName("backup-stream", "{prefix}-backup", FIREHOSE_STREAM, STREAM),
        DerivedName("analytics-queue", "{prefix}-analytics{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("analytics-dlq", "{prefix}-analytics-dlq{fifo}", SQS_QUEUE, QUEUE),
        DerivedName(
            "analytics-failed-bucket-prefix", "{prefix}-search-failed-", S3_BUCKET_PREFIX, BUCKET, "bucketPrefix"
        ),
        DerivedName("analytics-log-bucket-prefix", "{prefix}-search-logs-", S3_BUCKET_PREFIX, BUCKET, "bucketPrefix"),
        DerivedName("analytics-transform-function", "{prefix}-analytics-transform", LAMBDA_FUNCTION, FUNCTION),
        DerivedName("analytics-forwarder-function", "{prefix}-analytics-forwarder", LAMBDA_FUNCTION, FUNCTION),
        DerivedName(
            "analytics-domain",
            "{prefix}-search",
            OPENSEARCH_DOMAIN,
            "aws:opensearch/domain:Domain",
            "domainName",
            shorten_to=OPENSEARCH_DOMAIN.max_length,
        ),
        DerivedName("analytics-stream", "{prefix}-analytics", FIREHOSE_STREAM, STREAM),
        DerivedName("analytics-setup-function", "{prefix}-search-setup", LAMBDA_FUNCTION, FUNCTION),
        DerivedName("analytics-flow-log-group", "/aws/vpc-flow-logs/{prefix}-search", LOG_GROUP, LOGS),
        DerivedName("replay-queue", "{prefix}-replay{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("replay-dlq", "{prefix}-replay-dlq{fifo}", SQS_QUEUE, QUEUE),
        DerivedName("replay-function", "{prefix}-replay", LAMBDA_FUNCTION, FUNCTION),
        DerivedName("alarms-key-alias", "alias/{prefix}-alarms", KMS_ALIAS, ALIAS),
        DerivedName("alarm-topic", "{prefix}-alarms", SNS_TOPIC, TOPIC),
        DerivedName("dashboard", "{prefix}-eventfork", DASHBOARD, DASHBOARD_TYPE, "dashboardName"),
        DerivedName("alarm", "{prefix}-{label}", ALARM, "aws:cloudwatch/metricAlarm:MetricAlarm"),
        DerivedName("function-log-group", "/aws/lambda/{of}", LOG_GROUP, LOGS),
        DerivedName("stream-log-group", "/aws/kinesisfirehose/{of}", LOG_GROUP, LOGS),
        DerivedName("domain-log-group", "/aws/opensearch/{of}/{label}", LOG_GROUP, LOGS),
        # Where SNS writes a topic's delivery status (label "<region>/<account-id>", of the topic's
        # name): https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html
        DerivedName("topic-delivery-log-group", "sns/{label}/{of}", LOG_GROUP, LOGS),
        DerivedName("topic-delivery-failure-log-group", "sns/{label}/{of}/Failure", LOG_GROUP, LOGS),
        DerivedName("stream-log-stream", "{label}", LOG_STREAM, "aws:cloudwatch/logStream:LogStream"),
    )
}


def physical(key: str, prefix: str, **parts: str | bool) -> str:
    """The physical name ``key`` of the table for this prefix (what the components declare)."""
    return NAMES[key].render(prefix, **parts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Named:
    """A name one stack declares, with the config keys it is made from."""

    entry: DerivedName
    name: str
    keys: tuple[str, ...] = ("namePrefix",)


# The config keys a core name is made from, besides the prefix alone.
CORE_NAME_KEYS = {
    "primary-queue": ("namePrefix", "fanout.primaryName"),
    "primary-dlq": ("namePrefix", "fanout.primaryName"),
    "buffer-partition-queue": ("namePrefix", "buffer.partitions"),
}


def fanout_names(prefix: str, fifo: bool, primary: str) -> list[tuple[str, str]]:
    """The names EventFanOut declares, as (naming-table key, name)."""
    return [
        ("fanout-key-alias", physical("fanout-key-alias", prefix)),
        ("fanout-topic", physical("fanout-topic", prefix, fifo=fifo)),
        ("primary-queue", physical("primary-queue", prefix, fifo=fifo, primary=primary)),
        ("primary-dlq", physical("primary-dlq", prefix, fifo=fifo, primary=primary)),
    ]


def buffer_names(prefix: str, partitions: int) -> list[tuple[str, str]]:
    """The names FifoEventBuffer declares, as (naming-table key, name): one queue per partition."""
    names = [(key, physical(key, prefix)) for key in ("buffer-key-alias", "buffer-queue", "buffer-dlq", "buffer-table")]
    names += [
        ("buffer-partition-queue", physical("buffer-partition-queue", prefix, label=str(index)))
        for index in range(1, partitions)
    ]
    function = physical("buffer-function", prefix)
    return names + [
        ("buffer-function", function),
        ("function-log-group", physical("function-log-group", prefix, of=function)),
    ]


def topic_delivery_log_groups(topic: str, account: str, region: str) -> list[tuple[str, str]]:
    """The log groups SNS writes a topic's delivery status to, as (naming-table key, name)."""
    return [
        (key, physical(key, "", label=f"{region}/{account}", of=topic))
        for key in ("topic-delivery-log-group", "topic-delivery-failure-log-group")
    ]


def declared_names(settings: Settings, account: str = CHECKED_ACCOUNT, region: str = CHECKED_REGION) -> list[Named]:
    """Every derived name the stack declares with these settings (the plan must show exactly these),
    in ``account`` and ``region`` (for the names made with them)."""
    prefix, fifo = settings.namePrefix, settings.fanout.topic_fifo
    names: list[Named] = []

    def delivery_logs(topic: str) -> None:
        names.extend(Named(NAMES[key], name) for key, name in topic_delivery_log_groups(topic, account, region))

    def add(key: str, *, keys: tuple[str, ...] = ("namePrefix",), **parts: str | bool) -> str:
        name = physical(key, prefix, **parts)
        names.append(Named(NAMES[key], name, keys))
        return name

    def function(key: str) -> None:
        names.append(Named(NAMES["function-log-group"], physical("function-log-group", prefix, of=add(key))))

    def stream(key: str, log_streams: tuple[str, ...]) -> None:
        names.append(Named(NAMES["stream-log-group"], physical("stream-log-group", prefix, of=add(key))))
        names.extend(Named(NAMES["stream-log-stream"], log_stream, ()) for log_stream in log_streams)

    if settings.buffer.enabled:
        core = fanout_names(prefix, fifo, settings.fanout.primaryName) + buffer_names(
            prefix, settings.buffer.partitions
        )
        names.extend(Named(NAMES[key], name, CORE_NAME_KEYS.get(key, ("namePrefix",))) for key, name in core)
        delivery_logs(physical("fanout-topic", prefix, fifo=fifo))
    else:
        add("fanout-key-alias")
    backup, analytics, replay = settings.backup, settings.analytics, settings.replay
    if backup.enabled:
        add("backup-queue", fifo=fifo)
        add("backup-dlq", fifo=fifo)
        if not backup.bucketArn:
            add("backup-bucket-prefix")
            if backup.accessLogging:
                add("backup-log-bucket-prefix")
        if backup.redaction:
            function("backup-redaction-function")
        stream("backup-stream", ("DestinationDelivery",))
        function("backup-forwarder-function")
    if analytics.enabled:
        add("analytics-queue", fifo=fifo)
        add("analytics-dlq", fifo=fifo)
        add("analytics-failed-bucket-prefix")
        if analytics.accessLogging:
            add("analytics-log-bucket-prefix")
        if analytics.builtin_transform:
            function("analytics-transform-function")
        if not analytics.domainArn:
            domain = add("analytics-domain")
            function("analytics-setup-function")
            if not analytics.publicAccess and not analytics.subnetIds:
                add("analytics-flow-log-group")
            names.extend(
                Named(NAMES["domain-log-group"], physical("domain-log-group", prefix, of=domain, label=label))
                for label in ("audit", "errors")
            )
        stream("analytics-stream", ("DestinationDelivery", "BackupDelivery"))
        function("analytics-forwarder-function")
    if replay.enabled:
        add("replay-queue", fifo=fifo)
        add("replay-dlq", fifo=fifo)
        function("replay-function")
    if settings.alarms.enabled:
        add("alarms-key-alias")
        delivery_logs(add("alarm-topic"))
        add("dashboard")
        for label in alarm_labels(settings):
            add("alarm", label=label)
    return names


def alarm_labels(settings: Settings) -> list[str]:
    """The alarms Observability declares for these settings (see infra/__main__.py)."""
    pipelines = [p for p, on in (("backup", settings.backup.enabled), ("analytics", settings.analytics.enabled)) if on]
    core = ["buffer", "primary"] if settings.buffer.enabled else []
    queues = [*core, *pipelines] + (["replay"] if settings.replay.enabled else [])
    functions = ["buffer"] if settings.buffer.enabled else []
    if settings.backup.enabled:
        functions += ["backup-forwarder"] + (["backup-redaction"] if settings.backup.redaction else [])
    if settings.analytics.enabled:
        functions += ["analytics-forwarder"] + (["analytics-transform"] if settings.analytics.builtin_transform else [])
        functions += [] if settings.analytics.domainArn else ["analytics-setup"]
    if settings.replay.enabled:
        functions.append("replay")
    labels = [f"{q}-dlq-visible" for q in queues]
    if settings.buffer.enabled:
        suffixes = [""] + [f"-p{i}" for i in range(1, settings.buffer.partitions)]
        labels += [f"buffer-{kind}{suffix}" for suffix in suffixes for kind in ("oldest-message", "in-flight")]
        labels += ["buffer-outside-partition"] if settings.buffer.partitions > 1 else []
        labels.append("buffer-group-backlog")
        labels += ["buffer-late-republish", "buffer-state-not-corrected"]  # observability.BUFFER_LIMIT_ALARMS
    labels += [f"{f}-{kind}" for f in functions for kind in ("errors", "throttles")]
    if settings.backup.enabled:
        labels.append("backup-s3-delivery")
    if settings.analytics.enabled:
        labels.append("analytics-search-delivery")
    if settings.replay.enabled and settings.replay.active:
        labels.append("replay-depth")
    return labels


def default_prefix(stack: str) -> str:
    """``eventfork-<stack>`` in lowercase (what an unset namePrefix means)."""
    return f"eventfork-{stack}".lower()


def suggested_prefix(stack: str, max_length: int) -> str:
    """A valid prefix close to the default: other characters become "-", cut to what fits."""
    cleaned = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", default_prefix(stack))).strip("-")
    return cleaned[:max_length].rstrip("-")


def longest_fitting_prefix(settings: Settings) -> int:
    """The longest prefix every derived name of these settings can take (a shortened name always fits)."""
    fits = [PREFIX_PATTERN_MAX]
    for named in declared_names(settings):
        if "namePrefix" in named.keys and named.entry.shorten_to is None:
            fixed = len(named.name) - len(settings.namePrefix)
            fits.append(named.entry.rule.max_length - fixed)
    return max(1, min(fits))


def name_problems(settings: Settings, stack: str, prefix_from_config: bool) -> list[str]:
    """Why names this stack would declare are invalid: one line per kind of name, naming the source
    (the namePrefix key, or the stack name for the default prefix), a derived name and the limit.
    """
    source = "eventfork:namePrefix" if prefix_from_config else f"stack name {json.dumps(stack)}"
    fit = longest_fitting_prefix(settings)
    advice = (
        f"a namePrefix of at most {fit} characters fits every name this stack declares"
        if prefix_from_config
        else f"set eventfork:namePrefix, e.g. {json.dumps(suggested_prefix(stack, fit))}"
    )
    invalid: dict[NameRule, list[tuple[Named, str]]] = {}
    for named in declared_names(settings):
        violation = named.entry.rule.violation(named.name)
        if violation is not None:
            invalid.setdefault(named.entry.rule, []).append((named, violation))
    problems = []
    for rule, found in invalid.items():
        named, violation = found[0]
        keys = " with eventfork:fanout.primaryName" if "fanout.primaryName" in named.keys else ""
        more = f" and {len(found) - 1} more like it" if len(found) > 1 else ""
        prefix_is = "the default prefix " if not prefix_from_config else ""
        problems.append(
            f"{source}{keys}: {prefix_is}{json.dumps(settings.namePrefix)} makes the {named.entry.what} "
            f"{json.dumps(named.name)} ({violation}){more}; allowed: {rule.describe()} [{rule.source}]; {advice}"
        )
    return problems
