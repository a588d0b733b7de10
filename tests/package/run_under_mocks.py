"""Runs a Pulumi program under Pulumi's mocks and prints what it declared, as JSON (one line).

Started by the distribution test with a fresh virtualenv's Python: only what that environment can
import is used (no repository path), so the program gets eventfork from the installed distribution.
"""

import json
import runpy
import sys
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await


class EchoMocks(pulumi.runtime.Mocks):
    """A resource's outputs are its inputs, with an ARN and a name, as a provider would answer."""

    def __init__(self) -> None:
        self.declared: list[dict[str, Any]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.declared.append({"type": args.typ, "name": args.name, "inputs": _plain(args.inputs)})
        name = str(args.inputs.get("name") or args.name)
        return f"{name}-id", {"arn": f"arn:aws:mock:us-east-1:123456789012:{name}", "name": name, **args.inputs}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {"accountId": "123456789012", "partition": "aws", "region": "us-east-1", "name": "us-east-1"}, []


def _plain(value: Any) -> Any:
    """Inputs as JSON (archives by the paths they were built from)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": _plain(value.assets)}
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return {"path": value.path}
    return value if isinstance(value, str | int | float | bool | type(None)) else repr(value)


if __name__ == "__main__":
    mocks = EchoMocks()
    pulumi.runtime.set_mocks(mocks, project="eventfork-package-python", stack="dev", preview=False)
    _sync_await(pulumi.runtime.stack.run_pulumi_func(lambda: runpy.run_path(sys.argv[1], run_name="__main__")))
    import eventfork

    print(json.dumps({"eventfork": eventfork.__file__, "declared": mocks.declared}))
