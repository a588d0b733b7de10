"""The plugin's entry point: hosts the five components with Pulumi's Python component provider.

``pulumi package add`` starts it (``PulumiPlugin.yaml``) and reads the schema the provider infers
from the components; ``python -m eventfork`` starts it from an installed distribution.
"""

import sys
from pathlib import Path

if not __package__:  # run as a directory (the plugin's main), not as python -m eventfork
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi.provider.experimental import component_provider_host  # noqa: E402

import eventfork  # noqa: E402

if __name__ == "__main__":
    component_provider_host(list(eventfork.COMPONENTS), name="eventfork", version=eventfork.__version__)
