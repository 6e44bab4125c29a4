"""Request and response bodies of reviews, ratings and profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from adapters.http.schemas import NO_NUL
from core.booking import reviews
from core.booking.reviewing import Profile
from core.booking.reviews import Rating, Review, ReviewTarget

Stars = Annotated[int, Meta(ge=1, le=5, description="1 (poor) to 5 (excellent)")]
ReviewText = Annotated[str, Meta(max_length=reviews.TEXT_MAX, pattern=NO_NUL)]


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    """A review of the event itself, of its host, or (by the host) of one of its guests."""

    target: ReviewTarget
    rating: Stars
    text: ReviewText = ""
    subject_id: UUID | None = None  # the guest, when the host reviews one


class ReviewPatch(msgspec.Struct, forbid_unknown_fields=True):
    rating: Stars
    text: ReviewText = ""


class RatingOut(msgspec.Struct):
    average: float | None
    count: int

    @classmethod
    def of(cls, rating: Rating) -> RatingOut:
        return cls(rating.average, rating.count)


class ReviewOut(msgspec.Struct):
    id: UUID
    event_id: UUID
    author_id: UUID
    target: ReviewTarget
    subject_id: UUID
    rating: int
    text: str
    created_at: datetime
    updated_at: datetime
    editable_until: datetime

    @classmethod
    def of(cls, review: Review) -> ReviewOut:
        return cls(
            id=review.id,
            event_id=review.event_id,
            author_id=review.author_id,
            target=review.target,
            subject_id=review.subject_id,
            rating=review.rating,
            text=review.text,
            created_at=review.created_at,
            updated_at=review.updated_at,
            editable_until=review.editable_until,
        )


class ReviewsOut(msgspec.Struct):
    rating: RatingOut
    items: list[ReviewOut]

    @classmethod
    def of(cls, rating: Rating, found: list[Review]) -> ReviewsOut:
        return cls(RatingOut.of(rating), [ReviewOut.of(r) for r in found])


class ProfileOut(msgspec.Struct):
    id: UUID
    full_name: str
    as_host: RatingOut
    as_guest: RatingOut

    @classmethod
    def of(cls, profile: Profile) -> ProfileOut:
        return cls(
            profile.account_id,
            profile.full_name,
            RatingOut.of(profile.as_host),
            RatingOut.of(profile.as_guest),
        )
