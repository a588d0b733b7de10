"""A component package's VPC, its private subnets found again with get_subnets by the VPC's id, a server in one."""

import pulumi
import pulumi_aws as aws
from network_sdk import Vpc

vpc = Vpc("spoke", cidr_block="10.1.0.0/16", nat_gateways={"strategy": "None"})
private = aws.ec2.get_subnets_output(
    filters=[
        aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.vpc_id]),
        aws.ec2.GetSubnetsFilterArgs(name="tag:Name", values=["spoke-private-*"]),
    ]
)
aws.ec2.Instance("worker", ami="ami-0abcdef1234567890", instance_type="t3.micro", subnet_id=private.ids[0])
pulumi.export("firstSubnet", private.ids[0])
