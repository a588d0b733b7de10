"""Lambda invocations as they run: several at once per event source mapping, killed at the timeout.

AWS (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html): an SQS event source
mapping processes several batches at the same time, up to its ``ScalingConfig.MaximumConcurrency``
(2..1000) or, without one, up to 1,000 batches; on a FIFO queue at most one batch per message group
(SQS returns nothing of a group in flight, ``sqs_inflight.py``). AWS
(https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html): Lambda stops an
invocation when it reaches its timeout; the invocation fails and, for SQS, the whole batch
returns to the queue after its visibility timeout.

Each invocation runs in its own thread used as a coroutine: exactly one runs at a time. It hands
control back at every AWS call (``checkpoint``, called before a request reaches the emulator) and
whenever scenario time passes for it (a slow call, a retry backoff, the function's own sleep:
``VirtualClock.advance_to`` asks ``wait``). The scheduler resumes the invocation whose virtual time is
earliest, ties broken by a generator seeded from the scenario, so a run is reproducible. A call made
at or after the invocation's deadline raises ``FunctionTimedOut`` instead (a call started before the
deadline completes its effect, however slow). Invocations marked ``atomic`` (handlers whose process
state the simulator patches per call) run to their end without handing over.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_CONCURRENCY = 1000  # batches an SQS event source mapping processes at once without MaximumConcurrency


class FunctionTimedOut(BaseException):  # noqa: N818 - Lambda stopping the process, not an error it may catch
    """Lambda stopped the function at its timeout: the invocation failed, the batch returns whole."""


class Abandoned(BaseException):  # noqa: N818 - the scenario ended while the invocation was still running
    """The scenario ended with this invocation still running; it is stopped without an outcome."""


@dataclass(eq=False)
class Invocation:
    wake: float  # scenario second at which it continues
    deadline: float  # scenario second at which Lambda stops it
    atomic: bool
    label: str = ""
    resume: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    abandoned: bool = False
    in_call: int = 0  # > 0 while the emulator serves one of its calls (nested calls never hand over)
    error: BaseException | None = None  # what escaped the invocation's body: raised again in the runner
    thread: threading.Thread | None = None


class Scheduler:
    """Runs invocations on the virtual clock, earliest first, one at a time."""

    def __init__(self, clock: Any, seed: int = 0) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.running: list[Invocation] = []
        self.peaks: dict[str, int] = {}  # label (function name) -> most invocations running at once
        self._back = threading.Event()
        self._local = threading.local()
        clock.waiter = self.wait

    def current(self) -> Invocation | None:
        return getattr(self._local, "invocation", None)

    def start(self, body: Callable[[], None], timeout: float, atomic: bool = False, label: str = "") -> Invocation:
        """Start ``body`` as an invocation at the current instant (it runs in ``run_until``)."""
        deadline = self.clock.t + timeout if timeout > 0 else math.inf
        invocation = Invocation(wake=self.clock.t, deadline=deadline, atomic=atomic, label=label)
        invocation.thread = threading.Thread(target=self._run, args=(invocation, body), daemon=True)
        invocation.thread.start()
        self.running.append(invocation)
        same = sum(1 for i in self.running if i.label == label)
        self.peaks[label] = max(self.peaks.get(label, 0), same)
        return invocation

    def _run(self, invocation: Invocation, body: Callable[[], None]) -> None:
        self._local.invocation = invocation
        invocation.resume.wait()
        invocation.resume.clear()
        try:
            if not invocation.abandoned:
                body()
        except Abandoned:
            pass
        except BaseException as error:  # noqa: BLE001 - handed to the runner's thread, never lost in this one
            invocation.error = error
        finally:
            invocation.done = True
            self._back.set()

    def _hand_over(self, invocation: Invocation) -> None:
        if invocation.abandoned:  # stopping: never wait again (e.g. a call in a finally block)
            raise Abandoned
        self._back.set()
        invocation.resume.wait()
        invocation.resume.clear()
        if invocation.abandoned:
            raise Abandoned

    def wait(self, t: float) -> bool:
        """Scenario time passes for the calling invocation until ``t``; False outside one (the caller advances)."""
        invocation = self.current()
        if invocation is None or invocation.atomic or invocation.in_call:
            return False
        invocation.wake = t
        self._hand_over(invocation)
        return True

    def checkpoint(self, kill: bool = True) -> None:
        """An AWS call is about to be made: others due at this instant may go first; none after the deadline."""
        invocation = self.current()
        if invocation is None or invocation.in_call:
            return
        if not invocation.atomic:
            self._hand_over(invocation)
        if kill and self.clock.t >= invocation.deadline:
            raise FunctionTimedOut(f"stopped at its timeout ({invocation.deadline:g} s scenario time)")

    def enter_call(self) -> None:
        invocation = self.current()
        if invocation is not None:
            invocation.in_call += 1

    def exit_call(self) -> None:
        invocation = self.current()
        if invocation is not None:
            invocation.in_call -= 1

    def next_wake(self) -> float | None:
        return min((i.wake for i in self.running), default=None)

    def run_until(self, t: float) -> bool:
        """Run every invocation due by ``t``, earliest first, until each finished or waits past ``t``."""
        ran = False
        while True:
            due = [i for i in self.running if i.wake <= t]
            if not due:
                return ran
            earliest = min(i.wake for i in due)
            tied = [i for i in due if i.wake == earliest]
            chosen = tied[0] if len(tied) == 1 else self.rng.choice(tied)
            self._resume(chosen)
            ran = True

    def _resume(self, invocation: Invocation) -> None:
        if invocation.wake > self.clock.t:
            self.clock.t = invocation.wake
        self._back.clear()
        invocation.resume.set()
        self._back.wait()
        if invocation.done:
            self.running.remove(invocation)
            if invocation.thread is not None:
                invocation.thread.join()
            if invocation.error is not None:
                raise invocation.error

    def close(self) -> None:
        """Stop invocations still running when the scenario ends (their batches stay in flight)."""
        for invocation in list(self.running):
            invocation.abandoned = True
            self._resume(invocation)
        self.clock.waiter = None
