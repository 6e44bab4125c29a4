"""The system clock: the one place that reads the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)  # noqa: TID251 - this adapter is the Clock port's real implementation
