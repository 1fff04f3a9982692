"""A clock the test moves by hand, for code that takes one (``CircuitBreaker.clock``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ManualClock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
