"""Simulate: provision a captured plan in the emulator, wire the real handlers, play a scenario.

``scenario`` parses scenario files; ``provision`` creates the resources; ``invokers`` runs the
handlers (with faults); ``runner`` plays the clock; ``report`` and ``invariants`` judge the result;
``reliability`` plays a large randomized load.
"""

from local.simulate.runner import add_arguments, run, simulate

__all__ = ["add_arguments", "run", "simulate"]
