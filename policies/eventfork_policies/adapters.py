"""What the pack's policies share: the declaration of a policy (``PolicyGroup``) and lookups over resources."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import ResourceRemediation
from pulumi_policy.proxy import UnknownValueError

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY


def report(messages: list[str], report_violation: ReportViolation) -> None:
    for message in messages:
        report_violation(message, None)


def config(args: Any, key: str, default: Any) -> Any:
    return (args.get_config() or {}).get(key, default) if hasattr(args, "get_config") else default


ResourceCheck = Callable[[ResourceValidationArgs], list[str]]
StackCheck = Callable[[StackValidationArgs, ReportViolation], None]
Fix = Callable[[ResourceValidationArgs], Mapping[str, Any] | None]
R = TypeVar("R", bound=ResourceCheck)
S = TypeVar("S", bound=StackCheck)

FSBP_DOCS = "https://docs.aws.amazon.com/securityhub/latest/userguide/"
EVENTFORK = PolicyComplianceFramework(name="eventfork", version="1.0.0", reference="docs/policies.md")


def fsbp(controls: str) -> PolicyComplianceFramework:
    """The Security Hub Foundational Security Best Practices controls a policy follows."""
    return PolicyComplianceFramework(
        name="AWS Foundational Security Best Practices", version="1.0.0", reference=controls
    )


def checkov(check: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(name="Checkov", reference=check)


def _schema(properties: dict[str, Any] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=properties) if properties else None


class PolicyGroup:
    """Policies of one concern, in declaration order; each declared once, by decorating its check.

    The decorator builds the pulumi-policy policy with everything the engine is told about it (level,
    config schema, severity, framework, tags, remediation steps, URL) and returns the check unchanged.
    """

    def __init__(self) -> None:
        self.policies: list[ResourceValidationPolicy | StackValidationPolicy] = []

    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.policies)

    def resource_policy(
        self,
        *,
        name: str,
        description: str,
        level: EnforcementLevel,
        severity: Severity,
        framework: PolicyComplianceFramework,
        tags: list[str],
        remediation: str,
        url: str,
        config_schema: dict[str, Any] | None = None,
        fix: Fix | None = None,
        display_name: str | None = None,
    ) -> Callable[[R], R]:
        """A policy on each resource: ``check(args)`` returns the messages; ``fix(args)`` the remediated inputs.

        ``config_schema`` maps each config key to its JSON schema.
        """

        def declare(check: R) -> R:
            def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
                report(check(args), report_violation)

            self._add(
                ResourceValidationPolicy(
                    name=name,
                    description=description,
                    validate=validate,
                    enforcement_level=level,
                    config_schema=_schema(config_schema),
                    # pulumi-policy awaits a fix's result only when it is awaitable; a mapping is used as is.
                    remediate=cast("ResourceRemediation | None", fix),
                    display_name=display_name,
                    severity=severity,
                    framework=framework,
                    tags=tags,
                    remediation_steps=remediation,
                    url=url,
                )
            )
            return check

        return declare

    def stack_policy(
        self,
        *,
        name: str,
        description: str,
        level: EnforcementLevel,
        severity: Severity,
        framework: PolicyComplianceFramework,
        tags: list[str],
        remediation: str,
        url: str,
        config_schema: dict[str, Any] | None = None,
        display_name: str | None = None,
    ) -> Callable[[S], S]:
        """A policy on the whole stack: ``check(args, report_violation)`` reports each violation with its URN."""

        def declare(check: S) -> S:
            self._add(
                StackValidationPolicy(
                    name=name,
                    description=description,
                    validate=check,
                    enforcement_level=level,
                    config_schema=_schema(config_schema),
                    display_name=display_name,
                    severity=severity,
                    framework=framework,
                    tags=tags,
                    remediation_steps=remediation,
                    url=url,
                )
            )
            return check

        return declare

    def _add(self, policy: ResourceValidationPolicy | StackValidationPolicy) -> None:
        if policy.name in self.names():
            raise ValueError(f"policy '{policy.name}' is declared twice")
        self.policies.append(policy)


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


def belongs_to(resource: Any, bucket: Any) -> bool:
    """A bucket-scoped resource's ``bucket`` input is this bucket (an ordering ``depends_on`` is not)."""
    return targets(resource, bucket, "bucket") or (
        not (getattr(resource, "property_dependencies", None) or {}).get("bucket")
        and resource.props.get("bucket") is not None
        and resource.props.get("bucket") == bucket.props.get("bucket")
    )
