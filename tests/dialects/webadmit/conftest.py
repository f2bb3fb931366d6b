"""WebAdMIT fixtures: a clock the rate limit reads, held still or moved by the test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from programhub.dialects.webadmit import ratelimit

# 2025-01-01T10:15:00Z: a quarter past the hour, so the window ends 2700 s later.
QUARTER_PAST = 1_735_726_500.0


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The rate limit's clock, stopped at QUARTER_PAST until the test moves it."""
    frozen = Clock(QUARTER_PAST)
    monkeypatch.setattr(ratelimit, "clock", frozen)
    return frozen
