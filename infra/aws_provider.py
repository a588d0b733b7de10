"""The program's explicit AWS provider, given the stack's ``aws:*`` config as the default provider is.

Pulumi passes a stack's ``aws:*`` config to the default provider only; an explicit ``aws.Provider``
(needed here for the default tags every resource carries) gets nothing it is not handed. So every
``aws:<key>`` of the stack is passed on as the provider argument of that name (``aws:assumeRoles`` as
``assume_roles``; pulumi-aws's SDK names them), decoded from the JSON the engine hands programs where
the argument is not a string (the SDK encodes those back to the same JSON), secret if the config value
is secret. ``aws:defaultTags`` is merged with the program's tags. A key the provider does not have is
a config error naming it, as the default provider would refuse it.

The same identity (``deploy_session``) serves the one read the program makes itself before declaring
anything: a created OpenSearch domain's volume limits (``confirm_with_service``).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.provider.experimental.util import camel_case
from pulumi.runtime import config as runtime_config

from eventfork.config.schema import ConfigError
from eventfork.opensearch_limits import LimitsUnavailableError, confirm_volume
from stack_config import Settings, runtime_config_values

NAMESPACE = "aws"
# Region prefixes of the partitions whose DNS suffix is not amazonaws.com (aws-cn, the ISO partitions,
# the European Sovereign Cloud): refused, see provider_arguments.
OTHER_PARTITIONS = ("cn-", "us-iso", "eu-iso", "eusc-")
EVENTFORK = "eventfork"


def _provider_parameters() -> dict[str, tuple[str, bool]]:
    """The provider's arguments by config key (camelCase): the SDK's name and whether it takes a plain string."""
    parameters = inspect.signature(aws.Provider._internal_init).parameters
    return {
        camel_case(name): (name, str(parameter.annotation).startswith("typing.Union[str, NoneType"))
        for name, parameter in parameters.items()
        if name not in ("__self__", "resource_name", "opts")
    }


def provider_arguments(config: dict[str, Any], secret_keys: set[str], tags: dict[str, str]) -> dict[str, Any]:
    """Keyword arguments for ``aws.Provider`` from the stack's config (``aws:`` keys) and the program's tags."""
    parameters = _provider_parameters()
    problems: list[str] = []
    arguments: dict[str, Any] = {}
    stack_tags: dict[str, Any] = {}
    for full_key, raw in sorted(config.items()):
        if not full_key.startswith(f"{NAMESPACE}:"):
            continue
        key = full_key[len(NAMESPACE) + 1 :]
        if key not in parameters:
            problems.append(
                f"{full_key}: unknown key of the aws provider; allowed: {', '.join(sorted(parameters))} "
                "(https://www.pulumi.com/registry/packages/aws/installation-configuration/)"
            )
            continue
        python_name, takes_string = parameters[key]
        value: Any = raw
        if not takes_string and isinstance(raw, str):
            try:
                value = json.loads(raw)
            except ValueError:
                problems.append(f"{full_key}: got {raw!r}; allowed: a value of the provider's type for {key} (JSON)")
                continue
        if key == "region" and isinstance(value, str) and value.startswith(OTHER_PARTITIONS):
            problems.append(
                f"{full_key}: got {raw!r}; allowed: a region of the aws or aws-us-gov partition (elsewhere "
                "kms:ViaService and service principals are not the amazonaws.com names this program writes)"
            )
            continue
        if key == "defaultTags":
            stack_tags = dict((value or {}).get("tags") or {}) if isinstance(value, dict) else {}
            if not isinstance(value, dict) or set(value) - {"tags"}:
                problems.append(f'{full_key}: got {raw!r}; allowed: {{"tags": {{...}}}}')
            continue
        arguments[python_name] = pulumi.Output.secret(value) if full_key in secret_keys else value
    if problems:
        raise ConfigError(problems)
    arguments["default_tags"] = {"tags": {**stack_tags, **tags}}
    return arguments


def stack_provider(name: str, tags: dict[str, str]) -> aws.Provider:
    """The explicit provider every resource of the program uses."""
    config = runtime_config_values()
    secret_keys = {key for key in config if runtime_config.is_config_secret(key)}
    return aws.Provider(name, **provider_arguments(config, secret_keys, tags))


def deploy_session(config: dict[str, Any] | None = None) -> Any:
    """A boto3 session as the stack's provider authenticates: ``aws:accessKey``/``secretKey``/``token``
    or ``aws:profile``, ``aws:region``, then each role of ``aws:assumeRoles`` in turn (the provider's
    chain), for the few reads the program makes itself before declaring anything."""
    import boto3

    if config is None:
        config = runtime_config_values()

    def get(key: str) -> Any:
        return config.get(f"{NAMESPACE}:{key}")

    session = boto3.Session(
        aws_access_key_id=get("accessKey"),
        aws_secret_access_key=get("secretKey"),
        aws_session_token=get("token"),
        profile_name=None if get("accessKey") else get("profile"),
        region_name=get("region"),
    )
    roles = get("assumeRoles")
    for role in json.loads(roles) if isinstance(roles, str) else roles or []:
        request = {"RoleArn": role["roleArn"], "RoleSessionName": role.get("sessionName") or "eventfork-preview"}
        if role.get("externalId"):
            request["ExternalId"] = role["externalId"]
        credentials = session.client("sts").assume_role(**request)["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=session.region_name,
        )
    return session


def _under_mocks() -> bool:
    """Pulumi's mock runtime (tests, ``python -m local``): no engine, no AWS account to ask."""
    from pulumi.runtime import mocks
    from pulumi.runtime.settings import get_monitor

    return isinstance(get_monitor(), mocks.MockMonitor)


def confirm_with_service(settings: Settings, describe: Any = None) -> None:
    """At ``pulumi preview``/``up``, judge a created domain's volume by OpenSearch Service's own limits
    (``eventfork/opensearch_limits.py``), so types the documentation does not list are checked too.

    Asked as the stack's provider authenticates (``deploy_session``: keys or profile,
    region, assumed roles); needs ``es:DescribeInstanceTypeLimits``. If the service cannot be asked,
    a warning says so and the documented limits checked at parse time stand. Under mocks nothing is
    asked unless ``describe`` is given (tests)."""
    analytics = settings.analytics
    if not analytics.enabled or analytics.domainArn is not None or (describe is None and _under_mocks()):
        return
    try:
        problems = confirm_volume(
            f"{EVENTFORK}:analytics",
            analytics.instanceType,
            analytics.engineVersion,
            analytics.volumeSizeGb,
            describe or _limits_call(),
        )
    except LimitsUnavailableError as why:
        pulumi.log.warn(
            f"{EVENTFORK}:analytics: volumeSizeGb {analytics.volumeSizeGb} on {analytics.instanceType} not confirmed "
            f"with OpenSearch Service ({why}); only the documented limits were checked"
        )
        return
    if problems:
        raise ConfigError(problems)


def _limits_call() -> Any:
    """``DescribeInstanceTypeLimits`` in the deploy session, or why it cannot be made."""
    import botocore.exceptions

    try:
        return deploy_session().client("opensearch").describe_instance_type_limits
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        raise LimitsUnavailableError(f"{type(error).__name__}: {error}") from error
