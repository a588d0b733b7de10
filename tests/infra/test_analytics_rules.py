"""``eventfork:analytics`` settings OpenSearch Service and Firehose reject, each refused before any resource.

Every refused config here was accepted by the schema before its rule existed. Sources are cited in
``eventfork/opensearch_instances.py`` (instance types, EBS sizes, features) and ``eventfork/service_rules.py``
(Firehose prefixes).
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventfork.opensearch_instances import INSTANCE_STORE, INSTANCE_TYPES, LATER
from stack_config import ConfigError, parse_settings
from tests.infra.plans import one, plan, value

KEY = "eventfork:analytics"


def problems(section: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_settings({"analytics": section}, "dev")
    return error.value.problems


def only_problem(section: dict[str, Any], key: str) -> str:
    found = problems(section)
    assert len(found) == 1 and found[0].startswith(f"{KEY}.{key}"), found
    return found[0]


# -- instance types -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["r9z.large.search", "r7g.huge.search", "t3.nano.search", "ultrawarm1.medium.search"])
def test_an_instance_type_opensearch_does_not_offer_is_refused(name: str) -> None:
    problem = only_problem({"instanceType": name}, "instanceType")
    assert f"got {name}" in problem and "allowed:" in problem and "supported-instance-types" in problem


def test_a_near_miss_lists_the_sizes_of_its_family() -> None:
    problem = only_problem({"instanceType": "r7g.huge.search"}, "instanceType")
    assert "r7g.medium.search" in problem and "r7g.16xlarge.search" in problem


def test_a_dedicated_master_type_opensearch_does_not_offer_is_refused() -> None:
    problem = only_problem(
        {"dedicatedMasterEnabled": True, "dedicatedMasterType": "x1.large.search"}, "dedicatedMasterType"
    )
    assert "got x1.large.search" in problem


@pytest.mark.parametrize(
    "name", ["r7g.medium.search", "m7g.large.search", "r6g.12xlarge.search", "c6g.large.search", "or1.medium.search"]
)
def test_offered_instance_types_are_accepted(name: str) -> None:
    parse_settings(
        {"analytics": {"instanceType": name, "dedicatedMasterEnabled": True, "dedicatedMasterType": name}}, "dev"
    )


def test_the_table_differs_from_botocores_enum_only_where_its_docstring_says() -> None:
    """botocore lacks the newer families; it lists some types the supported-instance-types page does not."""
    model = botocore.session.Session().get_service_model("opensearch")
    enum = set(model.shape_for("OpenSearchPartitionInstanceType").enum)
    not_offered = {f"t3.{s}.search" for s in ("nano", "micro", "large", "xlarge", "2xlarge")}
    not_offered |= {"m5.24xlarge.search", "r5.24xlarge.search", "t4g.small.search", "t4g.medium.search"}
    not_offered |= {f"d2.{s}.search" for s in ("xlarge", "2xlarge", "4xlarge", "8xlarge")}
    not_offered |= {f"ultrawarm1.{s}.search" for s in ("medium", "large", "xlarge")}
    assert enum - set(INSTANCE_TYPES) == not_offered
    newer = {INSTANCE_TYPES[name].family for name in set(INSTANCE_TYPES) - enum}
    assert newer == (set(LATER) | set(INSTANCE_STORE)) - {"or1", "i3", "r6gd"}
    assert "r7g.medium.search" in INSTANCE_TYPES and "m7g.medium.search" in INSTANCE_TYPES  # the defaults


# -- EBS volume size and features the domain always uses ----------------------------------------------------


@pytest.mark.parametrize(
    ("instance", "size", "allowed"),
    [
        ("t3.small.search", 101, "10 to 100"),
        ("t3.medium.search", 201, "10 to 200"),
        ("c5.large.search", 257, "10 to 256"),
        ("m6g.large.search", 1025, "10 to 1024"),
        ("r6g.large.search", 2049, "10 to 2048"),
    ],
)
def test_volume_size_beyond_the_instance_types_gp3_maximum_is_refused(instance: str, size: int, allowed: str) -> None:
    problem = only_problem({"instanceType": instance, "volumeSizeGb": size}, "volumeSizeGb")
    assert f"got {size}" in problem and instance in problem and allowed in problem


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(INSTANCE_TYPES)), size=st.integers(10, 16384))
def test_a_volume_is_refused_exactly_outside_the_tables_range(name: str, size: int) -> None:
    chosen = INSTANCE_TYPES[name]
    usable = chosen.ebs and chosen.gp3 and chosen.encryption
    fits = chosen.gp3_max_gb is None or chosen.gp3_min_gb <= size <= chosen.gp3_max_gb
    try:
        parse_settings({"analytics": {"instanceType": name, "volumeSizeGb": size}}, "dev")
    except ConfigError as error:
        assert not (usable and fits), error.problems
        assert all(p.startswith((f"{KEY}.instanceType", f"{KEY}.volumeSizeGb")) for p in error.problems)
        assert usable or not any(p.startswith(f"{KEY}.volumeSizeGb") for p in error.problems)
    else:
        assert usable and fits


def test_volume_size_at_the_instance_types_maximum_is_accepted() -> None:
    parse_settings({"analytics": {"instanceType": "t3.small.search", "volumeSizeGb": 100}}, "dev")
    parse_settings({"analytics": {"instanceType": "r6g.large.search", "volumeSizeGb": 2048}}, "dev")


@pytest.mark.parametrize(
    "instance", ["i3.large.search", "r6gd.xlarge.search", "im4gn.large.search", "r7gd.medium.search"]
)
def test_instance_storage_only_types_are_refused_for_data_nodes(instance: str) -> None:
    problem = only_problem({"instanceType": instance}, "instanceType")
    assert "EBS" in problem and "instance storage" in problem


@pytest.mark.parametrize("instance", ["m4.large.search", "c4.large.search", "r4.large.search", "i2.xlarge.search"])
def test_types_without_gp3_are_refused_for_data_nodes(instance: str) -> None:
    problem = only_problem({"instanceType": instance}, "instanceType")
    assert "gp3" in problem


@pytest.mark.parametrize("instance", ["m3.medium.search", "r3.large.search", "t2.small.search"])
def test_types_without_encryption_at_rest_are_refused_for_any_node(instance: str) -> None:
    data = problems({"instanceType": instance})
    assert any(p.startswith(f"{KEY}.instanceType") and "encryption at rest" in p for p in data), data
    master = only_problem({"dedicatedMasterEnabled": True, "dedicatedMasterType": instance}, "dedicatedMasterType")
    assert "encryption at rest" in master


def test_burstable_dedicated_masters_only_with_at_most_10_data_nodes() -> None:
    section = {"dedicatedMasterEnabled": True, "dedicatedMasterType": "t3.medium.search", "instanceCount": 12}
    problem = only_problem(section, "dedicatedMasterType")
    assert "got t3.medium.search with instanceCount 12" in problem and "10 or fewer" in problem
    parse_settings({"analytics": {**section, "instanceCount": 10}}, "dev")


def test_sizes_of_a_created_domain_are_not_judged_for_an_existing_one() -> None:
    """With domainArn nothing is created, so instance type and volume size are not used together."""
    existing = "arn:aws:es:us-east-1:123456789012:domain/team"
    parse_settings(
        {"analytics": {"domainArn": existing, "instanceType": "t3.small.search", "volumeSizeGb": 500}}, "dev"
    )


# -- failed documents prefix --------------------------------------------------------------------------------


def test_an_expression_in_the_failed_documents_prefix_needs_an_error_prefix() -> None:
    problem = only_problem({"failedDocumentsPrefix": "failed/!{timestamp:yyyy/MM/dd}/"}, "failedDocumentsErrorPrefix")
    assert "required when failedDocumentsPrefix uses expressions" in problem
    parse_settings(
        {
            "analytics": {
                "failedDocumentsPrefix": "failed/!{timestamp:yyyy/MM/dd}/",
                "failedDocumentsErrorPrefix": "failed-errors/!{firehose:error-output-type}/",
            }
        },
        "dev",
    )


@pytest.mark.parametrize(
    "prefix", ["failed/!{firehose:error-output-type}/", "failed/!{partitionKeyFromQuery:x}/", "failed/!{timestamp:yyyy"]
)
def test_failed_documents_prefix_expressions_follow_firehose(prefix: str) -> None:
    found = problems({"failedDocumentsPrefix": prefix, "failedDocumentsErrorPrefix": "errors/"})
    assert found and all(p.startswith(f"{KEY}.failedDocumentsPrefix: got") for p in found), found


def test_the_error_prefix_reaches_the_delivery_streams_backup() -> None:
    section = {
        "enabled": True,
        "failedDocumentsPrefix": "failed/!{timestamp:yyyy/MM/dd}/",
        "failedDocumentsErrorPrefix": "failed-errors/!{firehose:error-output-type}/",
    }
    stream = one(
        plan(overrides={KEY: section}), "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "analytics-stream"
    )
    backup = value(stream, "opensearchConfiguration")["s3Configuration"]
    assert backup["prefix"] == "failed/!{timestamp:yyyy/MM/dd}/"
    assert backup["errorOutputPrefix"] == "failed-errors/!{firehose:error-output-type}/"
