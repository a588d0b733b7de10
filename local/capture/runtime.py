"""Run a program under the mock monitor as the Python language host runs it.

Fresh runtime state, the program's own directory as working directory and first on ``sys.path``,
its prints sent to standard error (standard output belongs to the tool's report), a time limit the
tool enforces itself, and the order in which the program *constructed* its resources remembered so
that plans come out in the same order every run (registrations themselves complete in any order).
"""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi.resource as pulumi_resource
from pulumi.runtime import settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.sync_await import _sync_await

DEFAULT_TIMEOUT_SECONDS = 120.0
_DEADLINE: list[float] = []  # when the whole command must have finished (time.monotonic) and its limit, once set
DEFAULT_ORGANIZATION = "organization"  # what the engine passes on a self-managed (file or object store) backend


def set_deadline(seconds: float) -> None:
    """The whole command (program, stack references, analysis) must finish ``seconds`` from now."""
    _DEADLINE[:] = [time.monotonic() + seconds, seconds]


def remaining(limit: float) -> float:
    """Seconds left of ``limit``, or of the command's deadline when one is set and nearer."""
    if not _DEADLINE:
        return limit
    return max(0.1, min(limit, _DEADLINE[0] - time.monotonic()))


class ProgramTimeoutError(Exception):
    """The program did not finish within the time limit."""


class UnanswerableInvokeError(Exception):
    """A synchronous invoke whose result is unknown offline (the program cannot go on with it)."""

    def __init__(self, token: str, args: dict[str, Any] | None = None, not_known: bool = False) -> None:
        self.token = token
        asked = ", ".join(f"{k}={v!r}" for k, v in sorted((args or {}).items()) if isinstance(v, (str, int, bool)))
        if not_known:
            super().__init__(
                f"invoke {token} was given a value not known before deployment (an output of a resource being "
                "created), so offline, as at a first preview, it has no answer; a synchronous call cannot return "
                "an unknown value (the *_output form of the function can)"
            )
            return
        super().__init__(
            f"invoke {token}{f' ({asked})' if asked else ''} looks up something the emulator's account does not "
            "have (a fresh account: the caller's identity, its availability zones, public AMIs, default VPC and "
            "subnets), so offline it has no answer; a synchronous call cannot return an unknown value (the "
            "*_output form of the function can)"
        )


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    stated = _DEADLINE[1] if _DEADLINE else seconds

    def expired(_signum: int, _frame: Any) -> None:
        raise ProgramTimeoutError(f"the program did not finish within {stated:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send the program's standard output to standard error: ``sys.stdout`` and file descriptor 1 itself,
    so that child processes (``os.system("zip ...")``) cannot write into the tool's report either."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def _patched(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _strict(invoke: Any, monitor: Any) -> Any:
    def strict_invoke(tok: str, *args: Any, **kwargs: Any) -> Any:
        given = len(getattr(monitor, "not_known_arguments", []))
        result = invoke(tok, *args, **kwargs)
        if not result.is_known:
            props = args[0] if args and isinstance(args[0], dict) else {}
            outputs = any(isinstance(v, pulumi.Output) for v in props.values())
            not_known = outputs or len(getattr(monitor, "not_known_arguments", [])) > given
            raise UnanswerableInvokeError(tok, props, not_known=not_known)
        return result

    return strict_invoke


SECRET_ACCESSORS = tuple(
    f"{verb}_secret{kind}" for verb in ("get", "require") for kind in ("", "_bool", "_int", "_float", "_object")
)


def _unknown_secret() -> Any:
    """An unknown value marked secret: what a ``secure:`` value that cannot be decrypted offline is."""
    from pulumi.output import UNKNOWN

    return pulumi.Output.secret(UNKNOWN)


def _undecryptable(accessor: Any, secret_keys: set[str]) -> Any:
    """A ``Config`` secret accessor that gives an unknown secret for a ``secure:`` key, as it cannot be decrypted."""

    def read(self: pulumi.Config, key: str, *args: Any, **kwargs: Any) -> Any:
        if self.full_key(key) in secret_keys:
            return _unknown_secret()
        return accessor(self, key, *args, **kwargs)

    return read


def run_program(
    *,
    main: Path,
    project: str,
    stack: str,
    config: dict[str, str],
    mocks: Any,
    monitor: Any,
    preview: bool,
    secret_keys: list[str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    organization: str = DEFAULT_ORGANIZATION,
) -> dict[str, Any]:
    """Run ``main`` as the engine would (fresh runtime state) and return its stack outputs (wire form).

    The SDK always runs in preview mode, so that any output the mocks leave out is unknown (as a
    provider-computed value is before deployment) rather than ``None``.
    """
    del preview  # what is known is decided by the mocks; the SDK always treats the rest as unknown
    import inspect

    # pulumi SDKs before organizations (3.4x) take no organization argument
    with_organization = "organization" in inspect.signature(settings.reset_options).parameters
    org: dict[str, Any] = {"organization": organization} if with_organization else {}
    settings.reset_options(project=project, stack=stack, preview=True, **org)
    set_all_config(config, secret_keys or [])
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=True, monitor=monitor, **org)
    root = settings.get_root_resource()
    program_dir = main.parent
    monitor.base_dir = cwd or program_dir
    monitor.stack, monitor.project = stack, project
    monitor.order = []
    original_register = pulumi_resource.register_resource

    def register_in_order(res: Any, ty: str, name: str, *args: Any, **kwargs: Any) -> Any:
        monitor.order.append((ty, name))
        return original_register(res, ty, name, *args, **kwargs)

    saved_path, saved_modules, saved_cwd = list(sys.path), set(sys.modules), os.getcwd()
    sys.path.insert(0, str(program_dir))
    try:
        with contextlib.ExitStack() as stack_:
            stack_.enter_context(_patched(pulumi_resource, "register_resource", register_in_order))
            stack_.enter_context(_patched(pulumi.runtime, "invoke", _strict(pulumi.runtime.invoke, monitor)))
            if hasattr(pulumi.runtime, "invoke_single"):  # pulumi >= 3.1xx: the synchronous form of invoke
                stack_.enter_context(
                    _patched(pulumi.runtime, "invoke_single", _strict(pulumi.runtime.invoke_single, monitor))
                )
            for accessor in SECRET_ACCESSORS:
                original = getattr(pulumi.Config, accessor)
                stack_.enter_context(
                    _patched(pulumi.Config, accessor, _undecryptable(original, set(secret_keys or [])))
                )
            stack_.enter_context(_stdout_to_stderr())
            stack_.enter_context(_time_limit(timeout))
            os.chdir(cwd or program_dir)

            def program() -> None:
                runpy.run_path(str(main), run_name="__main__")
                monitor.synchronous = len(monitor.order)

            _sync_await(pulumi.runtime.stack.run_pulumi_func(program))
            outputs = getattr(root, "outputs", {}) or {}
            return {key: _resolve(value) for key, value in sorted(outputs.items())}
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        _forget_program_modules(saved_modules, program_dir)


def _resolve(value: Any) -> Any:
    """A stack output as the engine records it (wire form): unknown if not known, a secret kept a secret."""
    from pulumi.runtime import rpc

    from local.capture.wire import downgrade_references

    return downgrade_references(_sync_await(rpc.serialize_property(value, [], None)))


def _forget_program_modules(before: set[str], program_dir: Path) -> None:
    """Unload the program's own modules so another project with same-named modules loads its own."""
    root = str(program_dir.resolve())
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(root):
            del sys.modules[name]
