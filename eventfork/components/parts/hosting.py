"""What lets Pulumi's Python component provider host the components (``pulumi package add``).

The provider infers the package schema from each component's annotations (its ``args`` type and its
outputs) and the docstring under each field. Two things it does not see on its own are given to it
here, without changing what Python callers write or get:

- ``schema_view`` resolves postponed annotations (``from __future__ import annotations``) into types,
  and presents a dataclass field that has a default as ``Optional``: the schema makes it an optional
  input, and when a consumer leaves it out the dataclass applies its default.
- ``hosted`` turns the provider's inputs (a mapping with Python names, nested types as mappings) back
  into the args dataclass, and gives the component the type token the provider serves,
  ``eventfork:index:<Component>``, with an alias to the module token a Python program registers
  (``eventfork:buffer:FifoEventBuffer``...), so a stack moving between the two keeps its resources.
  Declared from Python, a component keeps its module token: existing stacks' URNs do not change.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi

from eventfork.config_schema import ConfigError, check_section

PACKAGE = "eventfork"
T = TypeVar("T")


def schema_view(cls: type[T]) -> type[T]:
    """Annotations as the schema inference needs them: resolved, and defaulted fields ``Optional``."""
    if dataclasses.is_dataclass(cls):
        hints = {}
        for base in reversed(cls.__mro__[:-1]):  # inherited fields too, the subclass's last
            hints.update(_resolved(base))
        defaulted = {
            f.name
            for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        }
        view = {name: _optional(hint) if name in defaulted else hint for name, hint in hints.items()}
    else:  # a component: only its own outputs, not Resource's urn and friends
        view = _resolved(cls)
        init = cls.__dict__.get("__init__")
        if init is not None:
            init.__annotations__ = typing.get_type_hints(init)
    cls.__annotations__ = view
    return cls


def _resolved(cls: type) -> dict[str, Any]:
    """The class's own annotations, strings evaluated in its module."""
    namespace = vars(sys.modules[cls.__module__])
    own = cls.__dict__.get("__annotations__", {})
    return {name: eval(hint, namespace) if isinstance(hint, str) else hint for name, hint in own.items()}  # noqa: S307


def _optional(hint: Any) -> Any:
    return hint if type(None) in typing.get_args(hint) else typing.Optional[hint]  # noqa: UP045


def hosted(
    args: T | Mapping[str, Any],
    build: Callable[[Mapping[str, Any]], T],
    module_token: str,
    opts: pulumi.ResourceOptions | None,
) -> tuple[T, str, pulumi.ResourceOptions | None]:
    """(args, type token, options) for a component declared from Python or constructed by the provider."""
    if not isinstance(args, Mapping):
        return args, module_token, opts
    package_token = f"{PACKAGE}:index:{module_token.rsplit(':', 1)[-1]}"
    alias = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=module_token)])
    return build(args), package_token, pulumi.ResourceOptions.merge(opts, alias)


def args_from_inputs(cls: type[T], inputs: Mapping[str, Any], **nested: Callable[[Any], Any]) -> T:
    """``cls`` from the provider's inputs; a missing (None) input takes the field's default.

    ``nested`` converts the inputs of the named fields (nested types arrive as mappings).
    """
    values = {key: value for key, value in inputs.items() if value is not None}
    integers = {name for name, hint in cls.__annotations__.items() if int in (hint, *typing.get_args(hint))}
    values = {key: _integer(value) if key in integers else value for key, value in values.items()}
    for key, convert in nested.items():
        if key in values:
            values[key] = convert(values[key])
    return cls(**values)


def checked_section(cls: type[T], key: str = "config") -> Callable[[Any], T]:
    """Turns the provider's input for a config section into ``cls``, checked as stack config is.

    Problems (each naming the key, the value and what is allowed) raise ConfigError before the
    component declares anything.
    """

    integers = {f.name for f in dataclasses.fields(cls) if f.metadata["rule"].kind == "int"}  # type: ignore[arg-type]

    def convert(raw: Any) -> T:
        if isinstance(raw, Mapping):
            raw = {key: _integer(value) if key in integers else value for key, value in raw.items()}
        problems: list[str] = []
        section = check_section(key, raw, cls, problems)
        if problems:
            raise ConfigError(problems)
        return section

    return convert


def _integer(value: Any) -> Any:
    """Numbers arrive as floats over the wire (and the provider passes them on as they came): 60.0 is 60."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
