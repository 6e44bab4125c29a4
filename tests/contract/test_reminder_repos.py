"""The reminder repository contract, alike on memory, SQLite and PostgreSQL.

The module shares one database, and `claim_due` sees every waiting reminder in it, so each
test leaves its reminders done or dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.booking.model import Event
from core.booking.reminders import Reminder, ReminderKind, reminders_for
from core.identity.model import AccountId


async def schedule(new_uow: NewUow, reminders: Sequence[Reminder]) -> None:
    async with new_uow() as uow:
        await uow.reminders.schedule(reminders)
        await uow.commit()


async def claim(
    new_uow: NewUow, now: datetime, limit: int = 100, *, done: bool = True
) -> list[Reminder]:
    async with new_uow() as uow:
        found = await uow.reminders.claim_due(now, limit)
        if done:
            await uow.reminders.mark_done([r.id for r in found], now)
            await uow.commit()
    return found


async def event_with_guests(make: Make, guests: int = 2) -> tuple[Event, list[UUID]]:
    host = await make.account()
    event = await make.event(host)
    bookings = [await make.booking(event, await make.account()) for _ in range(guests)]
    return event, [b.id for b in bookings]


def for_subjects(event: Event, subjects: list[UUID], now: datetime) -> list[Reminder]:
    return [
        r
        for s in subjects
        for r in reminders_for(s, AccountId(event.host_id), event.id, event.starts_at, now)
    ]


async def test_scheduling_twice_keeps_the_first_reminder_of_each_subject_and_kind(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event, subjects = await event_with_guests(make, 1)
    first = for_subjects(event, subjects, clock.now())
    await schedule(new_uow, first)
    await schedule(new_uow, for_subjects(event, subjects, clock.now()))
    found = await claim(new_uow, event.starts_at)
    assert sorted(r.id for r in found) == sorted(r.id for r in first)
    assert [r.kind for r in found] == [ReminderKind.DAY, ReminderKind.HOUR]


async def test_due_reminders_are_claimed_earliest_first_up_to_the_limit_and_once(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event, subjects = await event_with_guests(make, 3)
    await schedule(new_uow, for_subjects(event, subjects, clock.now()))
    day = event.starts_at - timedelta(hours=24)
    assert await claim(new_uow, day - timedelta(seconds=1)) == []
    first = await claim(new_uow, day, limit=2)
    rest = await claim(new_uow, day)
    assert [r.kind for r in first + rest] == [ReminderKind.DAY] * 3
    assert sorted(r.subject_id for r in first + rest) == sorted(subjects)
    assert await claim(new_uow, day) == []
    hour = await claim(new_uow, event.starts_at)
    assert [r.kind for r in hour] == [ReminderKind.HOUR] * 3


async def test_a_move_re_arms_reminders_ahead_and_settles_those_already_past(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event, subjects = await event_with_guests(make, 1)
    await schedule(new_uow, for_subjects(event, subjects, clock.now()))
    day = event.starts_at - timedelta(hours=24)
    [sent] = await claim(new_uow, day)
    later = event.starts_at + timedelta(days=3)
    async with new_uow() as uow:
        await uow.reminders.move(event.id, later, day)
        await uow.commit()
    assert await claim(new_uow, event.starts_at) == []
    [again] = await claim(new_uow, later - timedelta(hours=24))
    assert (again.id, again.due_at) == (sent.id, later - timedelta(hours=24))
    now = later - timedelta(hours=24)
    sooner = now + timedelta(hours=3)  # its day mark is past: settled; its hour mark ahead
    async with new_uow() as uow:
        await uow.reminders.move(event.id, sooner, now)
        await uow.commit()
    [hour] = await claim(new_uow, sooner)
    assert (hour.kind, hour.due_at) == (ReminderKind.HOUR, sooner - timedelta(hours=1))


async def test_dropped_reminders_are_never_claimed(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event, subjects = await event_with_guests(make, 2)
    other, others = await event_with_guests(make, 1)
    await schedule(new_uow, for_subjects(event, subjects, clock.now()))
    await schedule(new_uow, for_subjects(other, others, clock.now()))
    async with new_uow() as uow:
        await uow.reminders.drop(subjects[0])
        await uow.reminders.drop_event(other.id)
        await uow.commit()
    found = await claim(new_uow, max(event.starts_at, other.starts_at))
    assert {r.subject_id for r in found} == {subjects[1]}


async def test_two_jobs_at_once_never_claim_the_same_reminder(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    event, subjects = await event_with_guests(make, 6)
    await schedule(new_uow, for_subjects(event, subjects, clock.now()))
    day = event.starts_at - timedelta(hours=24)

    async def job() -> list[UUID]:
        async with new_uow() as uow:
            found = await uow.reminders.claim_due(day, 4)
            await asyncio.sleep(0.05)  # hold the claimed rows while the other job claims
            await uow.reminders.mark_done([r.id for r in found], day)
            await uow.commit()
        return [r.id for r in found]

    first, second = await asyncio.gather(job(), job())
    assert set(first).isdisjoint(second)
    assert len(first) + len(second) == 6
    await claim(new_uow, event.starts_at)  # settle the rest for the tests after this one
