"""A secret from config reaches a resource input, marked secret."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
token = config.require_secret("apiToken")
aws.ssm.Parameter("token", type="SecureString", value=token)
pulumi.export("token", token)
