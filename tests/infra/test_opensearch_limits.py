"""A created domain's volume judged by OpenSearch Service's own limits at deploy time.

The documented EBS quotas leave out the Graviton3 and later families (the default r7g.medium.search
among them), so parsing alone accepts any size of the schema's range for them. At ``pulumi
preview``/``up`` the program asks ``DescribeInstanceTypeLimits``. The client here is a real boto3
opensearch client under botocore's ``Stubber``, which checks the request against the service model
and the canned response against its output shape; the sizes in the canned responses are test
values, not AWS's figures.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.exceptions
import pytest
from aws_provider import confirm_with_service
from botocore.stub import Stubber

from eventfork.opensearch_limits import LimitsUnavailableError, confirm_volume, gp3_volume_range
from stack_config import ConfigError, parse_settings


def limits_response(low: int, high: int, sub_type: str = "gp3") -> dict[str, Any]:
    storage = {
        "StorageTypeName": "ebs",
        "StorageSubTypeName": sub_type,
        "StorageTypeLimits": [
            {"LimitName": "MinimumVolumeSize", "LimitValues": [str(low)]},
            {"LimitName": "MaximumVolumeSize", "LimitValues": [str(high)]},
            {"LimitName": "MaximumIops", "LimitValues": ["16000"]},
        ],
    }
    return {"LimitsByRole": {"data": {"StorageTypes": [storage]}, "master": {"StorageTypes": []}}}


def stubbed(*responses: dict[str, Any] | tuple[str, str]) -> tuple[Any, Stubber]:
    client = boto3.client("opensearch", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
    stubber = Stubber(client)
    for response in responses:
        expected = {"InstanceType": "r7g.medium.search", "EngineVersion": "OpenSearch_2.19"}
        if isinstance(response, tuple):
            stubber.add_client_error(
                "describe_instance_type_limits", response[0], response[1], 400, expected_params=expected
            )
        else:
            stubber.add_response("describe_instance_type_limits", response, expected)
    stubber.activate()
    return client, stubber


def analytics_settings(volume: int) -> Any:
    config = {
        "enabled": True,
        "instanceType": "r7g.medium.search",
        "engineVersion": "OpenSearch_2.19",
        "volumeSizeGb": volume,
    }
    return parse_settings({"analytics": config}, "dev")


def test_parsing_alone_accepts_any_schema_size_on_a_type_the_documentation_does_not_list() -> None:
    assert analytics_settings(16_384).analytics.volumeSizeGb == 16_384


def test_a_volume_over_the_services_range_fails_before_any_resource_is_declared() -> None:
    client, stubber = stubbed(limits_response(10, 400))
    with pytest.raises(ConfigError) as refused:
        confirm_with_service(analytics_settings(16_384), client.describe_instance_type_limits)
    stubber.assert_no_pending_responses()
    (problem,) = refused.value.problems
    assert problem.startswith("eventfork:analytics.volumeSizeGb: got 16384 with instanceType r7g.medium.search")
    assert "allowed: 10 to 400" in problem and "OpenSearch_2.19" in problem


def test_a_volume_within_the_services_range_passes() -> None:
    client, stubber = stubbed(limits_response(10, 400), limits_response(10, 400), limits_response(10, 400))
    for volume in (10, 100, 400):
        confirm_with_service(analytics_settings(volume), client.describe_instance_type_limits)
    stubber.assert_no_pending_responses()


def test_a_type_without_gp3_or_refused_for_the_engine_is_a_config_problem() -> None:
    client, _ = stubbed(limits_response(10, 400, sub_type="gp2"), ("ValidationException", "not supported"))
    no_gp3 = confirm_volume("k", "r7g.medium.search", "OpenSearch_2.19", 100, client.describe_instance_type_limits)
    refused = confirm_volume("k", "r7g.medium.search", "OpenSearch_2.19", 100, client.describe_instance_type_limits)
    assert no_gp3 == [
        "k.instanceType: got r7g.medium.search; OpenSearch Service reports no gp3 EBS volume range for it with "
        "OpenSearch_2.19; allowed: a type with gp3 volumes (the domain always uses gp3), e.g. r7g.large.search"
    ]
    assert refused[0].startswith("k.instanceType: got r7g.medium.search with engineVersion OpenSearch_2.19")
    assert "ValidationException: not supported" in refused[0]


def test_when_the_service_cannot_be_asked_a_warning_says_so_and_nothing_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pulumi

    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: warnings.append(message))
    client, _ = stubbed(("AccessDeniedException", "not authorized to perform es:DescribeInstanceTypeLimits"))
    confirm_with_service(analytics_settings(100), client.describe_instance_type_limits)

    def no_credentials(**_: Any) -> dict[str, Any]:
        raise botocore.exceptions.NoCredentialsError()

    confirm_with_service(analytics_settings(100), no_credentials)
    assert len(warnings) == 2
    assert "not authorized to perform es:DescribeInstanceTypeLimits" in warnings[0]
    assert "NoCredentialsError" in warnings[1]
    expected = "eventfork:analytics: volumeSizeGb 100 on r7g.medium.search not confirmed"
    assert all(w.startswith(expected) for w in warnings)
    with pytest.raises(LimitsUnavailableError):
        confirm_volume("k", "t", "e", 1, no_credentials)


def test_the_program_asks_with_the_session_the_provider_would_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside the mock runtime ``confirm_with_service`` asks through ``aws_provider.deploy_session``."""
    import aws_provider

    client, stubber = stubbed(limits_response(10, 400))

    class Session:
        def client(self, service: str) -> Any:
            assert service == "opensearch"
            return client

    monkeypatch.setattr(aws_provider, "deploy_session", lambda: Session())
    monkeypatch.setattr("aws_provider._under_mocks", lambda: False)
    with pytest.raises(ConfigError):
        confirm_with_service(analytics_settings(500))
    stubber.assert_no_pending_responses()


def test_the_deploy_session_follows_profile_region_and_the_role_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    import aws_provider

    sts = boto3.client("sts", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
    stubber = Stubber(sts)
    for n, (role, extra) in enumerate(
        (
            ("arn:aws:iam::111111111111:role/hop", {}),
            ("arn:aws:iam::222222222222:role/deploy", {"ExternalId": "team-x"}),
        )
    ):
        credentials = {"AccessKeyId": f"AKIA{n:016d}", "SecretAccessKey": f"SK{n}", "SessionToken": f"T{n}"}
        credentials["Expiration"] = "2026-11-23T00:00:00Z"  # type: ignore[assignment]
        expected = {"RoleArn": role, "RoleSessionName": "eventfork-preview", **extra}
        stubber.add_response("assume_role", {"Credentials": credentials}, expected)
    stubber.activate()
    sessions: list[dict[str, Any]] = []

    class Session:
        def __init__(self, **kwargs: Any) -> None:
            sessions.append(kwargs)
            self.region_name = kwargs.get("region_name")

        def client(self, service: str) -> Any:
            assert service == "sts"
            return sts

    monkeypatch.setattr(boto3, "Session", Session)
    roles = [{"roleArn": "arn:aws:iam::111111111111:role/hop"}]
    roles.append({"roleArn": "arn:aws:iam::222222222222:role/deploy", "externalId": "team-x"})
    config = {"aws:profile": "base", "aws:region": "eu-west-1", "aws:assumeRoles": json.dumps(roles)}
    session = aws_provider.deploy_session(config)
    stubber.assert_no_pending_responses()
    assert sessions[0] == {
        "aws_access_key_id": None,
        "aws_secret_access_key": None,
        "aws_session_token": None,
        "profile_name": "base",
        "region_name": "eu-west-1",
    }
    assert sessions[-1] == {
        "aws_access_key_id": f"AKIA{1:016d}",
        "aws_secret_access_key": "SK1",
        "aws_session_token": "T1",
        "region_name": "eu-west-1",
    }
    assert len(sessions) == 3 and session.region_name == "eu-west-1"


def test_under_the_mock_runtime_nothing_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: Any) -> Any:
        raise AssertionError("no AWS session under mocks")

    monkeypatch.setattr(boto3, "Session", refuse)
    monkeypatch.setattr("aws_provider._under_mocks", lambda: True)
    confirm_with_service(analytics_settings(16_384))


def test_the_range_is_read_from_data_nodes_only() -> None:
    response = limits_response(10, 400)
    response["LimitsByRole"] = {"master": response["LimitsByRole"]["data"]}
    assert gp3_volume_range(response) is None
    assert gp3_volume_range(limits_response(20, 3072)) == (20, 3072)


def test_the_program_runs_the_check_before_declaring_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    """``infra/__main__.py`` calls the check after reading its config: a refused size stops the program."""
    import aws_provider

    from local.capture import CaptureError, capture
    from tests.infra.plans import ROOT

    client, stubber = stubbed(limits_response(10, 400))
    monkeypatch.setattr(aws_provider, "_under_mocks", lambda: False)
    monkeypatch.setattr(aws_provider, "_limits_call", lambda: client.describe_instance_type_limits)
    overrides = {
        "eventfork:analytics": {
            "enabled": True,
            "instanceType": "r7g.medium.search",
            "engineVersion": "OpenSearch_2.19",
            "volumeSizeGb": 16_384,
        }
    }
    with pytest.raises(CaptureError, match=r"eventfork:analytics.volumeSizeGb: got 16384"):
        capture(ROOT, "dev", config_overrides=overrides)
    stubber.assert_no_pending_responses()
