"""A web server in the default VPC, placed with synchronous lookups (as the public EC2 examples do)."""

import pulumi
import pulumi_aws as aws

zones = aws.get_availability_zones(state="available")
ami = aws.ec2.get_ami(
    most_recent=True,
    owners=["amazon"],
    filters=[{"name": "name", "values": ["amzn2-ami-hvm-*-x86_64-gp2"]}],
)
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])

group = aws.ec2.SecurityGroup("web-sg", vpc_id=vpc.id, description="web")
server = aws.ec2.Instance(
    "web",
    ami=ami.id,
    instance_type="t3.micro",
    subnet_id=subnets.ids[0],
    availability_zone=zones.names[0],
    vpc_security_group_ids=[group.id],
)
pulumi.export("zones", zones.names)
pulumi.export("vpcCidr", vpc.cidr_block)
