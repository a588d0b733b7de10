"""Pulumi mocks that answer like AWS would and a monitor that records every registration."""

from __future__ import annotations

import hashlib
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.sync_await import _sync_await

from local.account import ACCOUNT_ID, REGION
from local.capture.model import CapturedResource

UNKNOWN = rpc.UNKNOWN


def _suffix(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:7]


def _auto_name(args: pulumi_mocks.MockResourceArgs, key: str = "name", max_len: int = 80) -> str:
    """Physical name as the provider would choose it: the given one, or ``<name>-<7 hex>``."""
    given = args.inputs.get(key)
    if isinstance(given, str) and given:
        return given
    prefix = args.inputs.get(f"{key}Prefix")
    base = prefix if isinstance(prefix, str) and prefix else f"{args.name}-"
    return (base + _suffix(args.typ + args.name))[:max_len]


def _arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}"


def _outputs_for(
    args: pulumi_mocks.MockResourceArgs, stack_outputs: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """Return (id, state) for a resource, computing the attributes AWS would assign."""
    typ, inputs = args.typ, dict(args.inputs)
    if typ == "aws:sqs/queue:Queue":
        name = _auto_name(args)
        if inputs.get("fifoQueue") and not name.endswith(".fifo"):
            name = name[:75] + ".fifo"
        url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"
        return url, {**inputs, "name": name, "url": url, "arn": _arn("sqs", name)}
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
            "uniqueId": "AROA" + _suffix(name).upper(),
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
            "endpoint": f"search-{name}-{_suffix(name)}.{REGION}.es.amazonaws.com",
            "domainId": f"{ACCOUNT_ID}/{name}",
        }
    if typ == "aws:sns/topicSubscription:TopicSubscription":
        topic = str(inputs.get("topic") or "topic")
        arn = f"{topic}:{_suffix(args.name)}"
        return arn, {**inputs, "arn": arn}
    if typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
        uuid = _suffix(args.name) + "-0000-4000-8000-000000000000"
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
    if typ == "pulumi:pulumi:StackReference":
        ref = str(inputs.get("name") or args.name)
        if ref not in stack_outputs:
            from local.capture.outputs import resolve_stack_reference

            stack_outputs[ref] = resolve_stack_reference(ref)
        return ref, {"name": ref, "outputs": stack_outputs[ref], "secretOutputNames": []}
    service = typ.split(":")[1].split("/")[0] if ":" in typ else "unknown"
    name = _auto_name(args)
    return f"{name}-id", {**inputs, "arn": _arn(service, name)}


class CaptureMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes with what AWS would return."""

    def __init__(self, stack_outputs: dict[str, dict[str, Any]], preview: bool = False) -> None:
        self.stack_outputs = stack_outputs
        self.preview = preview

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        resource_id, state = _outputs_for(args, self.stack_outputs)
        if self.preview and args.typ != "pulumi:pulumi:StackReference":
            # As in `pulumi preview` of a new stack: what AWS assigns (ARNs, URLs, ids) is not known yet.
            return None, dict(args.inputs)
        return resource_id, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict[Any, Any]:  # type: ignore[override]
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/eventfork",
                "userId": "AIDA",
                "id": ACCOUNT_ID,
            }
        if token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION, "description": "US East (N. Virginia)"}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:opensearch/getDomain:getDomain":
            name = str(args.args.get("domainName") or "domain")
            return {
                "domainName": name,
                "arn": _arn("es", f"domain/{name}"),
                "endpoint": f"search-{name}-{_suffix(name)}.{REGION}.es.amazonaws.com",
                "domainId": f"{ACCOUNT_ID}/{name}",
                "id": name,
            }
        return {}


class CaptureMonitor(pulumi_mocks.MockMonitor):
    """Mock monitor that keeps every registration with its URN, parent and wire inputs."""

    def __init__(self, mocks: CaptureMocks) -> None:
        super().__init__(mocks)
        self.captured: list[CapturedResource] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine builds them: the root stack's type is not part of a child's type."""
        if parent and parent.split("::")[2] != "pulumi:pulumi:Stack":
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{settings.get_stack()}::{settings.get_project()}::{type_}::{name}"

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        registration = self.resources.get(response.urn)
        self.captured.append(
            CapturedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                inputs=_plain(inputs),
                custom=bool(request.custom),
                provider=request.provider,
                protect=bool(request.protect),
                ignore_changes=list(request.ignoreChanges),
                dependencies=list(request.dependencies),
                id=registration.id if registration else "",
                outputs=_plain(registration.state) if registration else {},
            )
        )
        return response


def _plain(value: Any) -> Any:
    """Convert protobuf-deserialized values (and unknowns) into plain JSON-able Python."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, pulumi.FileArchive):
        return {"archive": value.path}
    if isinstance(value, pulumi.AssetArchive):
        return {"assets": {k: _plain(v) for k, v in value.assets.items()}}
    if isinstance(value, pulumi.FileAsset):
        return {"path": value.path}
    return str(value)


def run_program(
    *,
    main: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    mocks: CaptureMocks,
    monitor: CaptureMonitor,
    preview: bool,
) -> dict[str, Any]:
    """Run ``main`` as the Pulumi engine would (fresh runtime state) and return its stack outputs."""
    settings.reset_options(project=project, stack=stack, preview=preview)
    set_all_config(config, [])
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    root = settings.get_root_resource()
    program_dir = str(main.parent)
    saved_path = list(sys.path)
    saved_modules = set(sys.modules)
    sys.path.insert(0, program_dir)
    try:

        def program() -> None:
            runpy.run_path(str(main), run_name="__main__")

        _sync_await(pulumi.runtime.stack.run_pulumi_func(program))
    finally:
        sys.path[:] = saved_path
        _forget_program_modules(saved_modules, main.parent)
    outputs = getattr(root, "outputs", {}) or {}
    return {key: _plain(_resolve(value)) for key, value in outputs.items()}


def _resolve(value: Any) -> Any:
    if isinstance(value, pulumi.Output):
        return _sync_await(value.future())
    return value


def _forget_program_modules(before: set[str], program_dir: Path) -> None:
    """Unload the program's own modules so another project with same-named modules loads its own."""
    root = str(program_dir.resolve())
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(root):
            del sys.modules[name]
