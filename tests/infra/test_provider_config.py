"""The program's explicit AWS provider gets the stack's ``aws:*`` config, as the default provider would.

Pulumi hands a stack's ``aws:*`` config only to the default provider; an explicit ``aws.Provider``
(which the program needs for its default tags) gets only what the program passes. Without this, a
stack's ``aws:profile`` or ``aws:assumeRoles`` would be ignored and the deployment would run with
whatever ambient credentials the shell has, possibly in another account.
"""

from __future__ import annotations

import json

import pytest

from local.capture import CaptureError
from tests.infra.plans import one, plan, value

ROLE = "arn:aws:iam::123456789012:role/eventfork-deploy"


def provider_of(overrides: dict[str, object]) -> object:
    return one(plan(overrides=overrides), "pulumi:providers:aws", "aws")


def test_the_stacks_profile_role_and_account_guard_reach_the_explicit_provider() -> None:
    provider = provider_of(
        {
            "aws:profile": "prod-admin",
            "aws:assumeRoles": [{"roleArn": ROLE, "sessionName": "eventfork"}],
            "aws:allowedAccountIds": ["123456789012"],
            "aws:maxRetries": 8,
            "aws:skipMetadataApiCheck": False,
        }
    )
    assert value(provider, "profile") == "prod-admin"
    assert json.loads(value(provider, "assumeRoles")) == [{"roleArn": ROLE, "sessionName": "eventfork"}]
    assert json.loads(value(provider, "allowedAccountIds")) == ["123456789012"]
    assert json.loads(value(provider, "maxRetries")) == 8
    assert json.loads(value(provider, "skipMetadataApiCheck")) is False
    assert value(provider, "region") == "us-east-1"


def test_the_stacks_default_tags_are_kept_beside_the_programs() -> None:
    provider = provider_of({"aws:defaultTags": {"tags": {"costCenter": "42"}}})
    assert json.loads(value(provider, "defaultTags")) == {
        "tags": {"costCenter": "42", "eventfork:stack": "dev", "eventfork:project": "eventfork"}
    }


def test_an_aws_key_the_provider_does_not_have_fails_before_anything_is_declared() -> None:
    with pytest.raises(CaptureError, match=r"aws:profle: unknown key of the aws provider"):
        provider_of({"aws:profle": "prod-admin"})


def test_secret_config_stays_secret_and_strings_are_passed_as_given() -> None:
    import pulumi
    from aws_provider import provider_arguments

    config = {"aws:profile": "prod-admin", "aws:region": "eu-west-1", "aws:insecure": "false", "eventfork:x": "1"}
    arguments = provider_arguments(config, {"aws:profile"}, {"eventfork:stack": "dev"})
    assert isinstance(arguments["profile"], pulumi.Output)  # wrapped as a secret, never a plain string
    assert arguments["region"] == "eu-west-1" and arguments["insecure"] is False
    assert arguments["default_tags"] == {"tags": {"eventfork:stack": "dev"}}
    assert set(arguments) == {"profile", "region", "insecure", "default_tags"}
