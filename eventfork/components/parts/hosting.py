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
- ``flattened`` presents a component that takes a config section whole (``config=BufferConfig()``)
  with the section's settings as inputs of their own, named, typed and described by the section
  class itself, so a setting added there reaches the schema with no line here.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import linecache
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pulumi

from eventfork.config.schema import ConfigError, check_section

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


def flattened(args_cls: type, section: type, field_name: str = "config", skip: tuple[str, ...] = ()) -> type:
    """``args_cls`` as the schema shows it: ``field_name`` replaced by ``section``'s settings (but ``skip``).

    Each setting is an optional input named as stack config names it, described by its rule's doc
    and allowed values; left out, the section's own default applies (``args_from_flat_inputs``).
    The provider reads descriptions from source, so the class comes with source of its own.
    """
    wiring = [f for f in dataclasses.fields(args_cls) if f.name != field_name]
    wiring_hints, docs = schema_view(args_cls).__annotations__, _field_docs(args_cls)
    settings = [f for f in dataclasses.fields(section) if f.name not in skip]
    setting_hints = typing.get_type_hints(section)
    rows: list[tuple[str, Any, Any, str]] = []
    for f in wiring:
        default: Any = f.default
        if f.default_factory is not dataclasses.MISSING:
            default = dataclasses.field(default_factory=f.default_factory)
        rows.append((f.name, wiring_hints[f.name], default, docs.get(f.name, "")))
    for f in settings:
        rule = f.metadata["rule"]
        doc = f"{rule.doc[:1].upper()}{rule.doc[1:]}: {rule.describe()}."
        rows.append((f.name, _optional(setting_hints[f.name]), None, doc))
    name = f"{args_cls.__name__.removesuffix('Args')}Inputs"
    module = types.ModuleType(f"{args_cls.__module__}__{name}")
    module.__file__ = f"<{module.__name__}>"
    source = f"class {name}:\n" + "".join(f"    {n}: object\n    {doc!r}\n" for n, _, _, doc in rows)
    linecache.cache[module.__file__] = (len(source), None, source.splitlines(keepends=True), module.__file__)
    sys.modules[module.__name__] = module
    fields = [
        (n, hint, default if isinstance(default, dataclasses.Field) else dataclasses.field(default=default))
        if default is not dataclasses.MISSING
        else (n, hint)
        for n, hint, default, _ in rows
    ]
    flat = dataclasses.make_dataclass(name, fields, namespace={"__doc__": args_cls.__doc__})
    flat.__module__ = module.__name__
    setattr(module, name, flat)
    return schema_view(flat)


def _field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of ``cls``, as the provider reads them."""
    docs: dict[str, str] = {}
    body = ast.parse(inspect.getsource(cls)).body[0]
    assert isinstance(body, ast.ClassDef)
    for node, following in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = following.value.value
    return docs


def args_from_flat_inputs(args_cls: type[T], section: type, inputs: Mapping[str, Any], field_name: str = "config") -> T:
    """``args_cls`` from the inputs of its ``flattened`` view: the settings given, gathered into
    ``section`` (a setting left out takes the section's default); checked by the component itself."""
    kinds = {f.name: f.metadata["rule"].kind for f in dataclasses.fields(section)}  # type: ignore[arg-type]
    names = set(kinds)
    given = {
        key: _integer(value) if kinds[key] == "int" else value
        for key, value in inputs.items()
        if key in names and value is not None
    }
    wiring = {key: value for key, value in inputs.items() if key not in names}
    return args_from_inputs(args_cls, {**wiring, field_name: section(**given)})
