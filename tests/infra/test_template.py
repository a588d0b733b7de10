"""The ``template:`` section of Pulumi.yaml: what ``pulumi new <repository url>`` prompts for.

Template config values reach the stack file as strings; each one must be a key the program
accepts and its default must pass the same validation ``pulumi up`` applies.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from stack_config import ALL_KEYS, NAMESPACE, parse_settings
from tests.infra.plans import ROOT

# botocore endpoints: region names such as us-east-1, eu-central-2, ap-southeast-4, us-gov-west-1.
AWS_REGION = r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d"


def _template() -> dict[str, Any]:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    template = project["template"]
    assert isinstance(template, dict)
    return template


def test_template_names_and_describes_the_project() -> None:
    template = _template()
    assert template["displayName"].strip()
    assert len(template["description"]) > 40


def test_every_template_key_has_a_description_and_a_default() -> None:
    config = _template()["config"]
    assert "aws:region" in config and f"{NAMESPACE}:namePrefix" in config
    for key, entry in config.items():
        assert entry.get("description", "").strip(), f"{key} has no description"
        assert isinstance(entry.get("default"), str) and entry["default"], f"{key} has no string default"


def test_every_template_key_is_one_the_config_schema_accepts() -> None:
    config = _template()["config"]
    for key in config:
        namespace, _, name = key.partition(":")
        assert namespace in ("aws", NAMESPACE), key
        if namespace == NAMESPACE:
            assert name in ALL_KEYS, f"{key} is not an eventfork config key ({', '.join(ALL_KEYS)})"
    assert re.fullmatch(AWS_REGION, config["aws:region"]["default"])


def test_template_defaults_make_a_valid_stack() -> None:
    config = _template()["config"]
    raw = {k.split(":", 1)[1]: v["default"] for k, v in config.items() if k.startswith(f"{NAMESPACE}:")}
    settings = parse_settings(raw, "dev")
    assert settings.namePrefix == raw["namePrefix"]
    assert settings.buffer.intervalSeconds == 60
    assert settings.fanout.fifo is True


def test_a_wrong_template_default_would_be_caught() -> None:
    """The check above can fail: a default outside the schema is rejected by the same parser."""
    import pytest

    from stack_config import ConfigError

    with pytest.raises(ConfigError, match="eventfork:buffer.intervalSeconds"):
        parse_settings({"buffer": '{"intervalSeconds": -5}'}, "dev")
