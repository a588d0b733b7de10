"""Run the capture in the project's own Python (its virtualenv) and hand the result back to this tool.

The child gets this repository's ``local`` package at the end of ``sys.path`` (after the project's own
packages, so the program imports exactly what its environment has) and, when it is the same Python
version, a finder that lends it this tool's packages the capture itself needs (moto for the account's
lookups) but only to imports made by the capture code or by those packages, never to the program's own
imports. The pulumi SDK, the providers and everything the program imports come from the project's
environment. The result travels back as a pickle of plain dataclasses.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # this module is loaded on its own in the project's Python, before the capture code
    from local.capture.interpreter import Interpreter
    from local.capture.model import Capture

TOOL_PYTHON_ENV = "LOCAL_CHECK_TOOL_PYTHON"  # the tool's own Python, for commands the child starts
# the oldest SDK the capture was verified with (3.60, 3.100, 3.150 give the current SDK's plan); it needs at
# least 3.39.0's set_mocks(monitor=...), and 3.39-3.59 (grpcio 1.47) could not be installed to verify them
MINIMUM_PULUMI = (3, 60, 0)
_ROOT = Path(__file__).resolve().parents[2]
_BOOTSTRAP = (  # loads this file alone, so that an unsuitable pulumi SDK is named before anything imports it
    "import sys, importlib.util as u; sys.path[:] = [p for p in sys.path if p]; sys.path.append(sys.argv[1]); "
    "s = u.spec_from_file_location('local_capture_child', sys.argv[2]); m = u.module_from_spec(s); "
    "s.loader.exec_module(m); m.child_main(sys.argv[3], sys.argv[4])"
)


def _tool_paths() -> list[str]:
    return [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)]


def capture_elsewhere(interpreter: Interpreter, arguments: dict[str, Any], timeout: float) -> Capture:
    """``capture(**arguments)`` run by ``interpreter.executable``; its CaptureError is raised here."""
    from local.capture.model import CaptureError
    from local.capture.program import ProgramError

    assert interpreter.executable is not None
    with tempfile.TemporaryDirectory(prefix="local-capture-") as scratch:
        request, result = Path(scratch) / "request.json", Path(scratch) / "result.pickle"
        request.write_text(
            json.dumps(
                {"arguments": arguments, "version": list(sys.version_info[:2]), "tool_paths": _tool_paths()},
                default=str,
            )
        )
        environ = dict(interpreter.environ, **{TOOL_PYTHON_ENV: sys.executable})
        command = [interpreter.executable, "-c", _BOOTSTRAP, str(_ROOT), __file__, str(request), str(result)]
        try:
            done = subprocess.run(
                command, cwd=scratch, env=environ, capture_output=True, text=True, timeout=timeout + 10, check=False
            )
        except subprocess.TimeoutExpired:
            raise CaptureError(f"program did not finish within {timeout:g} s in {interpreter.executable}") from None
        except OSError as error:
            raise CaptureError(f"the project's Python {interpreter.executable} does not run: {error}") from None
        sys.stderr.write(done.stdout + done.stderr)
        if not result.is_file():
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise CaptureError(f"the project's Python {interpreter.executable} could not run the capture: {last}")
        try:
            with result.open("rb") as handle:
                payload = pickle.load(handle)  # noqa: S301 - written by our own child process just now
        except Exception as error:  # noqa: BLE001 - a result this tool cannot read is reported in one line
            raise CaptureError(
                f"the capture in {interpreter.executable} gave a result not readable here: {error}"
            ) from None
    if "capture" in payload:
        return payload["capture"]  # type: ignore[no-any-return]
    kind = ProgramError if payload.get("kind") == "ProgramError" else CaptureError
    raise kind(str(payload["error"]))


def _install_tool_finder(paths: list[str]) -> None:
    """Let the capture code (and what it imports) find this tool's packages the project's Python lacks."""
    import importlib.machinery
    import importlib.metadata

    own = (str(_ROOT / "local"), *paths)

    def asked_by_tool() -> bool:
        frame = sys._getframe(2)
        while frame is not None and ("importlib" in frame.f_code.co_filename or frame.f_code.co_filename == __file__):
            frame = frame.f_back  # type: ignore[assignment]
        return frame is not None and frame.f_code.co_filename.startswith(own)

    class ToolPackages:
        @staticmethod
        def find_spec(name: str, path: Any = None, target: Any = None) -> Any:
            if path is not None or not asked_by_tool():
                return None
            return importlib.machinery.PathFinder.find_spec(name, paths)

        @staticmethod
        def find_distributions(context: Any = None) -> Any:
            if not asked_by_tool():
                return iter(())
            name = getattr(context, "name", None)
            lent = importlib.metadata.DistributionFinder.Context(name=name, path=paths)
            return importlib.metadata.MetadataPathFinder.find_distributions(lent)

    sys.meta_path.append(ToolPackages)  # type: ignore[arg-type]


def _pulumi_version() -> tuple[int, ...]:
    from importlib.metadata import version

    text = version("pulumi")
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


def child_main(request_path: str, result_path: str) -> None:
    """In the project's Python: run the capture in process and write what it gave (or its error)."""
    request = json.loads(Path(request_path).read_text())
    if list(sys.version_info[:2]) == request["version"]:
        _install_tool_finder(request["tool_paths"])
    payload: dict[str, Any]
    try:
        found = _pulumi_version()
    except Exception:  # noqa: BLE001 - no pulumi distribution at all
        found = ()
    needed = ".".join(map(str, MINIMUM_PULUMI))
    where = f"the project's Python {sys.executable}"
    if not found or found < MINIMUM_PULUMI:
        have = "pulumi " + ".".join(map(str, found)) if found else "no pulumi SDK"
        payload = {"error": f"{where} has {have}; the offline check needs pulumi >= {needed} there"}
    else:
        try:
            import pulumi  # noqa: F401 - the engine's program imports it first; a broken SDK fails here for both
        except Exception as error:  # noqa: BLE001 - reported in one line
            have = ".".join(map(str, found))
            text = " ".join(str(error).split())[:300]
            payload = {
                "error": f"{where} cannot import its pulumi {have} ({type(error).__name__}: {text}); "
                "the program would fail the same way under the engine"
            }
            _write(result_path, payload)
            return
        from local.capture.model import CaptureError

        try:
            from local.capture.program import capture

            arguments = dict(request["arguments"], in_process=True)
            payload = {"capture": capture(**arguments)}
        except CaptureError as error:
            payload = {"error": str(error), "kind": type(error).__name__}
        except Exception as error:  # noqa: BLE001 - the capture code itself failed with this SDK
            have = ".".join(map(str, found))
            text = " ".join(str(error).split())[:300]
            payload = {
                "error": f"{where} has pulumi {have}, with which the offline check's capture failed "
                f"({type(error).__name__}: {text}); it needs pulumi >= {needed} there"
            }
    _write(result_path, payload)


def _write(result_path: str, payload: dict[str, Any]) -> None:
    with open(result_path, "wb") as handle:
        pickle.dump(payload, handle, protocol=4)
