"""Bench: eventfork's buffer against the reference sample's approach on the same emulator and load."""

from local.bench.runner import add_arguments, run

__all__ = ["add_arguments", "run"]
