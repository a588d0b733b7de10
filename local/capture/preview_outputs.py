"""What a provider returns for a resource it would create, at preview: the inputs, and every computed output unknown.

At preview the engine does not create anything: the provider plans the create and returns the
inputs with each property it computes (an ARN, a URL, an Optional+Computed setting left unset)
unknown, and those outputs are what ``AnalyzeStack`` sees. Which properties a provider computes is
in its schema, which its Python SDK carries: an output the provider always sets (required or
computed) is typed ``Output[T]``, one it may leave unset ``Output[Optional[T]]``. Two computed
outputs are known at plan time: ``tagsAll`` (the tags merged with the provider's default tags) and,
from pulumi-aws 7, ``region`` (the provider's region); and a physical name the program leaves out is
chosen by the provider's autonaming before the plan (``<name>-<7 hex>``, ``.fifo`` kept for a FIFO
queue or topic), so it is known too.
"""

from __future__ import annotations

import functools
import importlib
import typing
from typing import Any

from pulumi._types import _py_properties

from local.capture.aws_outputs import suffix
from local.capture.wire import UNKNOWN

MockResourceArgs = Any  # pulumi.runtime.mocks.MockResourceArgs


def _auto_name(args: MockResourceArgs) -> str:
    """``<resource name>-<7 hex>`` (``.fifo`` kept for a FIFO queue or topic), as the provider autonames."""
    name = f"{args.name}-{suffix(args.typ + args.name)}"
    fifo = args.inputs.get("fifoQueue") or args.inputs.get("fifoTopic")
    return name + ".fifo" if fifo is True else name


AUTONAMED = {"aws:s3/bucket:Bucket": "bucket", "aws:s3/bucketV2:BucketV2": "bucket"}  # others: ``name``


@functools.cache
def computed_outputs(type_token: str) -> tuple[str, ...]:
    """The outputs the provider always sets for ``type_token`` (camelCase), from its Python SDK; () if unknown."""
    resource_class = _sdk_class(type_token)
    if resource_class is None:
        return ()
    names = []
    for _python_name, name, prop in _py_properties(resource_class):
        annotation = getattr(prop.fget, "__annotations__", {}).get("return")
        if annotation is None or _may_be_unset(annotation):
            continue
        names.append(name)
    return tuple(sorted(names))


def _sdk_class(type_token: str) -> Any:
    """``aws:sqs/queue:Queue`` -> ``pulumi_aws.sqs.Queue`` (None when the package or class is not installed)."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0].startswith("pulumi"):
        return None
    package, module, name = parts
    module_path = module.split("/")[0]
    candidates = [f"pulumi_{package.replace('-', '_')}"]
    if module_path and module_path != "index":
        candidates = [f"{candidates[0]}.{module_path.replace('-', '_')}", *candidates]
    for candidate in candidates:
        try:
            found = getattr(importlib.import_module(candidate), name, None)
        except ImportError:
            continue
        if isinstance(found, type):
            return found
    return None


def _may_be_unset(annotation: Any) -> bool:
    """``Output[Optional[T]]``: the provider may leave the output unset (written as text or as a type)."""
    if isinstance(annotation, str):
        return "Optional[" in annotation.split("[", 1)[-1]
    args = typing.get_args(annotation)
    inner = args[0] if args else annotation
    return type(None) in typing.get_args(inner)


def planned_state(args: MockResourceArgs, region: str | None) -> dict[str, Any]:
    """The state the provider plans for a create: the inputs, each computed output not given unknown."""
    state = dict(args.inputs)
    computed = computed_outputs(args.typ)
    autonamed = AUTONAMED.get(args.typ, "name")
    for name in computed:
        if name in state:
            continue
        if name == autonamed and f"{name}Prefix" in computed and not args.inputs.get(f"{name}Prefix"):
            state[name] = _auto_name(args)
        elif name == "tagsAll":
            tags = args.inputs.get("tags")
            state[name] = tags if isinstance(tags, dict) else {}
        elif name == "region" and region:
            state[name] = region
        else:
            state[name] = UNKNOWN
    return state
