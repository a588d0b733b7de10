"""The plugin's entry point: hosts the five components with Pulumi's Python component provider.

``python -m eventfork ops ...`` is the operator's command instead (``eventfork/ops``).

``pulumi package add`` starts it (``PulumiPlugin.yaml``) and reads the schema the provider infers
from the components; ``python -m eventfork`` starts it from an installed distribution.
"""

import sys
from pathlib import Path

if not __package__:  # run as a directory (the plugin's main), not as python -m eventfork
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["ops"]:  # the operator's command (docs/operations.md); the plugin takes no such argument
        from eventfork.ops.cli import run

        sys.exit(run(sys.argv[2:]))
    from pulumi.provider.experimental import component_provider_host

    import eventfork

    component_provider_host(list(eventfork.COMPONENTS), name="eventfork", version=eventfork.__version__)
