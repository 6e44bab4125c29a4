"""Helpers for the distribution repository contract: conferences, points and participants
stored straight through the repositories, one committed transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tests.contract.support import Make, NewUow

from core.distribution.model import (
    Conference,
    ConferenceId,
    Participant,
    Person,
    PickupPoint,
    PointId,
    Slot,
)
from core.distribution.ports import ParticipantQuery
from core.identity.model import AccountId
from core.shared.paging import PageRequest

T = datetime(2031, 3, 1, 10, 0, tzinfo=UTC)
"""The "now" of the counts scenarios: fixed, so every window edge is exact."""


async def conference(make: Make, organiser: AccountId | None = None) -> Conference:
    if organiser is None:
        organiser = (await make.account()).id
    now = make.clock.now()
    made = Conference.create(
        organiser, "DevConf", "Expo hall", T - timedelta(hours=2), T + timedelta(hours=6),
        now=now, time_zone="Europe/Moscow", service_time=timedelta(seconds=40),
    )  # fmt: skip
    async with make.new_uow() as uow:
        await uow.conferences.add(made)
        await uow.commit()
    return made


async def point(
    make: Make, conference_id: ConferenceId, name: str = "Hall A", *, stock: int = 100
) -> PickupPoint:
    made = PickupPoint.create(conference_id, name, "Level 1", 2, stock, make.clock.now())
    async with make.new_uow() as uow:
        await uow.points.add(made)
        await uow.commit()
    return made


def person(last: str, first: str, second: str = "", email: str = "", phone: str = "") -> Person:
    return Person(last, first, second, email, phone)


def register(make: Make, conference_id: ConferenceId, who: Person) -> Participant:
    return Participant.register(conference_id, who, make.clock.now())


async def participants(
    make: Make, conference_id: ConferenceId, people: Sequence[Person]
) -> list[Participant]:
    made = [register(make, conference_id, who) for who in people]
    async with make.new_uow() as uow:
        await uow.participants.add_many(made)
        await uow.commit()
    return made


def planned(p: Participant, point_id: PointId | None, starts: datetime) -> Participant:
    p.assign(point_id, Slot(starts, starts + timedelta(minutes=15)), p.updated_at)
    return p


def handed(p: Participant, point_id: PointId, at: datetime, by: AccountId) -> Participant:
    p.delivered_at, p.delivered_point_id, p.delivered_by = at, point_id, by
    return p


async def read_all_pages(
    new_uow: NewUow, conference_id: ConferenceId, query: ParticipantQuery, limit: int
) -> list[list[Participant]]:
    """Every page of a search, following the cursors to the end."""
    pages: list[list[Participant]] = []
    page = PageRequest(limit=limit)
    for _ in range(100):
        async with new_uow() as uow:
            found = await uow.participants.search(conference_id, query, page)
        pages.append(list(found.items))
        if found.next_cursor is None:
            return pages
        page = PageRequest(found.next_cursor, limit)
    raise AssertionError("the cursors never reached the last page")
