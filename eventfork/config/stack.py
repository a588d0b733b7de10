"""The stack-wide sections the program reads besides the components' own: ``eventfork:lambda`` and ``eventfork:kms``."""

from __future__ import annotations

from dataclasses import dataclass

from eventfork.config.schema import Rule, setting


@dataclass(frozen=True)
class LambdaConfig:
    """``eventfork:lambda``: settings shared by every function."""

    runtime: str = setting("python3.12", Rule("str", choices=("python3.12", "python3.13")))
    architecture: str = setting("arm64", Rule("str", choices=("arm64", "x86_64")))


@dataclass(frozen=True)
class KmsConfig:
    """``eventfork:kms``: the stack's customer-managed key."""

    deletionWindowDays: int = setting(30, Rule("int", 7, 30))
