"""EventFanOut through Pulumi's Python component provider, as ``pulumi package add`` uses it.

The provider is started as the engine starts a plugin (a process that prints its port), asked for
its schema over gRPC, and a component is constructed through the provider's ``construct`` under
Pulumi's mock runtime. Only EventFanOut is hosted so far (see docs/package.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.fanout import EventFanOut
from local.capture.mocks import CaptureMocks

HOST = Path(__file__).resolve().parent / "host_fanout.py"
TOKEN = "eventfork:index:EventFanOut"
OUTPUTS = {
    "topicArn",
    "topicName",
    "kmsKeyArn",
    "primaryQueueUrl",
    "primaryQueueArn",
    "primaryDlqUrl",
    "primaryDlqArn",
    "primarySubscriptionArn",
}


@pytest.fixture(scope="module")
def schema() -> Iterator[dict[str, Any]]:
    """GetSchema over gRPC from the provider process; the engine address is never dialled for it."""
    process = subprocess.Popen(
        [sys.executable, str(HOST), "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
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


def test_schema_names_the_package_and_the_component(schema: dict[str, Any]) -> None:
    assert schema["name"] == "eventfork" and schema["version"] == "0.1.0"
    assert TOKEN in schema["resources"]
    assert schema["resources"][TOKEN]["isComponent"] is True
    assert "SNS" in schema["resources"][TOKEN]["description"] or "Topic" in schema["resources"][TOKEN]["description"]


def test_every_input_and_output_is_typed_and_described(schema: dict[str, Any]) -> None:
    resource = schema["resources"][TOKEN]
    inputs, outputs = resource["inputProperties"], resource["properties"]
    assert {"namePrefix", "fifo", "archiveRetentionDays", "tags"} <= set(inputs)
    assert set(outputs) == OUTPUTS
    for kind, properties in (("input", inputs), ("output", outputs)):
        for name, prop in properties.items():
            assert prop.get("description", "").strip(), f"{kind} {name} has no description"
            assert "type" in prop or "$ref" in prop, f"{kind} {name} has no type"
    assert inputs["namePrefix"]["type"] == "string"
    assert inputs["primaryRetentionSeconds"]["type"] == "integer"
    assert inputs["tags"]["type"] == "object" and inputs["tags"]["additionalProperties"]["type"] == "string"
    assert "archiveRetentionDays" not in resource["requiredInputs"]
    assert set(resource["required"]) == OUTPUTS


INPUTS = {
    "name_prefix": "eventfork-pkg",
    "fifo": True,
    "primary_name": "primary",
    "primary_visibility_timeout_seconds": 30,
    "primary_retention_seconds": 1209600,
    "primary_max_receive_count": 5,
    "primary_high_throughput": True,
    "kms_deletion_window_days": 7,
    "tags": {"team": "platform"},
}


class RecordingMocks(CaptureMocks):
    def __init__(self) -> None:
        super().__init__({})
        self.registered: list[tuple[str, str, dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append((args.typ, args.name, dict(args.inputs)))
        return super().new_resource(args)


def test_construct_round_trip_under_mocks() -> None:
    """Schema-named inputs in, the component's declared outputs back as its state."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="eventfork", stack="pkg", preview=False)
    provider = ComponentProvider([EventFanOut], "eventfork", None, "0.1.0")
    camel = {"".join([k.split("_")[0], *(w.title() for w in k.split("_")[1:])]): v for k, v in INPUTS.items()}
    result = provider.construct("orders", TOKEN, camel, None)
    seen: dict[str, Any] = {}

    def record(values: list[Any]) -> None:
        seen["urn"], seen["state"] = values[0], values[1]

    state = pulumi.Output.all(*result.state.values()).apply(lambda vs: dict(zip(result.state, vs, strict=True)))
    done = pulumi.Output.all(result.urn, state).apply(record)
    pulumi.runtime.sync_await._sync_await(done.future())  # type: ignore[attr-defined]
    assert seen, "the construct result never resolved"
    assert seen["urn"].endswith("::orders") and "EventFanOut" in seen["urn"]
    assert set(seen["state"]) == OUTPUTS
    assert seen["state"]["topicName"].endswith(".fifo")
    types = [typ for typ, _, _ in mocks.registered]
    assert "aws:sns/topic:Topic" in types and "aws:sqs/queue:Queue" in types and "aws:kms/key:Key" in types
    topic = next(inputs for typ, _, inputs in mocks.registered if typ == "aws:sns/topic:Topic")
    assert topic["fifoTopic"] is True and topic["tags"]["team"] == "platform"


def test_construct_refuses_missing_required_input() -> None:
    pulumi.runtime.set_mocks(RecordingMocks(), project="eventfork", stack="pkg", preview=False)
    provider = ComponentProvider([EventFanOut], "eventfork", None, "0.1.0")
    with pytest.raises(Exception, match="namePrefix"):
        provider.construct("orders", TOKEN, {"fifo": True}, None)
