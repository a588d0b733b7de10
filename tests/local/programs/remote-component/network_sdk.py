"""A component package's Python SDK in the shape pulumi's SDK generator writes (as awsx's ``ec2.Vpc``)."""

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


@pulumi.input_type
class VpcArgs:
    def __init__(self, *, cidr_block: str | None = None, nat_gateways: dict | None = None) -> None:
        if cidr_block is not None:
            pulumi.set(self, "cidr_block", cidr_block)
        if nat_gateways is not None:
            pulumi.set(self, "nat_gateways", nat_gateways)

    @property
    @pulumi.getter(name="cidrBlock")
    def cidr_block(self) -> str | None:
        return pulumi.get(self, "cidr_block")

    @property
    @pulumi.getter(name="natGateways")
    def nat_gateways(self) -> dict | None:
        return pulumi.get(self, "nat_gateways")


class Vpc(pulumi.ComponentResource):
    """A VPC with its subnets and NAT gateways, built by the package's provider (remote=True)."""

    def __init__(
        self,
        resource_name: str,
        cidr_block: str | None = None,
        nat_gateways: dict | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = VpcArgs.__new__(VpcArgs)
        props.__dict__["cidr_block"] = cidr_block
        props.__dict__["nat_gateways"] = nat_gateways
        props.__dict__["vpc_id"] = None
        props.__dict__["public_subnet_ids"] = None
        super().__init__("netpkg:ec2:Vpc", resource_name, props, opts, remote=True)

    @property
    @pulumi.getter(name="natGateways")
    def nat_gateways(self) -> pulumi.Output[Sequence["aws.ec2.NatGateway"]]:
        return pulumi.get(self, "nat_gateways")

    @property
    @pulumi.getter(name="vpcId")
    def vpc_id(self) -> pulumi.Output[str]:
        return pulumi.get(self, "vpc_id")

    @property
    @pulumi.getter(name="publicSubnetIds")
    def public_subnet_ids(self) -> pulumi.Output[Sequence[str]]:
        return pulumi.get(self, "public_subnet_ids")
