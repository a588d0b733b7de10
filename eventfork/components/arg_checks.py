"""A component's arguments checked with the rules of its stack config section, before it declares anything.

Stack config is checked when a stack is parsed; a program that uses a component directly (``pip
install eventfork``, or ``pulumi package add`` from another language) has no such step, so the
component checks its own arguments with the same rules, named as its schema names them
(``FifoEventBuffer.batchSize``), and the names it derives against the naming table (AWS's rules for
each name, as a stack's default prefix is checked: no pattern of its own).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from pulumi.provider.experimental.util import camel_case

from eventfork.config.schema import ConfigError, check_section
from eventfork.naming import NAMES


def check_arguments(
    component: str,
    args: Any,
    section: type,
    names: Callable[[str], list[tuple[str, str]]],
    skip: tuple[str, ...] = (),
) -> None:
    """Raise ConfigError listing every problem of ``args`` (the fields ``section`` also has, or the
    ``section`` object it holds) and of the names ``names(prefix)`` returns as (naming-table key, name)."""
    known = {f.name for f in dataclasses.fields(section)} - set(skip)
    raw = {camel_case(f.name): getattr(args, f.name) for f in dataclasses.fields(args) if camel_case(f.name) in known}
    for held in (getattr(args, f.name) for f in dataclasses.fields(args)):
        if isinstance(held, section):
            raw.update({name: getattr(held, name) for name in sorted(known)})
    problems: list[str] = []
    check_section(component, raw, section, problems)
    prefix = args.name_prefix
    if not isinstance(prefix, str) or not prefix:
        problems.append(f"{component}.namePrefix: got {json.dumps(prefix)}; allowed: a non-empty string")
    else:  # AWS's rules for the names it makes, no stricter (as for a stack's default prefix)
        for key, name in names(prefix):
            rule = NAMES[key].rule
            violation = rule.violation(name)
            if violation is not None:
                problems.append(
                    f"{component}.namePrefix: {json.dumps(prefix)} makes the {NAMES[key].what} {json.dumps(name)} "
                    f"({violation}); allowed: {rule.describe()} [{rule.source}]"
                )
    if problems:
        raise ConfigError(problems, f"{component} arguments")
