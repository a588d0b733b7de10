"""Reads the network stack's outputs and places a security group in its VPC."""

import pulumi
import pulumi_aws as aws

network = pulumi.StackReference("acme/network/prod")
vpc_id = network.require_output("vpcId")
aws.ec2.SecurityGroup("web", vpc_id=vpc_id, description="web")
pulumi.export("vpcId", vpc_id)
pulumi.export("dbPassword", network.get_output("dbPassword"))
