"""``python -m local plan | check | simulate``: eventfork without a cloud (contracts in docs/local.md)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import threading
import traceback
from pathlib import Path

BOUNDED = ("plan", "check", "outputs")  # commands that run a program: their --timeout bounds the whole command
GRACE_SECONDS = 1.0  # the program's own time limit reports first (naming its line); this is the backstop

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
    if args.command in BOUNDED:
        _bound(args)
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


def _where(project: Path) -> str:
    """``file:line`` of the program's innermost frame in the main thread right now (what it is stuck on)."""
    frame = sys._current_frames().get(threading.main_thread().ident or 0)
    root, tool = str(project.resolve()), str(Path(__file__).resolve().parent)
    location = ""
    for entry in traceback.extract_stack(frame) if frame else []:
        if (
            entry.filename.startswith(root)
            and not entry.filename.startswith(tool)
            and "site-packages" not in entry.filename
        ):
            location = f"{os.path.relpath(entry.filename, root)}:{entry.lineno}"
    return location


def _bound(args: argparse.Namespace) -> None:
    """Stop the command, whatever it is doing, once ``--timeout`` is over: one clear line and exit code 2.

    The program's own time limit (a signal in its thread) reports first; a program that catches it, a
    thread it leaves running or a call that never returns is stopped here.
    """
    from local.capture.runtime import DEFAULT_TIMEOUT_SECONDS, set_deadline

    seconds = float(args.timeout if getattr(args, "timeout", None) else DEFAULT_TIMEOUT_SECONDS)
    set_deadline(seconds)
    project = Path(getattr(args, "project", ".")).resolve()  # now: the program changes the working directory
    report = os.fdopen(os.dup(1), "w")  # the tool's own standard output (the program's goes to stderr)

    def expire() -> None:
        where = _where(project)
        what = f"the program did not finish within {seconds:g} s (the limit is --timeout)"
        message = f"program failed at {where}: {what}" if where else f"program failed: {what}"
        try:
            if getattr(args, "json", False):
                report.write(json.dumps({"error": message}) + "\n")
                report.flush()
            sys.__stderr__.write(f"error: {message}\n")  # type: ignore[union-attr]
            sys.__stderr__.flush()  # type: ignore[union-attr]
        finally:
            os._exit(2)

    timer = threading.Timer(seconds + GRACE_SECONDS, expire)
    timer.daemon = True
    timer.start()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # threads a program left running do not keep the command alive
