"""Invokes: a policy document granting s3:* on * (built offline), partition, region, identity, AMI, AZs."""

import pulumi
import pulumi_aws as aws

document = aws.iam.get_policy_document_output(
    statements=[
        {"sid": "Everything", "actions": ["s3:*"], "resources": ["*"]},
        {
            "actions": ["sqs:SendMessage", "sqs:ReceiveMessage"],
            "resources": ["arn:aws:sqs:us-east-1:1:q"],
            "principals": [{"type": "Service", "identifiers": ["sns.amazonaws.com"]}],
            "conditions": [{"test": "ArnEquals", "variable": "aws:SourceArn", "values": ["arn:aws:sns:us-east-1:1:t"]}],
        },
    ]
)
aws.iam.Policy("wide", policy=document.json)
partition = aws.get_partition()
region = aws.get_region()
identity = aws.get_caller_identity_output()
ami = aws.ec2.get_ami_output(
    most_recent=True, owners=["amazon"], filters=[{"name": "name", "values": ["al2023-ami-*-x86_64"]}]
)
zones = aws.get_availability_zones_output(state="available")
token = aws.ecr.get_authorization_token_output()
topic = aws.sns.get_topic_output(name="orders")
pulumi.export("partition", partition.partition)
pulumi.export("region", region.name)
pulumi.export("dnsSuffix", partition.dns_suffix)
pulumi.export("account", identity.account_id)
pulumi.export("ami", ami.id)
pulumi.export("zones", zones.names)
pulumi.export("registry", token.proxy_endpoint)
pulumi.export("topic", topic.arn)
