"""A hub network from a component package, and a security group in it (as in a hub-and-spoke network)."""

import pulumi
import pulumi_aws as aws
from network_sdk import Vpc

hub = Vpc("hub-vpc", cidr_block="10.0.0.0/16", nat_gateways={"strategy": "None"})
aws.ec2.SecurityGroup("hub-sg", vpc_id=hub.vpc_id, description="hub")
pulumi.export("natGatewayCount", hub.nat_gateways.apply(len))
pulumi.export("vpcId", hub.vpc_id)
