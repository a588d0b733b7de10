"""``python -m local plan | check | simulate``: eventfork without a cloud (contracts in docs/local.md)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

COMMANDS = {
    "plan": ("local.capture.plan", "print the resources the program declares"),
    "check": ("local.check", "evaluate the policy pack on the plan"),
    "simulate": ("local.simulate", "play a scenario in the embedded AWS emulator"),
    "bench": ("local.bench", "measure calls, delays, cost and check time side by side"),
    "outputs": ("local.capture.outputs", "print a stack's outputs from its plan"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    try:
        return int(modules[args.command].run(args))
    except Exception as error:  # noqa: BLE001 - one clear line for the user, not a traceback
        from local.capture import CaptureError

        known = isinstance(error, CaptureError) or type(error).__name__ in ("ConfigError", "PolicyConfigError")
        if not known and args.command not in ("plan", "check", "outputs"):
            raise
        message = str(error) if known else f"internal error: {type(error).__name__}: {error}"
        message = " ".join(message.split())
        if getattr(args, "json", False):
            print(json.dumps({"error": message}))
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
