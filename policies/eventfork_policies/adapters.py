"""Adapters shared by the pack's policies: pulumi-policy arguments in, rule functions' messages out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY


def report(messages: list[str], report_violation: ReportViolation) -> None:
    for message in messages:
        report_violation(message, None)


def config(args: Any, key: str, default: Any) -> Any:
    return (args.get_config() or {}).get(key, default) if hasattr(args, "get_config") else default


def resource_policy(
    name: str,
    description: str,
    level: EnforcementLevel,
    check: Callable[[ResourceValidationArgs], list[str]],
    schema: dict[str, Any] | None = None,
    remediate: Any = None,
) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        report(check(args), report_violation)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=level,
        validate=validate,
        remediate=remediate,
        config_schema=PolicyConfigSchema(properties=schema) if schema else None,
    )


def stack_policy(
    name: str,
    description: str,
    level: EnforcementLevel,
    check: Callable[[StackValidationArgs, ReportViolation], None],
    schema: dict[str, Any] | None = None,
) -> StackValidationPolicy:
    return StackValidationPolicy(
        name=name,
        description=description,
        enforcement_level=level,
        validate=check,
        config_schema=PolicyConfigSchema(properties=schema) if schema else None,
    )


def each(resources: list[Any], check: Callable[[Any], None]) -> None:
    """Run ``check`` on every resource; one whose values are unknown at preview does not hide the others.

    The undecided ones are reported together at the end, as pulumi-policy reports an unknown value
    (an advisory "can't run policy ... during preview" diagnostic).
    """
    undecided: list[tuple[Any, UnknownValueError]] = []
    for resource in resources:
        try:
            check(resource)
        except UnknownValueError as error:
            undecided.append((resource, error))
    if undecided:
        first = undecided[0][1]
        combined = UnknownValueError(first.unknown_type_sentinel, first.props)
        names = ", ".join(f"'{r.name}'" for r, _ in undecided)
        combined.message = f"{names}: {first.message}"
        raise combined


def names_bucket(resource: Any, bucket: Any, key: str) -> bool:
    """``resource.<key>`` names ``bucket``: through its property dependencies, else by the bucket's name."""
    deps = (getattr(resource, "property_dependencies", None) or {}).get(key)
    if deps:
        return any(d.urn == bucket.urn for d in deps)
    return resource.props.get(key) is not None and resource.props.get(key) == bucket.props.get("bucket")


def targets(resource: Any, queue: Any, key: str) -> bool:
    """``resource.<key>`` names ``queue``: through its property dependencies, else by value."""
    deps = (getattr(resource, "property_dependencies", None) or {}).get(key)
    if deps:
        return any(d.urn == queue.urn for d in deps)
    value = resource.props.get(key)
    return value is not None and value in (queue.props.get("url"), queue.props.get("id"), queue.props.get("arn"))
