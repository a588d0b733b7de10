"""Property: for random valid configs and Pulumi stack names, the name check is exact.

A config the check accepts yields a plan in which AWS accepts every physical name; a config it
refuses would have yielded a plan with a name AWS refuses. Both are judged by ``aws_names``
(the botocore models and AWS's naming pages), not by the program's own table.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from eventfork import naming
from eventfork.naming import declared_names
from eventfork.opensearch_instances import INSTANCE_TYPES
from local.capture import capture
from stack_config import ConfigError, parse_settings
from tests.infra.aws_names import EXPLICIT, invalid_names
from tests.infra.plans import ROOT

# Pulumi stack names: letters, digits, "-", "_" and "." (https://www.pulumi.com/docs/iac/concepts/stacks/).
STACK_NAMES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", fullmatch=True)
BUCKET_ARN = "arn:aws:s3:::team-archive"
DOMAIN_ARN = "arn:aws:es:us-east-1:123456789012:domain/team-search"


def optional(value: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.just(value))


# Data node types a created domain can use (EBS, gp3, encryption at rest) with a volume in the type's
# range and the schema's (10..16384).
USABLE_TYPES = [t for t in INSTANCE_TYPES.values() if t.ebs and t.gp3 and t.encryption]
NODES = st.sampled_from(USABLE_TYPES).flatmap(
    lambda t: st.fixed_dictionaries(
        {"instanceType": st.just(t.name), "volumeSizeGb": st.integers(t.gp3_min_gb, min(t.gp3_max_gb or 16384, 16384))}
    )
)


def _one_network_choice(parts: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """The analytics section; an existing domain is reached over its public endpoint (the one network choice
    that needs no subnet IDs)."""
    section = {key: v for part in parts for key, v in part.items() if v is not None}
    if "domainArn" in section:
        section["publicAccess"] = True
    return section


CONFIGS = st.fixed_dictionaries(
    {
        "eventfork:namePrefix": st.one_of(st.none(), st.from_regex(naming.PREFIX_PATTERN, fullmatch=True)),
        "eventfork:fanout": st.fixed_dictionaries(
            {"fifo": st.booleans(), "primaryName": st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True)}
        ),
        "eventfork:backup": st.fixed_dictionaries(
            {
                "enabled": st.booleans(),
                "redaction": st.booleans(),
                "bucketArn": optional(BUCKET_ARN),
                "accessLogging": st.booleans(),
            }
        ),
        "eventfork:analytics": st.tuples(
            st.fixed_dictionaries(
                {
                    "enabled": st.booleans(),
                    "transform": st.booleans(),
                    "domainArn": optional(DOMAIN_ARN),
                    "accessLogging": st.booleans(),
                    "publicAccess": st.booleans(),
                }
            ),
            NODES,
        ).map(_one_network_choice),
        "eventfork:replay": st.fixed_dictionaries({"enabled": st.booleans(), "active": st.booleans()}),
        "eventfork:alarms": st.fixed_dictionaries({"enabled": st.booleans()}),
    }
).map(lambda config: {key: value for key, value in config.items() if value is not None})


def raw(config: dict[str, Any]) -> dict[str, Any]:
    return {key.split(":", 1)[1]: value for key, value in config.items()}


def names_in(resources: list[Any]) -> set[tuple[str, str, str]]:
    return {(r.type, field, r.inputs[field]) for r in resources for (kind, field) in EXPLICIT if r.type == kind}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stack=STACK_NAMES, config=CONFIGS)
def test_the_name_check_is_exact(stack: str, config: dict[str, Any]) -> None:
    try:
        accepted = parse_settings(raw(config), stack)
    except ConfigError as error:
        source = "eventfork:namePrefix" if "eventfork:namePrefix" in config else f'stack name "{stack}"'
        assert error.problems and all(p.startswith(source) for p in error.problems), error
        with pytest.MonkeyPatch.context() as patched:  # what the program would have declared without the check
            patched.setattr("stack_config.name_problems", lambda *args, **kwargs: [])
            for component in ("buffer", "fanout"):  # the components' own check of the same names
                patched.setattr(f"eventfork.components.{component}.check_arguments", lambda *args, **kwargs: None)
            unchecked = capture(ROOT, stack, config_overrides=config).resources
        assert invalid_names(unchecked), f"{stack} {config}: refused, but AWS would accept every name"
        return
    resources = capture(ROOT, stack, config_overrides=config).resources
    assert not invalid_names(resources), (stack, config)
    expected = {(n.entry.resource_type, n.entry.field, n.name) for n in declared_names(accepted)}
    assert names_in(resources) == expected  # the table lists exactly what the plan declares


def refused(case: tuple[str, dict[str, Any]]) -> bool:
    stack, config = case
    try:
        parse_settings(raw(config), stack)
    except ConfigError:
        return True
    return False


def test_the_strategies_generate_refused_and_accepted_configs() -> None:
    """The property is not vacuous: its strategies reach both branches."""
    cases = st.tuples(STACK_NAMES, CONFIGS)
    quick = settings(max_examples=2000, database=None, phases=[Phase.generate])
    assert refused(find(cases, refused, settings=quick))
    assert not refused(find(cases, lambda case: not refused(case), settings=quick))
