"""Requires a config value the stack does not set."""

import pulumi

pulumi.Config().require("environment")
