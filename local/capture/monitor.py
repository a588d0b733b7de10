"""The mock resource monitor: Pulumi's stock ``MockMonitor``, recording every registration as the engine gets it.

It differs from the stock monitor in one way that matters: a resource passed as an input arrives as
a resource reference, and the stock monitor rehydrates it into a ``Resource`` on the gRPC worker
thread, whose event loop is not the program's (the run then fails with "attached to a different
loop" or hangs, at random). Here references are downgraded first, to the id of a custom resource
or the URN of a component, which is what the engine hands a provider and an analyzer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings
from pulumi.runtime.proto import provider_pb2, resource_pb2

from local.capture.account_lookups import LookupFailedError
from local.capture.invokes import ACCOUNT_ANSWERS
from local.capture.model import CapturedResource
from local.capture.policy_document import PolicyDocumentError
from local.capture.wire import (
    SECRET_SIG,
    SIG,
    UNKNOWN,
    downgrade_references,
    from_struct,
    is_secret,
    plain,
    to_struct,
    unwrap_secrets,
)


def _seconds(duration: str) -> float:
    """A Go duration (``5m``, ``1h30m``, ``90s``) in seconds, as the engine converts custom timeouts."""
    if not duration:
        return 0
    total, number = 0.0, ""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    i = 0
    while i < len(duration):
        char = duration[i]
        if char.isdigit() or char == ".":
            number += char
            i += 1
            continue
        unit = "ms" if duration[i : i + 2] == "ms" else char
        total += float(number or 0) * units.get(unit, 0)
        number, i = "", i + len(unit)
    return total + (float(number) if number else 0)


@contextlib.contextmanager
def _thread_event_loop() -> Iterator[None]:
    """An event loop for a gRPC worker thread that has none (the SDK's helpers need one), closed after the call.

    A loop left open on a worker thread is finalised whenever garbage collection gets to it, and then
    fails on its already closed self-pipe ("Invalid file descriptor: -1") after the run has ended.
    """
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            yield
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        return
    yield


def _contains_unknown(value: Any) -> bool:
    """Whether an unknown value is anywhere in ``value`` (the SDK's own check misses one in a list of strings)."""
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return value == UNKNOWN


class CaptureMonitor(pulumi_mocks.MockMonitor):
    """Mock monitor that keeps every registration with its URN, parent, options and wire inputs."""

    def __init__(self, mocks: Any) -> None:
        super().__init__(mocks)
        self.captured: list[CapturedResource] = []
        self.stack_urn = ""
        self.unanswered: list[str] = []
        self.answered_offline: list[str] = []  # lookups answered from the emulator's account
        self.not_known_arguments: list[str] = []  # invokes given a value not known yet: result unknown
        self.packages: dict[str, tuple[str, str]] = {}
        self.base_dir: Any = None  # the program's directory (relative asset paths resolve there)
        # set by run_program: older SDKs keep settings in context variables a gRPC thread does not see
        self.stack, self.project = "", ""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine builds them: the root stack's type is not part of a child's type."""
        if parent and parent.split("::")[2] != "pulumi:pulumi:Stack":
            type_ = parent.split("::")[2] + "$" + type_
        stack, project = self.stack or settings.get_stack(), self.project or settings.get_project()
        return f"urn:pulumi:{stack}::{project}::{type_}::{name}"

    def RegisterPackage(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        ref = f"package-{request.name}-{request.version}"
        self.packages[ref] = (request.name, request.version)
        return resource_pb2.RegisterPackageResponse(ref=ref)

    def _version(self, request: Any) -> str:
        if request.version:
            return str(request.version)
        return self.packages.get(getattr(request, "packageRef", ""), ("", ""))[1]

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        with _thread_event_loop():
            return self._register_resource(request)

    def _register_resource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        wire = downgrade_references(from_struct(request.object))
        extra: dict[str, Any] = {}
        if hasattr(pulumi_mocks, "_resolve_callbacks"):  # pulumi SDKs that pass transforms to mocks
            extra["transforms"] = pulumi_mocks._resolve_callbacks(request.transforms)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=unwrap_secrets(wire),
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
            **extra,
        )
        if request.type == "pulumi:providers:aws":
            getattr(self.mocks, "provider_regions", {})[urn] = args.inputs.get("region") or None
        resource_id, state = self.mocks.new_resource(args)
        if request.remote:  # its provider builds it and its children are not registered offline: outputs unknown
            resource_id, state = None, {}
        resource_id = "" if resource_id in (None, UNKNOWN) else str(resource_id)
        state = {
            k: ({SIG: SECRET_SIG, "value": v} if is_secret(wire.get(k)) and not is_secret(v) else v)
            for k, v in state.items()
        }
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id, state)
        timeouts = request.customTimeouts
        self.captured.append(
            CapturedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                inputs=plain(wire, self.base_dir),
                custom=bool(request.custom),
                provider=request.provider,
                protect=bool(request.protect),
                ignore_changes=list(request.ignoreChanges),
                dependencies=sorted(request.dependencies),
                id=resource_id,
                outputs=plain(state, self.base_dir),
                wire=wire,
                wire_outputs=state,
                property_dependencies={k: sorted(v.urns) for k, v in sorted(request.propertyDependencies.items())},
                custom_timeouts={
                    k: _seconds(getattr(timeouts, k)) for k in ("create", "update", "delete") if getattr(timeouts, k)
                },
                delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
                aliases=list(request.aliasURNs),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                remote=bool(request.remote),
                package_version=self._version(request),
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=to_struct(state))

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        with _thread_event_loop():
            return self._read_resource(request)

    def _read_resource(self, request: Any) -> Any:
        wire = downgrade_references(from_struct(request.properties))
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=unwrap_secrets(wire),
            provider=request.provider,
            resource_id=request.id,
        )
        resource_id, state = self.mocks.new_resource(args)
        urn = self.make_urn(request.parent, request.type, request.name)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, str(resource_id or ""), state)
        return resource_pb2.ReadResourceResponse(urn=urn, properties=to_struct(state))

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        with _thread_event_loop():
            return self._invoke(request)

    def _invoke(self, request: Any) -> Any:
        if request.tok == "pulumi:pulumi:getResource":
            return super().Invoke(request)
        args = unwrap_secrets(downgrade_references(from_struct(request.args)))
        if _contains_unknown(args):  # e.g. a filter on the id of a VPC not created yet: no answer until it is
            self.not_known_arguments.append(request.tok)
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        try:
            result = self.mocks.call(pulumi_mocks.MockCallArgs(token=request.tok, args=args, provider=request.provider))
        except (PolicyDocumentError, LookupFailedError) as error:
            failure = provider_pb2.CheckFailure(property="", reason=str(error))
            return resource_pb2.ResourceInvokeResponse(failures=[failure])
        if not isinstance(result, (dict, tuple)):  # the provider would need AWS to answer
            self.unanswered.append(request.tok)
            return resource_pb2.ResourceInvokeResponse(unknown=True)
        if request.tok in ACCOUNT_ANSWERS:
            self.answered_offline.append(request.tok)
        failures = None
        answer: dict[str, Any] = result if isinstance(result, dict) else result[0]
        if isinstance(result, tuple):
            failures = [provider_pb2.CheckFailure(property=p, reason=r) for p, r in result[1] or []]
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct(answer), "failures": failures})
