"""Reviews on SQL; the unique index (event, author, target, subject) keeps one per pair."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from adapters.db.repository import SqlRepository, placeholders
from adapters.db.session import Row, uuid_of
from core.booking.model import EventId
from core.booking.reviews import Rating, Review, ReviewTarget
from core.identity.model import AccountId
from core.shared.errors import NotFound

_REVIEW = "id, event_id, author_id, target, subject_id, rating, text, created_at, updated_at"


def _review(row: Row) -> Review:
    return Review(
        id=row["id"],
        event_id=EventId(row["event_id"]),
        author_id=AccountId(row["author_id"]),
        target=ReviewTarget(row["target"]),
        subject_id=row["subject_id"],
        rating=row["rating"],
        text=row["text"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class SqlReviews(SqlRepository):
    async def add(self, review: Review) -> None:
        r = review
        await self.db.execute(
            f"INSERT INTO reviews ({_REVIEW}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            r.id,
            r.event_id,
            r.author_id,
            r.target.value,
            r.subject_id,
            r.rating,
            r.text,
            r.created_at,
            r.updated_at,
        )

    async def get(self, review_id: UUID) -> Review:
        row = await self.db.fetchrow(f"SELECT {_REVIEW} FROM reviews WHERE id = $1", review_id)
        if row is None:
            raise NotFound("review not found")
        return _review(row)

    async def save(self, review: Review) -> None:
        await self.db.execute(
            "UPDATE reviews SET rating = $2, text = $3, updated_at = $4 WHERE id = $1",
            review.id,
            review.rating,
            review.text,
            review.updated_at,
        )

    async def of_subject(self, target: ReviewTarget, subject_id: UUID, limit: int) -> list[Review]:
        rows = await self.db.fetch(
            f"SELECT {_REVIEW} FROM reviews WHERE target = $1 AND subject_id = $2"
            " ORDER BY id DESC LIMIT $3",
            target.value,
            subject_id,
            limit,
        )
        return [_review(row) for row in rows]

    async def ratings(
        self, target: ReviewTarget, subject_ids: Sequence[UUID]
    ) -> dict[UUID, Rating]:
        ratings = {subject: Rating() for subject in subject_ids}
        if not subject_ids:
            return ratings
        rows = await self.db.fetch(
            "SELECT subject_id, COUNT(*) AS count, SUM(rating) AS total FROM reviews"
            f" WHERE target = $1 AND subject_id IN ({placeholders(2, len(subject_ids))})"
            " GROUP BY subject_id",
            target.value,
            *subject_ids,
        )
        for row in rows:
            ratings[uuid_of(row["subject_id"])] = Rating(int(row["count"]), int(row["total"]))
        return ratings
