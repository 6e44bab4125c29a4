"""Small builders for distribution tests: planner points, participants and a window on a
fixed date; and the use-case steps several test modules take on the in-memory store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tests.unit.support import NewUow

from adapters.memory import SteppingClock
from core.distribution import services
from core.distribution.model import Conference, PickupPoint, PointId, Role
from core.distribution.planner import HandOutWindow, PlanParticipant, PlanPoint
from core.identity.model import Account
from core.shared.outbox import OutboxMessage

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


Outbox = Callable[[], list[OutboxMessage]]


async def add_point(
    new_uow: NewUow,
    clock: SteppingClock,
    organiser: Account,
    made: Conference,
    name: str,
    stock: int = 10,
) -> PickupPoint:
    return await services.add_point(
        services.NewPoint(made.id, name, stock=stock),
        actor=organiser.id,
        uow=new_uow(),
        clock=clock,
    )


async def join_as_staff(
    new_uow: NewUow,
    clock: SteppingClock,
    organiser: Account,
    made: Conference,
    helper: Account,
    point_id: PointId | None = None,
) -> None:
    _, token = await services.invite_staff(
        made.id, Role.STAFF, point_id, actor=organiser.id, uow=new_uow(), clock=clock
    )
    await services.accept_invitation(token, actor=helper.id, uow=new_uow(), clock=clock)


def roster_changes(outbox: Outbox) -> list[tuple[UUID, str]]:
    return [
        (m.event.conference_id, m.event.what)
        for m in outbox()
        if m.event.name == "distribution.roster_changed"
    ]
