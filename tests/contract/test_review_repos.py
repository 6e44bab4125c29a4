"""The review repository and the host's events list, alike on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.contract.support import Make, NewUow

from adapters.memory import SteppingClock
from core.booking.model import Event, Visibility
from core.booking.reviews import Rating, Review, ReviewTarget
from core.identity.model import AccountId
from core.shared.errors import Conflict
from core.shared.ids import uuid7
from core.shared.paging import PageRequest


def a_review(
    event: Event,
    author: AccountId,
    rating: int,
    at: datetime,
    target: ReviewTarget = ReviewTarget.EVENT,
) -> Review:
    return Review(uuid7(at), event.id, author, target, event.id, rating, "fine", at, at)


async def add(new_uow: NewUow, review: Review) -> None:
    async with new_uow() as uow:
        await uow.reviews.add(review)
        await uow.commit()


async def test_reviews_are_stored_edited_listed_and_rated(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, ann, bob = await make.account(), await make.account(), await make.account()
    event = await make.event(host)
    first = a_review(event, ann.id, 5, clock.now())
    await add(new_uow, first)
    await add(new_uow, a_review(event, bob.id, 2, clock.now()))
    async with new_uow() as uow:
        stored = await uow.reviews.get(first.id)
        stored.edit(ann.id, 4, "  changed  ", clock.now())
        await uow.reviews.save(stored)
        await uow.commit()
    async with new_uow() as uow:
        again = await uow.reviews.get(first.id)
        listed = await uow.reviews.of_subject(ReviewTarget.EVENT, event.id, 10)
        ratings = await uow.reviews.ratings(ReviewTarget.EVENT, [event.id, host.id])
        other = await uow.reviews.ratings(ReviewTarget.HOST, [event.id])
    assert (again.rating, again.text, again.updated_at > again.created_at) == (4, "changed", True)
    assert [r.author_id for r in listed] == [bob.id, ann.id]
    assert ratings == {event.id: Rating(2, 6), host.id: Rating()}
    assert ratings[event.id].average == 3.0
    assert other == {event.id: Rating()}


async def test_a_second_review_of_the_same_pair_and_event_is_a_conflict(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, ann = await make.account(), await make.account()
    event = await make.event(host)
    await add(new_uow, a_review(event, ann.id, 5, clock.now()))
    with pytest.raises(Conflict, match="already reviewed"):
        await add(new_uow, a_review(event, ann.id, 3, clock.now()))
    await add(new_uow, a_review(event, ann.id, 3, clock.now(), ReviewTarget.HOST))


async def test_the_hosts_events_past_latest_first_and_upcoming_soonest_first(
    new_uow: NewUow, make: Make, clock: SteppingClock
) -> None:
    host, other = await make.account(), await make.account()
    base = make.later(days=30)
    made = [await make.event(host, starts_at=base + timedelta(days=n)) for n in range(4)]
    await make.event(other, starts_at=base)
    now = base + timedelta(days=1, hours=12)  # two past, two ahead
    pages, cursor = [], None
    while True:
        async with new_uow() as uow:
            page = await uow.events.hosted_by(
                host.id, past=True, now=now, page=PageRequest(cursor, 1)
            )
        pages += [e.id for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == [made[1].id, made[0].id]
    async with new_uow() as uow:
        ahead = await uow.events.hosted_by(host.id, past=False, now=now, page=PageRequest())
    assert [e.id for e in ahead.items] == [made[2].id, made[3].id]
    hidden = await make.event(
        host, starts_at=base + timedelta(days=5), visibility=Visibility.PRIVATE
    )
    async with new_uow() as uow:
        public = await uow.events.hosted_by(
            host.id, past=False, now=now, page=PageRequest(), public_only=True
        )
        every = await uow.events.hosted_by(host.id, past=False, now=now, page=PageRequest())
    assert [e.id for e in public.items] == [made[2].id, made[3].id]
    assert [e.id for e in every.items] == [made[2].id, made[3].id, hidden.id]
