"""Policies given as objects (PolicyDocumentArgs or a dict), as pulumi-aws's typed inputs allow."""

import json

import pulumi
import pulumi_aws as aws

role = aws.iam.Role(
    "lambda-role",
    assume_role_policy=aws.iam.PolicyDocumentArgs(
        version="2012-10-17",
        statement=[
            aws.iam.PolicyStatementArgs(
                effect="Allow",
                action="sts:AssumeRole",
                principal={"Service": "lambda.amazonaws.com"},
            )
        ],
    ),
)
policy = aws.iam.Policy(
    "read-logs",
    policy={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["logs:GetLogEvents"], "Resource": "*"}],
    },
)
pulumi.export("assumeRoleStatements", role.assume_role_policy.apply(lambda text: len(json.loads(text)["Statement"])))
pulumi.export("policyActions", policy.policy.apply(lambda text: json.loads(text)["Statement"][0]["Action"]))
