"""Every ARN the program writes is in the stack's partition, not only in ``aws``.

In AWS GovCloud (US) an ARN starts ``arn:aws-us-gov:``: a policy naming ``arn:aws:sns:...`` as the
topic allowed to send to a queue matches nothing there, so the fan-out's deliveries would be
refused. The program takes the partition from the provider (``aws.get_partition``), as it takes the
account and region; the capture's mocks answer it from the region as pulumi-aws's partition table does.
"""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.infra.plans import ROOT, plan, value

ARN = re.compile(r"arn:([a-z-]+):")


def partitions_in(stack: str, region: str) -> dict[str, list[str]]:
    """Partition -> the resources (``name.input``) whose inputs carry an ARN of it."""
    found: dict[str, list[str]] = {}
    for resource in plan(stack, {"aws:region": region}).resources:
        for key, given in resource.inputs.items():
            for partition in set(ARN.findall(json.dumps(given, default=str))):
                found.setdefault(partition, []).append(f"{resource.name}.{key}")
    return found


@pytest.mark.parametrize("stack", ["prod", "ecommerce"])
def test_a_govcloud_stack_writes_only_govcloud_arns(stack: str) -> None:
    found = partitions_in(stack, "us-gov-west-1")
    assert set(found) == {"aws-us-gov"}, {p: names[:8] for p, names in found.items() if p != "aws-us-gov"}
    assert len(found["aws-us-gov"]) >= 100  # the ARNs were seen


def test_a_commercial_stack_writes_only_aws_arns() -> None:
    assert set(partitions_in("prod", "eu-west-1")) == {"aws"}


def test_the_packs_masking_rule_accepts_the_govcloud_identifier() -> None:
    """The log groups' masking names the partition's managed identifier; the pack must not flag it."""
    sys.path.insert(0, str(ROOT / "policies"))
    from eventfork_policies.rules.data_protection import masks_cards

    documents = [
        json.loads(value(r, "policyDocument"))
        for r in plan("prod", {"aws:region": "us-gov-west-1"}).by_type(
            "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy"
        )
    ]
    assert documents and all(masks_cards(d) for d in documents)
    assert all(
        "arn:aws-us-gov:dataprotection::aws:data-identifier/CreditCardNumber" in json.dumps(d) for d in documents
    )
    assert not masks_cards(json.loads(json.dumps(documents[0]).replace("CreditCardNumber", "EmailAddress")))


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1", "us-iso-east-1", "us-isob-east-1"])
def test_a_region_outside_the_supported_partitions_is_refused_naming_the_key(region: str) -> None:
    """There ``kms:ViaService`` and service principals are not the ``amazonaws.com`` names the program writes:
    the buffer's and pipelines' grants would match nothing, and every event would fail; refused up front."""
    from aws_provider import provider_arguments

    from eventfork.config.schema import ConfigError

    with pytest.raises(ConfigError, match=rf"aws:region: got '{region}'; allowed: a region of the aws or aws-us-gov"):
        provider_arguments({"aws:region": region}, set(), {})
    assert provider_arguments({"aws:region": "us-gov-east-1"}, set(), {})["region"] == "us-gov-east-1"
