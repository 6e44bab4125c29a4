"""Clocks for tests and simulations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs


@attrs.define
class FixedClock:
    """Always the same instant until a test moves it."""

    current: datetime = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@attrs.define
class SteppingClock:
    """Moves forward by `step` every time it is read: distinct, ordered instants."""

    current: datetime = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    step: timedelta = timedelta(milliseconds=1)

    def now(self) -> datetime:
        value = self.current
        self.current += self.step
        return value

    def advance(self, delta: timedelta) -> None:
        self.current += delta
