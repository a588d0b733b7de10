"""AWS's name rules read from the botocore service models (and AWS's pages where a model has no pattern).

Written apart from ``eventfork/naming.py`` and ``eventfork/aws_name_rules.py`` on purpose: the tests check
the program's names and its table against these, not against the table itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import botocore.session

from local.capture import CapturedResource

S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# terraform-plugin-sdk helper/id: PrefixedUniqueId appends 26 characters to a bucket_prefix.
UNIQUE_ID_SUFFIX = "20260101000000000000000001"


@cache
def member(service: str, operation: str, name: str) -> Any:
    model = botocore.session.Session().get_service_model(service)
    return model.operation_model(operation).input_shape.members[name]


def constraint(service: str, operation: str, name: str) -> tuple[int, int, str]:
    """(min, max, pattern) of a request member, anchors removed."""
    shape = member(service, operation, name)
    pattern = shape.metadata["pattern"].removeprefix("^").removesuffix("$")
    return shape.metadata["min"], shape.metadata["max"], pattern


def matches(service: str, operation: str, name: str, value: str) -> bool:
    low, high, pattern = constraint(service, operation, name)
    return low <= len(value) <= high and re.fullmatch(pattern, value) is not None


def documented(service: str, operation: str, name: str) -> str:
    return re.sub(r"<[^>]+>", "", member(service, operation, name).documentation)


def s3_bucket_name_ok(name: str) -> bool:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose)."""
    return (
        3 <= len(name) <= 63
        and re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name) is not None
        and ".." not in name
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name)
        and not name.startswith(S3_RESERVED_PREFIXES)
        and not name.endswith(S3_RESERVED_SUFFIXES)
    )


def _queue(r: CapturedResource, name: str) -> bool:
    """CreateQueue QueueName: up to 80 alphanumerics, '-' and '_'; a FIFO queue's name ends in .fifo."""
    fifo = bool(r.inputs.get("fifoQueue"))
    base = name.removesuffix(".fifo") if fifo else name
    return len(name) <= 80 and re.fullmatch(r"[A-Za-z0-9_-]+", base) is not None and name.endswith(".fifo") == fifo


def _topic(r: CapturedResource, name: str) -> bool:
    """CreateTopic Name: 1 to 256 of letters, digits, '_' and '-'; a FIFO topic's name ends in .fifo."""
    fifo = bool(r.inputs.get("fifoTopic"))
    base = name.removesuffix(".fifo") if fifo else name
    return len(name) <= 256 and re.fullmatch(r"[A-Za-z0-9_-]+", base) is not None and name.endswith(".fifo") == fifo


def _function(r: CapturedResource, name: str) -> bool:
    """CreateFunction FunctionName: the name group of the model's pattern, at most 64 as a bare name."""
    return len(name) <= 64 and re.fullmatch(r"[a-zA-Z0-9-_]+", name) is not None


def _alias(r: CapturedResource, name: str) -> bool:
    return (
        matches("kms", "CreateAlias", "AliasName", name)
        and name.startswith("alias/")
        and not name.startswith("alias/aws/")
    )


def _bucket_prefix(r: CapturedResource, prefix: str) -> bool:
    """The Terraform AWS provider takes at most 63 - 26 characters and appends a unique id."""
    return len(prefix) <= 37 and s3_bucket_name_ok(prefix + UNIQUE_ID_SUFFIX)


def _dashboard(r: CapturedResource, name: str) -> bool:
    """PutDashboard DashboardName: at most 255 of A-Z, a-z, 0-9, '-' and '_'."""
    return 1 <= len(name) <= 255 and re.fullmatch(r"[A-Za-z0-9_-]+", name) is not None


def _alarm(r: CapturedResource, name: str) -> bool:
    limits = member("cloudwatch", "PutMetricAlarm", "AlarmName").metadata
    return limits["min"] <= len(name) <= limits["max"] and not re.search(r"[\x00-\x1f\x7f]", name)


def _table(r: CapturedResource, name: str) -> bool:
    """https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html."""
    return 3 <= len(name) <= 255 and re.fullmatch(r"[a-zA-Z0-9_.-]+", name) is not None


def _model(service: str, operation: str, member_name: str) -> Callable[[CapturedResource, str], bool]:
    return lambda r, name: matches(service, operation, member_name, name)


# (resource type, input holding the physical name) -> whether AWS accepts that name.
EXPLICIT: dict[tuple[str, str], Callable[[CapturedResource, str], bool]] = {
    ("aws:sqs/queue:Queue", "name"): _queue,
    ("aws:sns/topic:Topic", "name"): _topic,
    ("aws:lambda/function:Function", "name"): _function,
    ("aws:kms/alias:Alias", "name"): _alias,
    ("aws:s3/bucket:Bucket", "bucketPrefix"): _bucket_prefix,
    ("aws:opensearch/domain:Domain", "domainName"): _model("opensearch", "CreateDomain", "DomainName"),
    ("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "name"): _model(
        "firehose", "CreateDeliveryStream", "DeliveryStreamName"
    ),
    ("aws:cloudwatch/logGroup:LogGroup", "name"): _model("logs", "CreateLogGroup", "logGroupName"),
    ("aws:cloudwatch/logStream:LogStream", "name"): _model("logs", "CreateLogStream", "logStreamName"),
    ("aws:cloudwatch/dashboard:Dashboard", "dashboardName"): _dashboard,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "name"): _alarm,
    ("aws:dynamodb/table:Table", "name"): _table,
}
# Resources Pulumi auto-names: the logical name, "-" and 7 random characters.
AUTONAMED: dict[str, tuple[str, str, str]] = {
    "aws:iam/role:Role": ("iam", "CreateRole", "RoleName"),
    "aws:iam/rolePolicy:RolePolicy": ("iam", "PutRolePolicy", "PolicyName"),
    "aws:iam/policy:Policy": ("iam", "CreatePolicy", "PolicyName"),
}


def invalid_names(resources: list[CapturedResource]) -> list[str]:
    """Every physical name in a plan that AWS would refuse, and every naming input left unchecked."""
    bad = []
    for r in resources:
        if r.type in AUTONAMED:
            assert "name" not in r.inputs and "namePrefix" not in r.inputs, f"{r.name}: {r.type} is auto-named"
            if not matches(*AUTONAMED[r.type], r.name + "-0a1b2c3"):
                bad.append(f"{r.type} {r.name}: auto-name too long or invalid")
            continue
        for (kind, field), accepts in EXPLICIT.items():
            if r.type == kind:
                name = r.inputs.get(field)
                assert isinstance(name, str), f"{r.name}: {kind} has no explicit {field}"
                if not accepts(r, name):
                    bad.append(f"{kind} {r.name}: {name!r}")
    return bad
