"""A created OpenSearch domain has no public endpoint: it lives in a VPC, Firehose delivers into that VPC,
its master user is not the delivery role, and a public domain is an explicit setting.

AWS references: launching a domain in a VPC (one subnet per Availability Zone the domain uses,
https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html), Firehose delivery to an
OpenSearch domain in a VPC (``VpcConfiguration`` with its own role, subnets and security groups,
https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-es-vpc), FSBP
Opensearch.2, EC2.2 (default security group allows nothing) and EC2.6 (VPC flow logs),
https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from local.capture import CaptureError
from tests.infra.plans import as_list, plan, value

ANALYTICS_STACKS = ["prod", "ecommerce"]
DOMAIN = "aws:opensearch/domain:Domain"
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def _domain_and_stream(stack: str, overrides: dict[str, Any] | None = None) -> tuple[Any, Any]:
    p = plan(stack, overrides)
    domains, streams = p.by_type(DOMAIN), [s for s in p.by_type(STREAM) if "opensearchConfiguration" in s.inputs]
    assert len(domains) == 1 and len(streams) == 1
    return domains[0], streams[0]


def _zones(domain: Any) -> int:
    cluster = value(domain, "clusterConfig")
    if not cluster.get("zoneAwarenessEnabled"):
        return 1
    return int(cluster["zoneAwarenessConfig"]["availabilityZoneCount"])


@pytest.mark.parametrize("stack", ANALYTICS_STACKS)
def test_a_created_domain_is_in_a_vpc_with_one_subnet_per_zone(stack: str) -> None:
    domain, _ = _domain_and_stream(stack)
    subnets = value(domain, "vpcOptions.subnetIds")
    assert len(subnets) == _zones(domain), f"{stack}: {len(subnets)} subnets for {_zones(domain)} zones"
    assert value(domain, "vpcOptions.securityGroupIds")


@pytest.mark.parametrize("stack", ANALYTICS_STACKS)
def test_firehose_delivers_into_the_domains_vpc_over_443_only(stack: str) -> None:
    p = plan(stack)
    domain, stream = _domain_and_stream(stack)
    vpc = value(stream, "opensearchConfiguration.vpcConfig")
    assert vpc["roleArn"] and vpc["subnetIds"] and vpc["securityGroupIds"]
    domain_groups = set(value(domain, "vpcOptions.securityGroupIds"))
    stream_groups = set(vpc["securityGroupIds"])
    assert not domain_groups & stream_groups, "the delivery and the domain share a security group"
    group_ids = {g.id: g for g in p.by_type("aws:ec2/securityGroup:SecurityGroup")}
    ingress = [r for r in p.by_type(INGRESS) if value(r, "securityGroupId") in domain_groups]
    assert ingress, "the domain's security group lets nothing in"
    for rule in ingress:
        assert (value(rule, "fromPort"), value(rule, "toPort"), value(rule, "ipProtocol")) == (443, 443, "tcp")
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, "the domain accepts an address range"
        assert value(rule, "referencedSecurityGroupId") in group_ids
    assert any(value(r, "referencedSecurityGroupId") in stream_groups for r in ingress)
    for group in group_ids.values():
        assert not group.inputs.get("ingress") and not group.inputs.get("egress"), "inline rules hide from review"


@pytest.mark.parametrize("stack", ANALYTICS_STACKS)
def test_the_created_network_has_no_way_in_or_out_and_logs_rejected_traffic(stack: str) -> None:
    p = plan(stack)
    assert not p.by_type("aws:ec2/internetGateway:InternetGateway")
    assert not p.by_type("aws:ec2/natGateway:NatGateway")
    vpcs = p.by_type("aws:ec2/vpc:Vpc")
    assert len(vpcs) == 1
    assert ipaddress.ip_network(value(vpcs[0], "cidrBlock")).is_private
    for subnet in p.by_type("aws:ec2/subnet:Subnet"):
        assert subnet.inputs.get("mapPublicIpOnLaunch") in (None, False)
    defaults = p.by_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert len(defaults) == 1 and not defaults[0].inputs.get("ingress") and not defaults[0].inputs.get("egress")
    [acl] = p.by_type("aws:ec2/defaultNetworkAcl:DefaultNetworkAcl")
    assert value(acl, "defaultNetworkAclId") == vpcs[0].outputs["defaultNetworkAclId"]
    for rule in value(acl, "ingress") + value(acl, "egress"):
        assert rule["cidrBlock"] == value(vpcs[0], "cidrBlock"), "the network ACL admits addresses outside the VPC"
    logs = p.by_type("aws:ec2/flowLog:FlowLog")
    assert len(logs) == 1 and value(logs[0], "trafficType") in ("REJECT", "ALL")
    assert value(logs[0], "vpcId") == vpcs[0].id


@pytest.mark.parametrize("stack", ANALYTICS_STACKS)
def test_the_master_user_is_not_the_delivery_role(stack: str) -> None:
    domain, stream = _domain_and_stream(stack)
    master = value(domain, "advancedSecurityOptions.masterUserOptions.masterUserArn")
    assert master != value(stream, "opensearchConfiguration.roleArn")


@pytest.mark.parametrize("stack", ANALYTICS_STACKS)
def test_every_pipeline_stream_runs_a_redaction_transform_by_default(stack: str) -> None:
    for stream in plan(stack).by_type(STREAM):
        config = stream.inputs.get("opensearchConfiguration") or stream.inputs.get("extendedS3Configuration")
        processors = [p for p in as_list(config.get("processingConfiguration", {}).get("processors")) if p]
        assert processors and processors[0]["type"] == "Lambda", f"{stack}: {stream.name} stores raw records"


def test_a_public_domain_is_an_explicit_setting() -> None:
    domain, stream = _domain_and_stream("prod", {"eventfork:analytics": {"publicAccess": True}})
    assert "vpcOptions" not in domain.inputs
    assert "vpcConfig" not in stream.inputs["opensearchConfiguration"]


def test_given_subnets_and_security_groups_are_used_as_they_are() -> None:
    given = {
        "subnetIds": ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"],
        "securityGroupIds": ["sg-0aaa1111"],
    }
    p = plan("prod", {"eventfork:analytics": given})
    domain, stream = _domain_and_stream("prod", {"eventfork:analytics": given})
    assert value(domain, "vpcOptions.subnetIds") == given["subnetIds"]
    assert value(domain, "vpcOptions.securityGroupIds") == given["securityGroupIds"]
    assert value(stream, "opensearchConfiguration.vpcConfig.subnetIds") == given["subnetIds"]
    assert not p.by_type("aws:ec2/vpc:Vpc")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"publicAccess": True, "subnetIds": ["subnet-0aaa1111"]}, r"eventfork:analytics.publicAccess"),
        (
            {"subnetIds": ["subnet-0aaa1111", "subnet-0bbb2222", "subnet-0ccc3333"]},
            r"eventfork:analytics.securityGroupIds",
        ),
        (
            {"subnetIds": ["subnet-0aaa1111"], "securityGroupIds": ["sg-0aaa1111"]},
            r"eventfork:analytics.subnetIds: got 1",
        ),
        ({"subnetIds": ["vpc-0aaa", "b", "c"], "securityGroupIds": ["sg-0aaa1111"]}, r"eventfork:analytics.subnetIds"),
        ({"vpcCidr": "8.8.0.0/16"}, r"eventfork:analytics.vpcCidr"),
        ({"vpcCidr": "10.0.0.0/27"}, r"eventfork:analytics.vpcCidr"),
        (
            {"enabled": True, "domainArn": "arn:aws:es:us-east-1:123456789012:domain/existing-one"},
            r"eventfork:analytics.subnetIds",
        ),
    ],
)
def test_network_settings_that_cannot_work_are_refused_before_any_resource(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(CaptureError, match=message):
        plan("prod", {"eventfork:analytics": settings})
