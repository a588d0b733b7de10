"""Builder for a Python Lambda function with its own least-privilege role and log group."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from eventfork.components.parts.common import merge_tags, policy_json
from eventfork.components.parts.packaging import function_archive
from eventfork.components.parts.resource_policies import mask_card_numbers
from eventfork.naming import physical

PACKAGE_DIR = Path(__file__).resolve().parents[2]
# Installed, the functions' code is package data (eventfork/functions); in the source tree, functions/.
FUNCTIONS_DIR = next(d for d in (PACKAGE_DIR / "functions", PACKAGE_DIR.parent / "functions") if d.is_dir())
# Config log level (Python's names, as Powertools takes them) -> Lambda's application log level.
LAMBDA_LOG_LEVELS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARN", "ERROR": "ERROR"}


@dataclass
class FunctionSpec:
    """What a function needs: its code folder under ``functions/``, settings and IAM statements."""

    code_dir: str
    function_name: str
    timeout: int
    memory_size: int
    environment: dict[str, pulumi.Input[str]]
    statements: list[dict[str, Any]]
    runtime: str = "python3.12"
    architecture: str = "arm64"
    log_retention_days: int = 30
    kms_key_arn: pulumi.Input[str] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    handler: str = "app.lambda_handler"
    log_level: str = "INFO"
    shared_modules: tuple[str, ...] = ()
    """Modules of ``functions/shared`` the code imports (``card_redaction.py``), put at the archive's root."""
    vpc_config: dict[str, Any] | None = None
    """Subnets and security groups the function runs in (Lambda ``VpcConfig``); default: outside any VPC."""


@dataclass
class BuiltFunction:
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup


def python_function(name: str, spec: FunctionSpec, parent: pulumi.Resource) -> BuiltFunction:
    """Role (assumable by Lambda only), inline policy, log group with retention, function with tracing."""
    code_path = FUNCTIONS_DIR / spec.code_dir
    if not (code_path / "app.py").is_file():
        raise FileNotFoundError(f"function code {code_path}/app.py is missing")
    for module in spec.shared_modules:
        if not (FUNCTIONS_DIR / "shared" / module).is_file():
            raise FileNotFoundError(f"shared module {FUNCTIONS_DIR / 'shared' / module} is missing")
    opts = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=physical("function-log-group", "", of=spec.function_name),
        retention_in_days=spec.log_retention_days,
        kms_key_id=spec.kms_key_arn,
        tags=spec.tags,
        opts=opts,
    )
    mask_card_numbers(f"{name}-logs-data-protection", log_group, parent)
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=policy_json(
            [
                # Exactly what AWS documents for an execution role: Lambda assumes it, with no condition.
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]
        ),
        tags=spec.tags,
        opts=opts,
    )
    base_statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(log_group.arn, ":*"),
        },
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
    ]
    role_policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=policy_json(base_statements + spec.statements),
        opts=opts,
    )
    function = aws.lambda_.Function(
        name,
        name=spec.function_name,
        runtime=spec.runtime,
        architectures=[spec.architecture],
        handler=spec.handler,
        code=function_archive(code_path, tuple(FUNCTIONS_DIR / "shared" / m for m in spec.shared_modules)),
        role=role.arn,
        timeout=spec.timeout,
        memory_size=spec.memory_size,
        environment={
            "variables": {
                "POWERTOOLS_SERVICE_NAME": spec.function_name,
                "POWERTOOLS_METRICS_NAMESPACE": "eventfork",
                "POWERTOOLS_LOG_LEVEL": spec.log_level,
                **spec.environment,
            }
        },
        tracing_config={"mode": "Active"},
        vpc_config=spec.vpc_config,
        logging_config={
            "log_format": "JSON",
            "log_group": log_group.name,
            # With JSON logs Lambda drops application records below this level (INFO when unset).
            "application_log_level": LAMBDA_LOG_LEVELS[spec.log_level],
            "system_log_level": "DEBUG" if spec.log_level == "DEBUG" else "INFO",
        },
        tags=merge_tags(spec.tags),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy, log_group]),
    )
    return BuiltFunction(function=function, role=role, log_group=log_group)
