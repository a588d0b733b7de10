"""The created domain's master user and the function that maps the pipeline's principals to their roles.

Declared by ``SearchAnalyticsPipeline`` for a created domain. The master user is a role of its own that
only the setup function (functions/search_setup) assumes: the Firehose delivery role is mapped to a
write-only OpenSearch role, readers to a read-only one, and the configured administrators to
``all_access`` and ``security_manager``. The function is invoked at deployment through
``aws.lambda_.Invocation`` whenever what it maps changes, and runs inside the domain's VPC.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.function import BuiltFunction, FunctionSpec, python_function
from eventfork.components.parts.search_network import SearchNetwork
from eventfork.naming import physical

SETUP_TIMEOUT_SECONDS = 120
# The security REST API calls the setup function makes (functions/search_setup/app.py).
SETUP_HTTP_ACTIONS = ["es:ESHttpGet", "es:ESHttpPut"]
# What AWSLambdaVPCAccessExecutionRole grants: a function in a VPC manages its own ENIs; EC2 has no
# resource-level scope for these calls (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
LAMBDA_VPC_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]


def setup_function(
    name: str,
    *,
    parent: pulumi.Resource,
    name_prefix: str,
    planned_domain_arn: pulumi.Input[str],
    network: SearchNetwork | None,
    kms_key_arn: pulumi.Input[str],
    log_retention_days: int,
    log_level: str,
    tags: dict[str, str],
) -> BuiltFunction:
    """The setup function; its role is the domain's master user."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ConfigureDomainSecurity",
            "Effect": "Allow",
            "Action": SETUP_HTTP_ACTIONS,
            "Resource": pulumi.Output.concat(planned_domain_arn, "/_plugins/_security/*"),
        }
    ]
    if network is not None:
        statements.append(
            {"Sid": "ManageOwnNetworkInterfaces", "Effect": "Allow", "Action": LAMBDA_VPC_ACTIONS, "Resource": "*"}
        )
    built = python_function(
        name,
        FunctionSpec(
            code_dir="search_setup",
            function_name=physical("analytics-setup-function", name_prefix),
            timeout=SETUP_TIMEOUT_SECONDS,
            memory_size=256,
            environment={},
            statements=statements,
            log_retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            tags=tags,
            log_level=log_level,
            vpc_config=None
            if network is None
            else {"subnet_ids": network.client_subnet_ids, "security_group_ids": network.client_security_group_ids},
        ),
        parent,
    )
    return built


def run_setup(
    name: str,
    built: BuiltFunction,
    *,
    parent: pulumi.Resource,
    domain: aws.opensearch.Domain,
    index_name: str,
    writer_arns: list[pulumi.Input[str]],
    reader_arns: list[str],
    admin_arns: list[str],
) -> aws.lambda_.Invocation:
    """Invoke the setup function once the domain exists, and again whenever its input changes."""
    payload = pulumi.Output.all(domain.endpoint, built.role.arn, *writer_arns).apply(
        lambda values: json.dumps(
            {
                "endpoint": values[0],
                "setupRoleArn": values[1],
                "writerArns": list(values[2:]),
                "readerArns": list(reader_arns),
                "adminArns": list(admin_arns),
                "indexName": index_name,
            },
            sort_keys=True,
        )
    )
    return aws.lambda_.Invocation(
        f"{name}-run",
        function_name=built.function.name,
        input=payload,
        triggers={"input": payload},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[domain]),
    )
