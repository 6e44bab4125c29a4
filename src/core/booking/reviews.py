"""Reviews of events, hosts and guests, and the ratings they add up to.

Who may review what, once the event is over (ended, or marked held by its host) and only if
it was not cancelled:

* the event — its guests (a confirmed booking) and its host;
* the host — the event's guests;
* a guest — the event's host, about a guest of that event.

One review per author, target and subject for each event; its author may change it for
REVIEW_EDIT_DAYS days after writing it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import attrs

from core.booking.model import Event, EventId, EventStatus
from core.identity.model import AccountId
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.ids import uuid7

REVIEW_EDIT_DAYS = 14
TEXT_MAX = 2000


class ReviewTarget(enum.StrEnum):
    EVENT = "event"
    HOST = "host"
    GUEST = "guest"


def _rating(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationFailed("rating must be a whole number from 1 to 5", field="rating")
    return value


def _review_text(value: str) -> str:
    text = value.strip()
    if len(text) > TEXT_MAX:
        raise ValidationFailed(f"text must be at most {TEXT_MAX} characters", field="text")
    return text


@attrs.frozen
class Rating:
    """What the reviews of one subject add up to."""

    count: int = 0
    total: int = 0

    @property
    def average(self) -> float | None:
        """The mean of the ratings, to one decimal; None before the first review."""
        return None if self.count == 0 else round(self.total / self.count, 1)


@attrs.define
class Review:
    id: UUID
    event_id: EventId
    author_id: AccountId
    target: ReviewTarget
    subject_id: UUID  # the event, the host or the guest reviewed
    rating: int
    text: str
    created_at: datetime
    updated_at: datetime

    @property
    def editable_until(self) -> datetime:
        return self.created_at + timedelta(days=REVIEW_EDIT_DAYS)

    def edit(self, actor: AccountId, rating: int, text: str, now: datetime) -> None:
        if actor != self.author_id:
            raise NotFound("review not found")
        if now >= self.editable_until:
            raise Conflict(
                f"a review can be changed for {REVIEW_EDIT_DAYS} days after it was written;"
                " this one no longer can"
            )
        self.rating, self.text, self.updated_at = _rating(rating), _review_text(text), now


def is_over(event: Event, now: datetime) -> bool:
    """Held (marked by the host) or past its end, and not cancelled."""
    if event.status is EventStatus.CANCELLED:
        return False
    return event.status is EventStatus.HELD or now >= event.details.ends_at


def write(
    event: Event,
    author: AccountId,
    target: ReviewTarget,
    subject: UUID | None,
    attended: Sequence[AccountId],
    rating: int,
    text: str,
    now: datetime,
) -> Review:
    """A new review, if `author` may write it; `attended` are the event's confirmed guests."""
    if event.status is EventStatus.CANCELLED:
        raise Conflict("the event was cancelled, so there is nothing to review")
    if not is_over(event, now):
        raise Conflict("reviews open once the event is over")
    subject_id = _subject(event, author, target, subject, attended)
    return Review(
        id=uuid7(now),
        event_id=event.id,
        author_id=author,
        target=target,
        subject_id=subject_id,
        rating=_rating(rating),
        text=_review_text(text),
        created_at=now,
        updated_at=now,
    )


def _subject(
    event: Event,
    author: AccountId,
    target: ReviewTarget,
    subject: UUID | None,
    attended: Sequence[AccountId],
) -> UUID:
    host, guest = event.is_host(author), author in attended
    if target is ReviewTarget.EVENT and (host or guest):
        return event.id
    if target is ReviewTarget.HOST and guest and not host:
        return event.host_id
    if target is ReviewTarget.GUEST and host:
        if subject is None or AccountId(subject) not in attended:
            raise ValidationFailed(
                "the guest reviewed must have been at the event", field="subject_id"
            )
        return subject
    who = {
        ReviewTarget.EVENT: "its guests and its host",
        ReviewTarget.HOST: "the event's guests",
        ReviewTarget.GUEST: "the event's host",
    }[target]
    raise PermissionDenied(f"only {who} may write this review")


class ReviewRepository(Protocol):
    async def add(self, review: Review) -> None:
        """Store it; Conflict when its author already reviewed this subject for this event."""
        ...

    async def get(self, review_id: UUID) -> Review: ...

    async def save(self, review: Review) -> None: ...

    async def of_subject(self, target: ReviewTarget, subject_id: UUID, limit: int) -> list[Review]:
        """The newest `limit` reviews of one subject."""
        ...

    async def ratings(
        self, target: ReviewTarget, subject_ids: Sequence[UUID]
    ) -> dict[UUID, Rating]:
        """The rating of each subject (an empty Rating when it has no review)."""
        ...
