"""Serves the five components as the ``eventfork`` resource plugin, at the distribution's own version.

The version is given, not left to the host: without it Pulumi's component provider serves 0.0.0,
and the SDKs that ``pulumi package add`` generates from the schema take that version.
"""

from __future__ import annotations


def serve() -> None:
    """Host the components with Pulumi's Python component provider (it reads the engine's
    address and flags from ``sys.argv``, prints its port and serves until the engine stops it)."""
    from pulumi.provider.experimental import component_provider_host

    import eventfork

    component_provider_host(list(eventfork.COMPONENTS), name="eventfork", version=eventfork.__version__)
