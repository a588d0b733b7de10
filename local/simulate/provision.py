"""Create a captured plan's resources in the emulator, from the captured inputs alone.

Queues, topics, subscriptions (filter policies, raw delivery, redrive), tables (keys, TTL) and
buckets become moto resources; functions, event source mappings and delivery streams are
described for the runner. Resource types that carry no runtime behaviour here (IAM, KMS, logs,
policies, alarms) are listed as ``inert``; any other type is listed as ``unsupported``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local.capture import Capture, CapturedResource
from local.emulator.firehose import StreamInfo
from local.emulator.lambda_scheduler import DEFAULT_MAX_CONCURRENCY

INERT_TYPES = {
    "pulumi:providers:aws",
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/logStream:LogStream",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:lambda/permission:Permission",
    "aws:opensearch/domain:Domain",
    "aws:opensearch/domainPolicy:DomainPolicy",
    # The search domain's network and its one-off security setup: the emulator has no OpenSearch.
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/flowLog:FlowLog",
    "aws:lambda/invocation:Invocation",
    "pulumi:pulumi:StackReference",
}


@dataclass
class FunctionInfo:
    name: str
    arn: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout: int


@dataclass
class MappingInfo:
    queue_name: str
    queue_url: str
    function: FunctionInfo
    batch_size: int
    enabled: bool
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY  # ScalingConfig.MaximumConcurrency, else Lambda's default


@dataclass
class Topology:
    """What the runner needs to know about the created resources."""

    queues: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> captured inputs
    functions: dict[str, FunctionInfo] = field(default_factory=dict)  # arn -> info
    mappings: list[MappingInfo] = field(default_factory=list)
    streams: dict[str, StreamInfo] = field(default_factory=dict)  # name -> info
    buckets: set[str] = field(default_factory=set)
    per_group_topics: set[str] = field(default_factory=set)
    inert: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)

    def function_by_name_or_arn(self, ref: str) -> FunctionInfo | None:
        for info in self.functions.values():
            if ref in (info.arn, info.name, f"{info.arn}:$LATEST"):
                return info
        return None


def _queue_attributes(inputs: dict[str, Any]) -> dict[str, str]:
    mapping = {
        "fifoQueue": "FifoQueue",
        "contentBasedDeduplication": "ContentBasedDeduplication",
        "deduplicationScope": "DeduplicationScope",
        "fifoThroughputLimit": "FifoThroughputLimit",
        "visibilityTimeoutSeconds": "VisibilityTimeout",
        "messageRetentionSeconds": "MessageRetentionPeriod",
        "delaySeconds": "DelaySeconds",
        "kmsMasterKeyId": "KmsMasterKeyId",
        "redrivePolicy": "RedrivePolicy",
        "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
        "maxMessageSize": "MaximumMessageSize",
    }
    out: dict[str, str] = {}
    for key, attribute in mapping.items():
        value = inputs.get(key)
        if value is None or value == "":
            continue
        out[attribute] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if out.get("FifoQueue") == "false":
        out.pop("FifoQueue")
    return out


def _code_dir(inputs: dict[str, Any]) -> Path | None:
    code = inputs.get("code")
    if isinstance(code, dict):
        if "archive" in code:
            return Path(code["archive"])
        for asset in (code.get("assets") or {}).values():
            if isinstance(asset, dict) and "archive" in asset:
                return Path(asset["archive"])
    return None


def provision(plan: Capture) -> Topology:
    """Create every supported resource of ``plan`` in the (already started) emulator."""
    sqs, sns, ddb, s3 = (boto3.client(s) for s in ("sqs", "sns", "dynamodb", "s3"))
    topo = Topology()
    ordered = sorted(plan.resources, key=lambda r: _ORDER.get(r.type, 50))
    for resource in ordered:
        handler = _HANDLERS.get(resource.type)
        if handler is not None:
            handler(resource, topo, sqs=sqs, sns=sns, ddb=ddb, s3=s3)
        elif not resource.custom:
            topo.components.append(resource.urn)
        elif resource.type in INERT_TYPES:
            topo.inert.append(resource.type)
        else:
            topo.unsupported.append(f"{resource.type} ({resource.name})")
    return topo


def _create_queue(r: CapturedResource, topo: Topology, *, sqs: Any, **_: Any) -> None:
    name = str(r.outputs.get("name") or r.inputs.get("name"))
    attributes = _queue_attributes(r.inputs)
    sqs.create_queue(QueueName=name, Attributes=attributes)
    topo.queues[name] = dict(r.inputs)  # a run's copy: plans are cached and shared between runs


def _create_topic(r: CapturedResource, topo: Topology, *, sns: Any, **_: Any) -> None:
    name = str(r.outputs.get("name") or r.inputs.get("name"))
    attributes = {}
    if r.inputs.get("fifoTopic"):
        attributes["FifoTopic"] = "true"
        attributes["ContentBasedDeduplication"] = "true" if r.inputs.get("contentBasedDeduplication") else "false"
    if r.inputs.get("kmsMasterKeyId"):
        attributes["KmsMasterKeyId"] = str(r.inputs["kmsMasterKeyId"])
    if r.inputs.get("archivePolicy"):
        attributes["ArchivePolicy"] = str(r.inputs["archivePolicy"])
    sns.create_topic(Name=name, Attributes=attributes)
    if r.inputs.get("fifoThroughputScope") == "MessageGroup":
        topo.per_group_topics.add(str(r.outputs.get("arn")))


def _create_subscription(r: CapturedResource, topo: Topology, *, sns: Any, **_: Any) -> None:
    attributes: dict[str, str] = {}
    if r.inputs.get("rawMessageDelivery"):
        attributes["RawMessageDelivery"] = "true"
    for key, attribute in (
        ("filterPolicy", "FilterPolicy"),
        ("filterPolicyScope", "FilterPolicyScope"),
        ("redrivePolicy", "RedrivePolicy"),
    ):
        if r.inputs.get(key):
            attributes[attribute] = str(r.inputs[key])
    sns.subscribe(
        TopicArn=r.inputs["topic"],
        Protocol=r.inputs["protocol"],
        Endpoint=r.inputs["endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )


def _create_table(r: CapturedResource, topo: Topology, *, ddb: Any, **_: Any) -> None:
    name = str(r.outputs.get("name") or r.inputs.get("name"))
    attrs = {a["name"]: a["type"] for a in r.inputs.get("attributes", [])}
    keys = [{"AttributeName": r.inputs["hashKey"], "KeyType": "HASH"}]
    if r.inputs.get("rangeKey"):
        keys.append({"AttributeName": r.inputs["rangeKey"], "KeyType": "RANGE"})
    ddb.create_table(
        TableName=name,
        KeySchema=keys,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": k["AttributeName"], "AttributeType": attrs[k["AttributeName"]]} for k in keys
        ],
    )
    ttl = r.inputs.get("ttl") or {}
    if ttl.get("enabled"):
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]}
        )


def _create_bucket(r: CapturedResource, topo: Topology, *, s3: Any, **_: Any) -> None:
    bucket = str(r.outputs.get("bucket") or r.inputs.get("bucket"))
    s3.create_bucket(Bucket=bucket)
    topo.buckets.add(bucket)


def _register_function(r: CapturedResource, topo: Topology, **_: Any) -> None:
    code_dir = _code_dir(r.inputs)
    if code_dir is None:
        topo.unsupported.append(f"{r.type} ({r.name}): code is not a local archive")
        return
    env = ((r.inputs.get("environment") or {}).get("variables")) or {}
    topo.functions[r.outputs["arn"]] = FunctionInfo(
        name=r.outputs["name"],
        arn=r.outputs["arn"],
        code_dir=code_dir,
        handler=r.inputs.get("handler", ""),
        environment={k: str(v) for k, v in env.items()},
        timeout=int(r.inputs.get("timeout", 3)),
    )


def _register_mapping(r: CapturedResource, topo: Topology, **_: Any) -> None:
    source = str(r.inputs.get("eventSourceArn", ""))
    if not source.startswith("arn:aws:sqs:"):
        topo.unsupported.append(f"{r.type} ({r.name}): event source {source} is not an SQS queue")
        return
    function = topo.function_by_name_or_arn(str(r.inputs.get("functionName", "")))
    if function is None:
        topo.unsupported.append(f"{r.type} ({r.name}): function {r.inputs.get('functionName')} is not in the plan")
        return
    region, account, queue_name = source.split(":", 5)[3:]
    topo.mappings.append(
        MappingInfo(
            queue_name=queue_name,
            queue_url=f"https://sqs.{region}.amazonaws.com/{account}/{queue_name}",
            function=function,
            batch_size=int(r.inputs.get("batchSize", 10)),
            enabled=r.inputs.get("enabled", True),
            max_concurrency=int(
                (r.inputs.get("scalingConfig") or {}).get("maximumConcurrency") or DEFAULT_MAX_CONCURRENCY
            ),
        )
    )


def _register_stream(r: CapturedResource, topo: Topology, **_: Any) -> None:
    destination = str(r.inputs.get("destination", ""))
    config = r.inputs.get("extendedS3Configuration") or r.inputs.get("opensearchConfiguration") or {}
    bucket_arn = config.get("bucketArn") or (config.get("s3Configuration") or {}).get("bucketArn")
    transform = None
    processing = config.get("processingConfiguration") or {}
    if processing.get("enabled"):
        for processor in processing.get("processors") or []:
            for parameter in processor.get("parameters") or []:
                if parameter.get("parameterName") == "LambdaArn":
                    transform = str(parameter.get("parameterValue"))
    name = str(r.outputs.get("name") or r.inputs.get("name"))
    topo.streams[name] = StreamInfo(
        name=name,
        arn=r.outputs.get("arn", ""),
        destination=destination,
        config=config,
        bucket=str(bucket_arn).split(":::")[-1] if bucket_arn else None,
        transform_arn=transform,
    )


def _set_redrive_allow_policy(r: CapturedResource, topo: Topology, *, sqs: Any, **_: Any) -> None:
    """SetQueueAttributes RedriveAllowPolicy on the dead-letter queue, as the provider does."""
    url = str(r.inputs["queueUrl"])
    sqs.set_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1])["QueueUrl"],
        Attributes={"RedriveAllowPolicy": str(r.inputs["redriveAllowPolicy"])},
    )


_HANDLERS: dict[str, Callable[..., None]] = {
    "aws:sqs/queue:Queue": _create_queue,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _set_redrive_allow_policy,
    "aws:sns/topic:Topic": _create_topic,
    "aws:sns/topicSubscription:TopicSubscription": _create_subscription,
    "aws:dynamodb/table:Table": _create_table,
    "aws:s3/bucket:Bucket": _create_bucket,
    "aws:s3/bucketV2:BucketV2": _create_bucket,
    "aws:lambda/function:Function": _register_function,
    "aws:lambda/eventSourceMapping:EventSourceMapping": _register_mapping,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _register_stream,
}
# Dead-letter queues before the queues that redrive to them, topics before subscriptions.
_ORDER = {
    "aws:sqs/queue:Queue": 0,
    "aws:sns/topic:Topic": 1,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketV2:BucketV2": 1,
    "aws:dynamodb/table:Table": 1,
    "aws:sns/topicSubscription:TopicSubscription": 2,
    "aws:lambda/function:Function": 3,
    "aws:lambda/eventSourceMapping:EventSourceMapping": 4,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": 4,
}
