"""Pulumi mocks that answer as the provider would offline, and the mock monitor (re-exported).

A resource's outputs are its inputs (as a provider echoes them) plus, when the run models a
deployment into the emulator's account, what AWS assigns for the types the emulator models (names,
ARNs, URLs, ids; see ``aws_outputs``). Anything else a provider computes stays unknown: the runtime
runs in preview mode, so an output the mocks do not return is unknown, never ``None``. In preview
mode (as in a first ``pulumi preview``) nothing AWS assigns is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from local.account import REGION
from local.capture.aws_outputs import modelled_outputs, suffix
from local.capture.invokes import UNANSWERED, answer, partition_of
from local.capture.model import CaptureError
from local.capture.preview_outputs import planned_state
from local.capture.provider_types import provider_typed
from local.capture.wire import UNKNOWN

STACK_REFERENCE = "pulumi:pulumi:StackReference"
StackResolver = Callable[[str], dict[str, Any]]


def _regional(value: Any, region: str | None) -> Any:
    """Move a value computed for ``REGION`` to the stack's region (unknown when none is set), and its
    ARNs to that region's partition (``arn:aws-us-gov:iam::...`` in GovCloud, global ARNs too)."""
    if isinstance(value, dict):
        return {k: _regional(v, region) for k, v in value.items()}
    if isinstance(value, list):
        return [_regional(v, region) for v in value]
    if isinstance(value, str) and (f":{REGION}:" in value or f".{REGION}." in value):
        if region is None:
            return UNKNOWN
        value = value.replace(f":{REGION}:", f":{region}:").replace(f".{REGION}.", f".{region}.")
    if isinstance(value, str) and region is not None and "arn:aws:" in value:
        value = value.replace("arn:aws:", f"arn:{partition_of(region)['partition']}:")
    return value


class CaptureMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes as the provider would without calling AWS."""

    def __init__(
        self,
        stack_outputs: dict[str, dict[str, Any]],
        preview: bool = False,
        region: str | None = REGION,
        resolve_stack: StackResolver | None = None,
        secret_outputs: dict[str, list[str]] | None = None,
    ) -> None:
        self.stack_outputs = stack_outputs
        self.secret_outputs = secret_outputs or {}
        self.preview = preview
        self.region = region
        self.resolve_stack = resolve_stack
        self.provider_regions: dict[str, str | None] = {}  # explicit provider URN -> its region

    def region_for(self, provider_ref: str | None) -> str | None:
        urn = (provider_ref or "").rsplit("::", 1)[0]
        return self.provider_regions.get(urn, self.region) if urn in self.provider_regions else self.region

    def _stack_reference(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        from local.capture.outputs import matching_stack

        ref = str(args.inputs.get("name") or args.name)
        supplied = matching_stack(ref, sorted(self.stack_outputs))
        if supplied is not None:
            names = sorted(self.secret_outputs.get(supplied, []))
            return ref, {"name": ref, "outputs": self.stack_outputs[supplied], "secretOutputNames": names}
        if ref not in self.stack_outputs:
            if self.resolve_stack is None:
                raise CaptureError(
                    f"StackReference {ref!r}: its outputs were not given; give them with --stack-outputs STACK=FILE"
                )
            self.stack_outputs[ref] = self.resolve_stack(ref)
        names = sorted(self.secret_outputs.get(ref, []))
        return ref, {"name": ref, "outputs": self.stack_outputs[ref], "secretOutputNames": names}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        resource_id, outputs = self._outputs(args)
        return resource_id, provider_typed(args.typ, outputs)

    def _outputs(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args)
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return (None if self.preview else f"{args.name}-{suffix(args.name)}"), inputs
        if args.resource_id:  # a read of an existing resource: only what the program gave is known
            return args.resource_id, inputs
        if self.preview:  # as in `pulumi preview` of a new stack: what AWS assigns is not known yet
            if not args.custom:
                return None, inputs
            return None, planned_state(args, self.region_for(args.provider))
        modelled = modelled_outputs(args)
        region = self.region_for(args.provider)
        if modelled is None:
            if not args.custom:
                return None, inputs
            service = args.typ.split(":")[1].split("/")[0] if ":" in args.typ else "unknown"
            name = str(inputs.get("name") or f"{args.name}-{suffix(args.typ + args.name)}")
            return f"{name}-id", {**inputs, "arn": _regional(f"arn:aws:{service}:{REGION}:123456789012:{name}", region)}
        resource_id, state = modelled
        computed = {k: _regional(v, region) for k, v in state.items() if k not in inputs or inputs[k] != v}
        return _regional(resource_id, region), {**state, **computed}

    def call(self, args: pulumi_mocks.MockCallArgs) -> Any:  # type: ignore[override]
        return answer(args.token, dict(args.args), self.region_for(args.provider), deployed=not self.preview)


from local.capture.monitor import CaptureMonitor  # noqa: E402 - re-exported for callers of this module
from local.capture.runtime import run_program  # noqa: E402

__all__ = ["UNANSWERED", "CaptureMocks", "CaptureMonitor", "run_program"]
