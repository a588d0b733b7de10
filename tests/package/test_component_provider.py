"""The five components through Pulumi's Python component provider, as ``pulumi package add`` uses them.

The provider is started as the engine starts a plugin (a process that prints its port) and asked
for its schema over gRPC; components are constructed through the provider's ``construct`` under
Pulumi's mock runtime.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import eventfork
from eventfork import (
    AnalyticsConfig,
    BackupConfig,
    EventFanOut,
    FifoEventBuffer,
    ReplayConfig,
    ReplayPipeline,
    SearchAnalyticsPipeline,
    StorageBackupPipeline,
)
from local.capture.mocks import CaptureMocks
from tests.package.plugin_launch import plugin_launch

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = yaml.safe_load((ROOT / "PulumiPlugin.yaml").read_text())
ENGINE_ADDRESS = "127.0.0.1:1"
COMPONENTS = [FifoEventBuffer, EventFanOut, StorageBackupPipeline, SearchAnalyticsPipeline, ReplayPipeline]
# The type each component registers when a Python program declares it (existing stacks' URNs).
MODULE_TOKENS = {
    "FifoEventBuffer": "eventfork:buffer:FifoEventBuffer",
    "EventFanOut": "eventfork:fanout:EventFanOut",
    "StorageBackupPipeline": "eventfork:pipelines:StorageBackupPipeline",
    "SearchAnalyticsPipeline": "eventfork:pipelines:SearchAnalyticsPipeline",
    "ReplayPipeline": "eventfork:pipelines:ReplayPipeline",
}
CONFIG_TYPES = {"BackupConfig": BackupConfig, "AnalyticsConfig": AnalyticsConfig, "ReplayConfig": ReplayConfig}
FANOUT_OUTPUTS = {
    "topicArn",
    "topicName",
    "kmsKeyArn",
    "primaryQueueUrl",
    "primaryQueueArn",
    "primaryDlqUrl",
    "primaryDlqArn",
    "primarySubscriptionArn",
}


def start_provider(
    host: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """GetSchema over gRPC from a provider process; the engine address is never dialled for it."""
    command = host if host[-1] == ENGINE_ADDRESS else [*host, ENGINE_ADDRESS]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the provider printed no port: {process.stderr.read() if process.stderr else ''}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            reply = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
        yield json.loads(reply.schema)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The provider as ``pulumi package add`` starts it: the language host's own command, from a
    consumer's directory, with the plugin's virtualenv activated (``plugin_launch.py``)."""
    launch = plugin_launch(ROOT, ENGINE_ADDRESS, tmp_path_factory.mktemp("consumer"))
    yield from start_provider(launch.command, launch.cwd, launch.env)


def test_the_cli_runs_the_plugins_own_main() -> None:
    """Not ``python -m pulumi.run.plugin eventfork``: that path hosts the package at version 0.0.0."""
    launch = plugin_launch(ROOT, ENGINE_ADDRESS, ROOT)
    assert launch.mode == "directory" and launch.command[1:] == [str(ROOT), ENGINE_ADDRESS]
    assert "main" not in PLUGIN, "PulumiPlugin.yaml has no main field for plugins: the CLI ignores it"


def test_schema_names_the_package_and_every_component(schema: dict[str, Any]) -> None:
    assert schema["name"] == "eventfork"
    assert schema["version"] == eventfork.__version__ == "0.1.0", "generated SDKs take the schema's version"
    assert set(schema["resources"]) == {f"eventfork:index:{c.__name__}" for c in COMPONENTS}
    for token, resource in schema["resources"].items():
        assert resource["isComponent"] is True, token
        assert resource.get("description", "").strip(), f"{token} has no description"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_every_input_and_output_is_typed_and_described(schema: dict[str, Any], component: type) -> None:
    resource = schema["resources"][f"eventfork:index:{component.__name__}"]
    inputs, outputs = resource["inputProperties"], resource["properties"]
    assert len(inputs) >= 4 and len(outputs) >= 7
    for kind, properties in (("input", inputs), ("output", outputs)):
        for name, prop in properties.items():
            assert prop.get("description", "").strip(), f"{kind} {name} has no description"
            assert "type" in prop or "$ref" in prop, f"{kind} {name} has no type"
    # Only what has no default is required; every setting with a default may be left out.
    args_type = component.__init__.__annotations__["args"]
    no_default = {
        f.name
        for f in dataclasses.fields(args_type)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    camel = {"".join([n.split("_")[0], *(w.title() for w in n.split("_")[1:])]) for n in no_default}
    assert set(resource["requiredInputs"]) == camel
    assert {"namePrefix"} <= camel


def test_input_types(schema: dict[str, Any]) -> None:
    buffer = schema["resources"]["eventfork:index:FifoEventBuffer"]["inputProperties"]
    assert buffer["namePrefix"]["type"] == "string" and buffer["intervalSeconds"]["type"] == "integer"
    assert buffer["pointInTimeRecovery"]["type"] == "boolean"
    assert buffer["tags"]["type"] == "object" and buffer["tags"]["additionalProperties"]["type"] == "string"
    fanout = schema["resources"]["eventfork:index:EventFanOut"]
    assert set(fanout["properties"]) == FANOUT_OUTPUTS and set(fanout["required"]) == FANOUT_OUTPUTS


@pytest.mark.parametrize("name", sorted(CONFIG_TYPES))
def test_pipeline_settings_are_a_typed_object_with_every_key_optional_and_described(
    schema: dict[str, Any], name: str
) -> None:
    """The nested settings (``config``) are the stack config sections: same keys, same descriptions."""
    typ = schema["types"][f"eventfork:index:{name}"]
    assert typ["type"] == "object" and not typ.get("required")
    fields = dataclasses.fields(CONFIG_TYPES[name])
    assert set(typ["properties"]) == {f.name for f in fields}
    for f in fields:
        described = typ["properties"][f.name]["description"].rstrip(".").lower()
        assert described == f.metadata["rule"].doc.rstrip(".").lower(), f.name
    kinds = {"bool": "boolean", "int": "integer", "str": "string", "list": "array", "dict": "object"}
    for f in fields:
        assert typ["properties"][f.name]["type"] == kinds[f.metadata["rule"].kind], f.name


class RecordingMocks(CaptureMocks):
    """Keeps each declared resource's type, name and inputs."""

    def __init__(self) -> None:
        super().__init__({})
        self.declared: list[tuple[str, str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.declared.append((args.typ, args.name, dict(args.inputs)))
        return super().new_resource(args)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps each registration's type and the types it is aliased to (the engine maps old URNs through them)."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks
        self.aliases: dict[str, list[str]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        self.aliases[request.type] = [a.spec.type for a in request.aliases if a.HasField("spec")]
        return super().RegisterResource(request)


def construct(token: str, name: str, inputs: dict[str, Any]) -> tuple[RecordingMonitor, dict[str, Any]]:
    """Construct through the provider under mocks; the URN and the state once resolved."""
    monitor = RecordingMonitor(RecordingMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="eventfork", stack="pkg", preview=False, monitor=monitor)
    provider = ComponentProvider(COMPONENTS, "eventfork", None, "0.1.0")
    result = provider.construct(name, token, inputs, None)
    seen: dict[str, Any] = {}

    def record(values: list[Any]) -> None:
        seen["urn"], seen["state"] = values[0], values[1]

    state = pulumi.Output.all(*result.state.values()).apply(lambda vs: dict(zip(result.state, vs, strict=True)))
    done = pulumi.Output.all(result.urn, state).apply(record)
    pulumi.runtime.sync_await._sync_await(done.future())  # type: ignore[attr-defined]
    assert seen, "the construct result never resolved"
    return monitor, seen


WIRING = {
    "namePrefix": "eventfork-pkg",
    "topicArn": "arn:aws:sns:us-east-1:123456789012:eventfork-pkg-fanout.fifo",
    "topicFifo": True,
    "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc",
}
CASES = {
    "EventFanOut": {"namePrefix": "eventfork-pkg", "primaryRetentionSeconds": 86400, "tags": {"team": "platform"}},
    "FifoEventBuffer": {
        "namePrefix": "eventfork-pkg",
        "topicArn": WIRING["topicArn"],
        "topicKmsKeyArn": WIRING["kmsKeyArn"],
        "intervalSeconds": 120.0,  # numbers arrive as floats over the wire
    },
    "StorageBackupPipeline": {**WIRING, "config": {"bufferingIntervalSeconds": 120.0, "redaction": False}},
    "SearchAnalyticsPipeline": {**WIRING, "config": {"instanceCount": 2.0}},
    "ReplayPipeline": {
        **WIRING,
        "destinationQueueArn": "arn:aws:sqs:us-east-1:123456789012:primary.fifo",
        "destinationQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/primary.fifo",
        "config": {"active": True},
    },
}


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_construct_round_trip_under_mocks(schema: dict[str, Any], component: type) -> None:
    """Schema-named inputs in; the component registers the served token, aliased to its module token."""
    token = f"eventfork:index:{component.__name__}"
    monitor, seen = construct(token, "orders", CASES[component.__name__])
    assert seen["urn"].endswith(f"{token}::orders")  # the mock monitor puts the stack type first
    outputs = schema["resources"][token]["properties"]
    assert set(seen["state"]) <= set(outputs) and set(schema["resources"][token]["required"]) <= set(seen["state"])
    assert monitor.aliases[token] == [MODULE_TOKENS[component.__name__]]
    assert any(typ.startswith("aws:") for typ, _, _ in monitor.recording.declared), "the component declared nothing"


def test_construct_applies_the_settings_it_is_given_and_the_defaults_it_is_not() -> None:
    monitor, _ = construct("eventfork:index:FifoEventBuffer", "buffer", CASES["FifoEventBuffer"])
    function = next(i for t, _, i in monitor.recording.declared if t == "aws:lambda/function:Function")
    env = function["environment"]["variables"]
    assert env["INTERVAL_SECONDS"] == "120" and env["MAX_ATTEMPTS"] == "5"  # 120.0 on the wire is the integer 120
    monitor, _ = construct("eventfork:index:StorageBackupPipeline", "backup", CASES["StorageBackupPipeline"])
    firehose = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
    stream = next(i for t, _, i in monitor.recording.declared if t == firehose)
    s3 = stream["extendedS3Configuration"]
    assert s3["bufferingInterval"] == 120 and s3["bufferingSize"] == BackupConfig().bufferingSizeMb
    assert "processingConfiguration" not in s3  # redaction off: no transform
    monitor, _ = construct("eventfork:index:EventFanOut", "fanout", CASES["EventFanOut"])
    queues = [i for t, _, i in monitor.recording.declared if t == "aws:sqs/queue:Queue"]
    primary = next(q for q in queues if "primary" in q["name"] and "dlq" not in q["name"])
    assert primary["messageRetentionSeconds"] == 86400 and primary["visibilityTimeoutSeconds"] == 30
    assert primary["tags"]["team"] == "platform"


def test_construct_refuses_missing_required_input() -> None:
    pulumi.runtime.set_mocks(CaptureMocks({}), project="eventfork", stack="pkg", preview=False)
    provider = ComponentProvider(COMPONENTS, "eventfork", None, "0.1.0")
    with pytest.raises(Exception, match="namePrefix"):
        provider.construct("orders", "eventfork:index:EventFanOut", {"fifo": True}, None)


def test_construct_refuses_bad_settings_naming_the_key() -> None:
    pulumi.runtime.set_mocks(CaptureMocks({}), project="eventfork", stack="pkg", preview=False)
    provider = ComponentProvider(COMPONENTS, "eventfork", None, "0.1.0")
    inputs = {**WIRING, "config": {"bufferingIntervalSeconds": 5000.0}}
    problem = r"config\.bufferingIntervalSeconds: got 5000; allowed: an integer from 0 to 900"
    with pytest.raises(Exception, match=problem):
        provider.construct("backup", "eventfork:index:StorageBackupPipeline", inputs, None)


def test_the_program_keeps_its_urns() -> None:
    """Declared from Python (infra/__main__.py), components keep the tokens existing stacks' URNs have."""
    from tests.infra.plans import plan

    resources = plan().resources
    components = {r.urn for r in resources if r.type.startswith("eventfork:")}
    assert components == {
        "urn:pulumi:dev::eventfork::eventfork:buffer:FifoEventBuffer::buffer",
        "urn:pulumi:dev::eventfork::eventfork:fanout:EventFanOut::fanout",
        "urn:pulumi:dev::eventfork::eventfork:ops:Observability::ops",
        "urn:pulumi:dev::eventfork::eventfork:pipelines:ReplayPipeline::replay",
        "urn:pulumi:dev::eventfork::eventfork:pipelines:StorageBackupPipeline::backup",
    }
    backup_queue = "urn:pulumi:dev::eventfork::eventfork:pipelines:StorageBackupPipeline$aws:sqs/queue:Queue::"
    backup_queue += "backup-queue"
    assert backup_queue in {r.urn for r in resources}
