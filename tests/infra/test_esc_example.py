"""The ESC environment example configures a stack the program accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from stack_config import NAMESPACE, ConfigError, parse_settings
from tests.infra.plans import ROOT

EXAMPLE = ROOT / "examples" / "esc" / "eventfork-prod.yaml"


def _pulumi_config() -> dict[str, Any]:
    values = yaml.safe_load(EXAMPLE.read_text())["values"]
    config = values["pulumiConfig"]
    assert isinstance(config, dict) and config
    return config


def _as_engine_passes_it(config: dict[str, Any]) -> dict[str, Any]:
    """The engine passes objects to the program as JSON strings and strips the namespace."""
    prefix = f"{NAMESPACE}:"
    return {
        key[len(prefix) :]: json.dumps(value) if isinstance(value, (dict, list)) else value
        for key, value in config.items()
        if key.startswith(prefix)
    }


def test_esc_example_config_is_valid() -> None:
    settings = parse_settings(_as_engine_passes_it(_pulumi_config()), "prod")
    assert settings.namePrefix == "eventfork-prod"
    assert settings.buffer.deletionProtection is True
    assert settings.tags == {"team": "platform"}


def test_esc_example_keys_are_namespaced_known_keys() -> None:
    for key in _pulumi_config():
        assert key.split(":", 1)[0] in ("aws", NAMESPACE), key


def test_esc_example_logs_in_to_aws_with_oidc() -> None:
    login = yaml.safe_load(EXAMPLE.read_text())["values"]["aws"]["login"]["fn::open::aws-login"]
    assert set(login) == {"oidc"} and login["oidc"]["roleArn"].startswith("arn:aws:iam::")


def test_a_bad_esc_value_is_rejected_naming_the_key() -> None:
    config = _pulumi_config() | {"eventfork:buffer": {"batchSize": 99}}
    with pytest.raises(ConfigError, match=r"eventfork:buffer\.batchSize"):
        parse_settings(_as_engine_passes_it(config), "prod")
