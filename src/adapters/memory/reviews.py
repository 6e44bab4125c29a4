"""Reviews in memory; one per (event, author, target, subject), like the SQL unique index."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from adapters.memory.store import _Repo
from core.booking.reviews import Rating, Review, ReviewTarget
from core.shared.errors import Conflict

ALREADY = "you have already reviewed this for this event; change that review instead"


class MemoryReviews(_Repo):
    table = "reviews"

    async def add(self, review: Review) -> None:
        same = (review.event_id, review.author_id, review.target, review.subject_id)
        for other in self.tx.rows(self.table):
            if (other.event_id, other.author_id, other.target, other.subject_id) == same:
                raise Conflict(ALREADY)
        self.tx.put(self.table, review.id, review)

    async def get(self, review_id: UUID) -> Review:
        return self._get(review_id, "review")  # type: ignore[no-any-return]

    async def save(self, review: Review) -> None:
        self.tx.put(self.table, review.id, review)

    async def of_subject(self, target: ReviewTarget, subject_id: UUID, limit: int) -> list[Review]:
        found = [
            r for r in self.tx.rows(self.table) if r.target is target and r.subject_id == subject_id
        ]
        return sorted(found, key=lambda r: r.id, reverse=True)[:limit]

    async def ratings(
        self, target: ReviewTarget, subject_ids: Sequence[UUID]
    ) -> dict[UUID, Rating]:
        ratings = {subject: Rating() for subject in subject_ids}
        for r in self.tx.rows(self.table):
            if r.target is target and r.subject_id in ratings:
                seen = ratings[r.subject_id]
                ratings[r.subject_id] = Rating(seen.count + 1, seen.total + r.rating)
        return ratings
