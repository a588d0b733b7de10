"""One project, two roles: the network stack exports its VPC, an app stack places its security group in it."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
if config.require("role") == "network":
    vpc = aws.ec2.Vpc("shared", cidr_block="10.0.0.0/16")
    pulumi.export("vpcId", vpc.id)
else:
    network = pulumi.StackReference(config.require("networkStack"))
    aws.ec2.SecurityGroup("app", vpc_id=network.require_output("vpcId"), description="app")
