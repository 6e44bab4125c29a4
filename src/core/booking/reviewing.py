"""Review use cases: write and change a review, read a subject's reviews and rating."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

import attrs

from core.booking import reviews
from core.booking.commands import EditReview, WriteReview
from core.booking.ports import BookingUnitOfWork
from core.booking.reviews import Rating, Review, ReviewTarget
from core.identity.model import AccountId
from core.identity.ports import IdentityUnitOfWork
from core.shared.clock import Clock


async def write_review(cmd: WriteReview, *, uow: BookingUnitOfWork, clock: Clock) -> Review:
    """Review an event, its host or one of its guests (see core.booking.reviews for who may)."""
    async with uow:
        event = await uow.events.get(cmd.event_id)
        attended = await uow.guests.guest_ids(event.id)
        review = reviews.write(
            event,
            cmd.author_id,
            cmd.target,
            cmd.subject_id,
            attended,
            cmd.rating,
            cmd.text,
            clock.now(),
        )
        await uow.reviews.add(review)
        await uow.commit()
    return review


async def edit_review(cmd: EditReview, *, uow: BookingUnitOfWork, clock: Clock) -> Review:
    """Change one's own review, within the days it stays editable."""
    async with uow:
        review = await uow.reviews.get(cmd.review_id)
        review.edit(cmd.author_id, cmd.rating, cmd.text, clock.now())
        await uow.reviews.save(review)
        await uow.commit()
    return review


async def reviews_of(
    target: ReviewTarget, subject_id: UUID, *, uow: BookingUnitOfWork, limit: int = 20
) -> tuple[Rating, list[Review]]:
    """A subject's rating and its newest reviews, read together."""
    async with uow:
        rating = (await uow.reviews.ratings(target, [subject_id]))[subject_id]
        return rating, await uow.reviews.of_subject(target, subject_id, limit)


async def ratings_of(
    target: ReviewTarget, subject_ids: Sequence[UUID], *, uow: BookingUnitOfWork
) -> dict[UUID, Rating]:
    async with uow:
        return await uow.reviews.ratings(target, subject_ids)


class ProfileUnitOfWork(BookingUnitOfWork, IdentityUnitOfWork, Protocol):
    """A profile reads the account and the reviews about it."""


@attrs.frozen
class Profile:
    """What anyone may see of a person: the name, and ratings as a host and as a guest."""

    account_id: AccountId
    full_name: str
    as_host: Rating
    as_guest: Rating


async def profile(account_id: AccountId, *, uow: ProfileUnitOfWork) -> Profile:
    async with uow:
        account = await uow.accounts.get(account_id)
        as_host = await uow.reviews.ratings(ReviewTarget.HOST, [account.id])
        as_guest = await uow.reviews.ratings(ReviewTarget.GUEST, [account.id])
    return Profile(account.id, account.full_name, as_host[account.id], as_guest[account.id])
