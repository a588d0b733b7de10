"""What AWS assigns when a resource is created (names, ARNs, URLs, ids), for the types the emulator models."""

from __future__ import annotations

import hashlib
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from local.account import ACCOUNT_ID, REGION

PARTITION = "aws"


def suffix(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:7]


def _auto_name(args: pulumi_mocks.MockResourceArgs, key: str = "name", max_len: int = 80) -> str:
    """Physical name as the provider would choose it: the given one, or ``<name>-<7 hex>``."""
    given = args.inputs.get(key)
    if isinstance(given, str) and given:
        return given
    prefix = args.inputs.get(f"{key}Prefix")
    base = prefix if isinstance(prefix, str) and prefix else f"{args.name}-"
    return (base + suffix(args.typ + args.name))[:max_len]


def _arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{resource}"


# EC2 resource ids: a prefix and 17 hex digits (e.g. vpc-0123456789abcdef0), as EC2 assigns them.
EC2_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
}


def _ec2_id(prefix: str, seed: str) -> str:
    return f"{prefix}-{hashlib.sha256(seed.encode()).hexdigest()[:17]}"


def _ec2_outputs(args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
    """A VPC (with the default network ACL, security group and route table EC2 creates with it), a subnet or
    a security group: its id and ARN."""
    prefix = EC2_ID_PREFIXES[args.typ]
    resource_id = _ec2_id(prefix, args.typ + args.name)
    kind = {"vpc": "vpc", "subnet": "subnet", "sg": "security-group"}[prefix]
    state = {**args.inputs, "arn": _arn("ec2", f"{kind}/{resource_id}")}
    if prefix == "vpc":
        state.update(
            defaultNetworkAclId=_ec2_id("acl", args.name),
            defaultSecurityGroupId=_ec2_id("sg", args.name + "/default"),
            defaultRouteTableId=_ec2_id("rtb", args.name),
            mainRouteTableId=_ec2_id("rtb", args.name),
        )
    return resource_id, state


def modelled_outputs(args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]] | None:
    """(id, state) for a type the emulator models, computing the attributes AWS would assign.

    Names, ARNs, URLs and ids use ``REGION`` and the emulator's account; the caller substitutes the
    stack's real region. ``None`` for a type that is not modelled (its computed outputs stay unknown).
    """
    typ, inputs = args.typ, dict(args.inputs)
    if typ == "aws:sqs/queue:Queue":
        name = _auto_name(args)
        if inputs.get("fifoQueue") and not name.endswith(".fifo"):
            name = name[:75] + ".fifo"
        url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"
        return url, {**inputs, "name": name, "url": url, "arn": _arn("sqs", name)}
    if typ in EC2_ID_PREFIXES:
        return _ec2_outputs(args)
    if typ == "aws:sns/topic:Topic":
        name = _auto_name(args, max_len=256)
        if inputs.get("fifoTopic") and not name.endswith(".fifo"):
            name = name[:251] + ".fifo"
        arn = _arn("sns", name)
        return arn, {**inputs, "name": name, "arn": arn}
    if typ == "aws:dynamodb/table:Table":
        name = _auto_name(args, max_len=255)
        arn = _arn("dynamodb", f"table/{name}")
        return name, {**inputs, "name": name, "arn": arn, "streamArn": f"{arn}/stream/2026-01-01T00:00:00.000"}
    if typ == "aws:kms/key:Key":
        key_id = hashlib.sha256(args.name.encode()).hexdigest()
        key_id = f"{key_id[:8]}-{key_id[8:12]}-{key_id[12:16]}-{key_id[16:20]}-{key_id[20:32]}"
        return key_id, {**inputs, "keyId": key_id, "arn": _arn("kms", f"key/{key_id}")}
    if typ == "aws:kms/alias:Alias":
        name = _auto_name(args)
        return name, {**inputs, "name": name, "arn": _arn("kms", name), "targetKeyArn": inputs.get("targetKeyId")}
    if typ == "aws:iam/role:Role":
        name = _auto_name(args, max_len=64)
        return name, {
            **inputs,
            "name": name,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
            "uniqueId": "AROA" + suffix(name).upper(),
        }
    if typ == "aws:iam/policy:Policy":
        name = _auto_name(args, max_len=128)
        arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}"
        return arn, {**inputs, "name": name, "arn": arn}
    if typ == "aws:lambda/function:Function":
        name = _auto_name(args, max_len=64)
        arn = _arn("lambda", f"function:{name}")
        return name, {
            **inputs,
            "name": name,
            "arn": arn,
            "qualifiedArn": f"{arn}:$LATEST",
            "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        name = _auto_name(args, max_len=512)
        return name, {**inputs, "name": name, "arn": _arn("logs", f"log-group:{name}")}
    if typ in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
        bucket = _auto_name(args, key="bucket", max_len=63).lower()
        return bucket, {
            **inputs,
            "bucket": bucket,
            "arn": f"arn:aws:s3:::{bucket}",
            "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
        }
    if typ == "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        name = _auto_name(args, max_len=64)
        arn = _arn("firehose", f"deliverystream/{name}")
        return arn, {**inputs, "name": name, "arn": arn}
    if typ == "aws:opensearch/domain:Domain":
        name = _auto_name(args, key="domainName", max_len=28).lower()
        return name, {
            **inputs,
            "domainName": name,
            "arn": _arn("es", f"domain/{name}"),
            "endpoint": f"search-{name}-{suffix(name)}.{REGION}.es.amazonaws.com",
            "domainId": f"{ACCOUNT_ID}/{name}",
        }
    if typ == "aws:sns/topicSubscription:TopicSubscription":
        topic = str(inputs.get("topic") or "topic")
        arn = f"{topic}:{suffix(args.name)}"
        return arn, {**inputs, "arn": arn}
    if typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
        uuid = suffix(args.name) + "-0000-4000-8000-000000000000"
        return uuid, {
            **inputs,
            "uuid": uuid,
            "functionArn": inputs.get("functionName"),
            "state": "Enabled" if inputs.get("enabled", True) else "Disabled",
        }
    if typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        name = _auto_name(args, max_len=255)
        return name, {**inputs, "name": name, "arn": _arn("cloudwatch", f"alarm:{name}")}
    if typ == "aws:cloudwatch/dashboard:Dashboard":
        name = str(inputs.get("dashboardName") or args.name)
        return name, {**inputs, "dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{name}"}
    return None
