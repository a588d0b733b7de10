"""The resource plugin's entry point, as the Pulumi CLI starts it: ``python <this directory> <engine address>``.

``pulumi package add <repository>@<tag>`` and every later run of a consumer start a Python plugin
through the language host, which runs the plugin directory's ``__main__.py`` when there is one
(Python puts this directory first on ``sys.path``, so ``eventfork`` is this clone's; docs/package.md).
Without this file the host would run ``python -m pulumi.run.plugin eventfork``, which serves the
components at version 0.0.0.
"""

from eventfork.plugin import serve

if __name__ == "__main__":
    serve()
