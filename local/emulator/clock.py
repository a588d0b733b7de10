"""Scenario time: every emulated service and handler reads this clock, so hours play in seconds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z: scenario second 0


class VirtualClock:
    """Scenario time. ``now()`` is epoch seconds; ``t`` is seconds since the scenario started."""

    def __init__(self, start: float = EPOCH) -> None:
        self.start = start
        self.t = 0.0
        # Set by ``lambda_scheduler``: lets a running invocation wait for ``t`` while others run (True),
        # or declines (False) and the clock simply moves.
        self.waiter: Callable[[float], bool] | None = None

    def now(self) -> float:
        return self.start + self.t

    def advance_to(self, t: float) -> None:
        if t < self.t:
            raise ValueError(f"the clock cannot go back from {self.t} to {t}")
        if self.waiter is not None and self.waiter(t):
            return
        self.t = t

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of scenario time pass (a slow call, a retry's backoff)."""
        if seconds < 0:
            raise ValueError(f"the clock cannot go back by {seconds} s")
        self.advance_to(self.t + seconds)

    def unix_time(self, dt: datetime | None = None) -> float:
        if dt is not None:
            aware = dt if dt.tzinfo else dt.replace(tzinfo=UTC)
            return aware.timestamp()
        return self.now()

    def unix_time_millis(self, dt: datetime | None = None) -> float:
        return self.unix_time(dt) * 1000.0
