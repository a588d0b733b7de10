"""The private network of the analytics pipeline's domain: where its nodes and Firehose's ENIs live.

Declared by ``SearchAnalyticsPipeline`` (every resource here is one of its children). A created VPC has
no internet or NAT gateway and no route out: only Firehose (and the domain's setup function) reach the
domain, over HTTPS, through security-group rules that name each other; its default security group
allows nothing (FSBP EC2.2) and its rejected traffic is logged (FSBP EC2.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import account_and_region, partition_of, policy_json
from eventfork.components.parts.resource_policies import mask_card_numbers
from eventfork.config.analytics import AnalyticsConfig
from eventfork.naming import physical
from eventfork.network_rules import domain_zones, subnet_cidrs

HTTPS = 443


@dataclass
class SearchNetwork:
    """Subnets and security groups for the domain, for Firehose's delivery and for the setup function."""

    domain_subnet_ids: pulumi.Input[list[str]]
    domain_security_group_ids: pulumi.Input[list[str]]
    client_subnet_ids: pulumi.Input[list[str]]
    client_security_group_ids: pulumi.Input[list[str]]


def given_network(cfg: AnalyticsConfig) -> SearchNetwork:
    """The subnets and security groups of the config, for the domain and its clients alike."""
    return SearchNetwork(
        list(cfg.subnetIds), list(cfg.securityGroupIds), list(cfg.subnetIds), list(cfg.securityGroupIds)
    )


def created_network(
    name: str,
    cfg: AnalyticsConfig,
    *,
    parent: pulumi.Resource,
    name_prefix: str,
    kms_key_arn: pulumi.Input[str],
    log_retention_days: int,
    tags: dict[str, str],
) -> SearchNetwork:
    """A VPC with one private subnet per zone of the domain, two security groups and flow logs."""
    child = pulumi.ResourceOptions(parent=parent)
    label = f"{name_prefix}-search"  # the Name tag of each network resource
    vpc = aws.ec2.Vpc(
        f"{name}-vpc",
        cidr_block=cfg.vpcCidr,
        enable_dns_support=True,
        enable_dns_hostnames=True,
        tags={**tags, "Name": label},
        opts=child,
    )
    zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOptions(parent=parent))
    subnets = [
        aws.ec2.Subnet(
            f"{name}-subnet-{index}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zones.names.apply(lambda names, i=index: names[i]),
            map_public_ip_on_launch=False,
            tags={**tags, "Name": f"{label}-{index}"},
            opts=child,
        )
        for index, cidr in enumerate(subnet_cidrs(cfg.vpcCidr, domain_zones(cfg.instanceCount)))
    ]
    # Managing the default group with no rules removes AWS's allow-all-within-the-group rules (EC2.2).
    aws.ec2.DefaultSecurityGroup(
        f"{name}-default-sg", vpc_id=vpc.id, tags={**tags, "Name": f"{label}-default"}, opts=child
    )
    # The default network ACL, managed, admits traffic within the VPC's range only (FSBP EC2.21); the
    # subnets use it. Network ACLs are stateless, so replies need the same range both ways.
    within = {
        "protocol": "-1",
        "rule_no": 100,
        "action": "allow",
        "cidr_block": cfg.vpcCidr,
        "from_port": 0,
        "to_port": 0,
    }
    aws.ec2.DefaultNetworkAcl(
        f"{name}-default-acl",
        default_network_acl_id=vpc.default_network_acl_id,
        subnet_ids=[s.id for s in subnets],
        ingress=[within],
        egress=[within],
        tags={**tags, "Name": f"{label}-default"},
        opts=child,
    )
    domain_group = aws.ec2.SecurityGroup(
        f"{name}-domain-sg",
        vpc_id=vpc.id,
        description="OpenSearch domain: HTTPS from the pipeline's clients only",
        tags={**tags, "Name": f"{label}-domain"},
        opts=child,
    )
    client_group = aws.ec2.SecurityGroup(
        f"{name}-client-sg",
        vpc_id=vpc.id,
        description="Firehose delivery and domain setup: HTTPS to the domain only",
        tags={**tags, "Name": f"{label}-client"},
        opts=child,
    )
    # Separate rule resources: inline rules of two groups naming each other would be a dependency cycle.
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-domain-https-in",
        security_group_id=domain_group.id,
        referenced_security_group_id=client_group.id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        description="HTTPS from Firehose and the setup function",
        tags=tags,
        opts=child,
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-client-https-out",
        security_group_id=client_group.id,
        referenced_security_group_id=domain_group.id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        description="HTTPS to the domain",
        tags=tags,
        opts=child,
    )
    _flow_logs(
        name,
        vpc,
        parent=parent,
        name_prefix=name_prefix,
        kms_key_arn=kms_key_arn,
        retention_days=log_retention_days,
        tags=tags,
    )
    ids = [s.id for s in subnets]
    return SearchNetwork(ids, [domain_group.id], ids, [client_group.id])


def _flow_logs(
    name: str,
    vpc: aws.ec2.Vpc,
    *,
    parent: pulumi.Resource,
    name_prefix: str,
    kms_key_arn: pulumi.Input[str],
    retention_days: int,
    tags: dict[str, str],
) -> None:
    """Rejected traffic of the VPC to a CMK-encrypted, card-masked log group (FSBP EC2.6 asks for REJECT)."""
    child = pulumi.ResourceOptions(parent=parent)
    group = aws.cloudwatch.LogGroup(
        f"{name}-flow-logs",
        name=physical("analytics-flow-log-group", name_prefix),
        kms_key_id=kms_key_arn,
        retention_in_days=retention_days,
        tags=tags,
        opts=child,
    )
    mask_card_numbers(f"{name}-flow-logs-data-protection", group, parent)
    account, region = account_and_region(parent)
    # Trust scoped as in "IAM role for publishing flow logs to CloudWatch Logs"
    # (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html): aws:SourceAccount and
    # aws:SourceArn of the account's flow logs.
    role = aws.iam.Role(
        f"{name}-flow-logs-role",
        assume_role_policy=policy_json(
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {
                            "aws:SourceArn": pulumi.Output.concat(
                                "arn:", partition_of(parent), ":ec2:", region, ":", account, ":vpc-flow-log/*"
                            )
                        },
                    },
                }
            ]
        ),
        tags=tags,
        opts=child,
    )
    aws.iam.RolePolicy(
        f"{name}-flow-logs-role-policy",
        role=role.id,
        policy=policy_json(
            [
                {
                    "Sid": "WriteFlowLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
                }
            ]
        ),
        opts=child,
    )
    aws.ec2.FlowLog(
        f"{name}-flow-log",
        vpc_id=vpc.id,
        traffic_type="REJECT",
        log_destination_type="cloud-watch-logs",
        log_destination=group.arn,
        iam_role_arn=role.arn,
        tags=tags,
        opts=child,
    )


def delivery_vpc_statement() -> dict[str, object]:
    """What Firehose's role needs to put its ENIs in the domain's subnets (Firehose API reference,
    ``VpcConfiguration.RoleARN``: these eight actions; EC2 has no resource-level scope for the Describe
    calls, and Firehose names no resource it creates in advance)."""
    return {
        "Sid": "DeliverInsideTheVpc",
        "Effect": "Allow",
        "Action": [
            "ec2:DescribeVpcs",
            "ec2:DescribeVpcAttribute",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeNetworkInterfaces",
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
        ],
        "Resource": "*",
    }
