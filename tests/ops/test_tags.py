"""Tags: the provider stamps stack and project on everything; each component adds its own name."""

from __future__ import annotations

import importlib
import inspect
import json
from functools import cache

import pytest

from tests.infra.plans import ROOT, one, plan, value

COMPONENT_TAGS = {"fanout", "buffer", "backup", "analytics", "replay", "ops"}


@cache
def taggable(type_token: str) -> bool:
    """Whether the provider's resource class accepts ``tags`` (read from pulumi_aws itself)."""
    package, rest = type_token.split(":", 1)
    if package != "aws":
        return False
    module_name, class_name = rest.split(":")
    module = importlib.import_module("pulumi_aws." + module_name.split("/")[0].replace("lambda", "lambda_"))
    cls = getattr(module, class_name)
    return "tags" in inspect.signature(cls._internal_init).parameters


def test_taggable_is_read_from_the_provider() -> None:
    assert taggable("aws:sqs/queue:Queue") and taggable("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert not taggable("aws:iam/rolePolicy:RolePolicy") and not taggable("aws:sqs/queuePolicy:QueuePolicy")
    assert not taggable("pulumi:providers:aws")


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_every_taggable_resource_carries_its_component(stack: str) -> None:
    p = plan(stack)
    custom = [r for r in p.resources if r.custom and r.type.startswith("aws:")]
    tagged = [r for r in custom if taggable(r.type)]
    assert len(tagged) >= 30
    missing = [f"{r.type} {r.name}" for r in tagged if "eventfork:component" not in (r.inputs.get("tags") or {})]
    assert missing == []
    assert {r.inputs["tags"]["eventfork:component"] for r in tagged} <= COMPONENT_TAGS
    ops = [r for r in tagged if r.name.startswith("ops-")]
    assert ops and {r.inputs["tags"]["eventfork:component"] for r in ops} == {"ops"}


@pytest.mark.parametrize("stack", ["dev", "prod", "ecommerce"])
def test_the_provider_tags_stack_and_project_and_every_resource_uses_it(stack: str) -> None:
    p = plan(stack)
    provider = one(p, "pulumi:providers:aws", "aws")
    tags = json.loads(value(provider, "defaultTags"))["tags"]
    assert tags["eventfork:stack"] == stack and tags["eventfork:project"] == "eventfork"
    assert all(r.provider.startswith(provider.urn) for r in p.resources if r.custom and r.type.startswith("aws:"))


def test_extra_stack_tags_reach_the_provider() -> None:
    p = plan(overrides={"eventfork:tags": {"team": "platform"}})
    tags = json.loads(value(one(p, "pulumi:providers:aws", "aws"), "defaultTags"))["tags"]
    assert tags == {"eventfork:stack": "dev", "eventfork:project": "eventfork", "team": "platform"}


def test_the_consumer_example_tags_its_own_resources() -> None:
    from local.capture import capture

    consumer = capture(ROOT / "examples" / "consumer", "dev", stack_outputs={"eventfork/dev": plan("dev").outputs})
    tagged = [r for r in consumer.resources if r.custom and taggable(r.type)]
    assert tagged and all(r.inputs["tags"].get("eventfork:component") == "consumer" for r in tagged)
