"""A VPC and a bucket named <organization>-<stack>, as multi-tenant programs name them."""

import pulumi
import pulumi_aws as aws

prefix = f"{pulumi.get_organization()}-{pulumi.get_stack()}"
vpc = aws.ec2.Vpc(f"{prefix}-vpc", cidr_block="10.0.0.0/16", tags={"Name": prefix})
aws.s3.Bucket(f"{prefix}-logs", bucket=f"{prefix.lower()}-logs")
pulumi.export("prefix", prefix)
