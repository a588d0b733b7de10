"""Every function as deployed: the execution role AWS documents, and the log level the config asks for."""

from __future__ import annotations

import json

import pytest

from tests.infra.plans import one, plan, value

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ALL_PIPELINES = {
    "eventfork:analytics": {"enabled": True, "transform": True},
    "eventfork:backup": {"enabled": True, "redaction": True},
    "eventfork:replay": {"enabled": True},
}
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html: the trust policy of an
# execution role names the Lambda service and nothing else.
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def function_roles() -> list[str]:
    p = plan(overrides=ALL_PIPELINES)
    names = [f"{f.name}-role" for f in p.by_type(FUNCTION)]
    assert len(names) == 7, names  # buffer, two forwarders, two transforms, the domain's setup, replay
    return names


@pytest.mark.parametrize("role_name", function_roles())
def test_execution_role_trusts_lambda_exactly_as_aws_documents(role_name: str) -> None:
    role = one(plan(overrides=ALL_PIPELINES), ROLE, role_name)
    assert json.loads(value(role, "assumeRolePolicy")) == LAMBDA_TRUST


@pytest.mark.parametrize(
    ("level", "application", "system"),
    [("DEBUG", "DEBUG", "DEBUG"), ("INFO", "INFO", "INFO"), ("WARNING", "WARN", "INFO"), ("ERROR", "ERROR", "INFO")],
)
def test_pipeline_log_level_reaches_lambdas_json_log_filter(level: str, application: str, system: str) -> None:
    """With JSON logs Lambda drops application records below ``applicationLogLevel`` (default INFO)."""
    overrides = {key: {**section, "logLevel": level} for key, section in ALL_PIPELINES.items()}
    p = plan(overrides=overrides)
    names = [
        "backup-forwarder",
        "backup-redaction",
        "analytics-forwarder",
        "analytics-transform",
        "analytics-setup",
        "replay-function",
    ]
    for name in names:
        fn = one(p, FUNCTION, name)
        assert value(fn, "loggingConfig.logFormat") == "JSON"
        assert value(fn, "loggingConfig.applicationLogLevel") == application, name
        assert value(fn, "loggingConfig.systemLogLevel") == system, name
        assert value(fn, "environment.variables.POWERTOOLS_LOG_LEVEL") == level, name


def test_buffer_function_logs_at_info() -> None:
    fn = one(plan(), FUNCTION, "buffer-function")
    assert value(fn, "loggingConfig.applicationLogLevel") == "INFO"
    assert value(fn, "environment.variables.POWERTOOLS_LOG_LEVEL") == "INFO"
