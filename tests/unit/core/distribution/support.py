"""Small builders for planner tests: points, participants and a window on a fixed date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from core.distribution.planner import HandOutWindow, PlanParticipant, PlanPoint

OPENING = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
SERVICE = timedelta(seconds=30)


def pid(n: int) -> UUID:
    return UUID(int=n)


def point(n: int, desks: int) -> PlanPoint:
    return PlanPoint(UUID(int=10**6 + n), f"Point {n}", desks)


def person(n: int, last_name: str, prefers: PlanPoint | UUID | None = None) -> PlanParticipant:
    wish = prefers.id if isinstance(prefers, PlanPoint) else prefers
    return PlanParticipant(pid(n), last_name, wish)


def window(minutes: int) -> HandOutWindow:
    return HandOutWindow.lasting(OPENING, timedelta(minutes=minutes))
