"""One path for each buffer setting: stack config -> ``BufferConfig`` -> the component -> the function's env.

Everything here is derived from ``BufferConfig`` itself (its fields and ``FUNCTION_ENVIRONMENT``),
so a setting added to the class is checked with no line added here.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from eventfork.components.buffer import FifoEventBufferArgs, FifoEventBufferInputs
from eventfork.config.buffer import BufferConfig
from eventfork.config.schema import Rule
from tests.infra.plans import one, plan, value

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [f for f in dataclasses.fields(BufferConfig) if f.name != "enabled"]  # enabled: the program's choice
# What the component itself puts in the environment besides the settings (resources and AWS limits).
WIRING_ENV = {"BUFFER_TABLE", "TOPIC_ARN", "TOPIC_FIFO", "SOURCE_QUEUE_URL", "DLQ_URL"}
LIMITS_ENV = {"TOPIC_MAX_MESSAGE_BYTES", "DLQ_MAX_MESSAGE_BYTES"}
POWERTOOLS_ENV = {"POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME"}


def handler_settings() -> ModuleType:
    """functions/buffer/settings.py as the function loads it (its directory first on the path)."""
    import sys

    directory = str(ROOT / "functions" / "buffer")
    sys.path.insert(0, directory)
    try:
        spec = importlib.util.spec_from_file_location("buffer_settings_under_test", f"{directory}/settings.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses looks its module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(directory)


def other_value(rule: Rule, default: Any) -> Any:
    """An allowed value other than the default, from the rule alone."""
    if rule.kind == "bool":
        return not default
    if rule.choices is not None:
        return next(c for c in rule.choices if c != default)
    assert rule.kind == "int" and rule.maximum is not None
    return default + 1 if default < rule.maximum else default - 1


def test_the_function_reads_exactly_the_variables_the_config_and_the_component_set() -> None:
    settings = handler_settings()
    read = set(settings.ENVIRONMENT.values())
    assert set(settings.ENVIRONMENT) == {f.name for f in dataclasses.fields(settings.BufferSettings)}
    assert read == set(BufferConfig.FUNCTION_ENVIRONMENT) | WIRING_ENV | LIMITS_ENV
    env = value(one(plan(), "aws:lambda/function:Function", "buffer-function"), "environment.variables")
    assert set(env) - POWERTOOLS_ENV == read


def test_each_variable_names_a_setting_or_a_value_derived_from_the_settings() -> None:
    config = BufferConfig()
    for variable, source in BufferConfig.FUNCTION_ENVIRONMENT.items():
        assert hasattr(config, source), f"{variable}: BufferConfig has no {source}"
    assert set(config.function_environment()) == set(BufferConfig.FUNCTION_ENVIRONMENT)


def test_the_function_reads_the_values_the_config_writes() -> None:
    """Not the defaults: every setting changed at once, read back by the function's own parser."""
    settings = handler_settings()
    changed = {
        f.name: other_value(f.metadata["rule"], f.default)
        for f in SETTINGS
        if f.name in BufferConfig.FUNCTION_ENVIRONMENT.values()
    }
    config = BufferConfig(**changed)
    wiring = {name: "x" for name in WIRING_ENV} | {name: "1" for name in LIMITS_ENV} | {"TOPIC_FIFO": "true"}
    read = settings.BufferSettings.from_env({**wiring, **config.function_environment()})
    by_variable = {v: f for f, v in settings.ENVIRONMENT.items()}
    for variable, source in BufferConfig.FUNCTION_ENVIRONMENT.items():
        assert getattr(read, by_variable[variable]) == getattr(config, source), variable


def test_the_function_has_no_default_of_its_own() -> None:
    settings = handler_settings()
    full = {name: "1" for name in settings.ENVIRONMENT.values()}
    for variable in BufferConfig.FUNCTION_ENVIRONMENT:
        with pytest.raises(RuntimeError, match=variable):
            settings.BufferSettings.from_env({k: v for k, v in full.items() if k != variable})


def test_the_component_takes_the_section_whole_and_the_schema_shows_every_setting() -> None:
    """Python callers pass ``config=BufferConfig(...)``; other languages get each setting as an input,
    named as stack config names it, optional (the config's default applies)."""
    assert {f.type for f in dataclasses.fields(FifoEventBufferArgs) if f.name == "config"}
    flat = {f.name: f for f in dataclasses.fields(FifoEventBufferInputs)}
    assert {f.name for f in SETTINGS} <= set(flat) and "config" not in flat
    assert all(flat[f.name].default is None for f in SETTINGS)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda f: f.name)
def test_every_setting_reaches_what_the_stack_declares(setting: dataclasses.Field[Any]) -> None:
    """Changed alone in stack config, each setting changes the declared inputs (the function's
    environment, the queue, the table or the function): none stops on the way."""
    rule: Rule = setting.metadata["rule"]
    default = setting.default
    if default is None:  # derived (redriveMaxReceiveCount -> redrive_max_receive_count): a step from it
        default = getattr(BufferConfig(), re.sub(r"(?<!^)(?=[A-Z])", "_", setting.name).lower())
    changed = other_value(rule, default)
    base = plan().resources
    after = plan("dev", {"eventfork:buffer": {setting.name: changed}}).resources
    assert [r.inputs for r in base] != [r.inputs for r in after], f"{setting.name}={changed} changed nothing"
