"""``python -m eventfork``: hosts the five components as the resource plugin does (``eventfork/plugin.py``),
from an installed distribution; ``python -m eventfork ops ...`` is the operator's command instead
(``eventfork/ops``, docs/operations.md).
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["ops"]:  # the plugin takes no such argument
        from eventfork.ops.cli import run

        sys.exit(run(sys.argv[2:]))
    from eventfork.plugin import serve

    serve()
