"""Reviews, ratings and profiles: review an event, its host or a guest; read what people said.

Who may review what, and when, is decided in the core (core.booking.reviews): a review the
caller may not write is a 403, one written too early a 409.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from adapters.http.auth import BEARER, OPTIONAL_BEARER, CurrentAccount, Viewer
from adapters.http.deps import PlatformDep
from adapters.http.events import Cursor, Limit
from adapters.http.problems import problem_responses
from adapters.http.review_schemas import ProfileOut, ReviewIn, ReviewOut, ReviewPatch, ReviewsOut
from adapters.http.schemas import EventOut, EventPage
from core.booking import reviewing, services
from core.booking.commands import EditReview, WriteReview
from core.booking.model import EventId
from core.booking.reviews import ReviewTarget
from core.identity.model import AccountId
from core.shared.paging import PageRequest

Shown = Annotated[int, QueryParameter(ge=1, le=100, description="How many reviews to show")]


class ReviewsController(Controller):
    """Reviews under /api/v1: of events, of hosts, of guests."""

    path = "/api/v1"
    tags = ["reviews"]

    @post(
        "/events/{event_id:uuid}/reviews",
        status_code=201,
        operation_id="writeReview",
        security=BEARER,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def write(
        self,
        event_id: FromPath[UUID],
        data: JSONBody[ReviewIn],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ReviewOut:
        """Review the event, its host (guests), or one of its guests (the host)."""
        review = await reviewing.write_review(
            WriteReview(
                EventId(event_id), account_id, data.target, data.rating, data.text, data.subject_id
            ),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return ReviewOut.of(review)

    @patch(
        "/reviews/{review_id:uuid}",
        operation_id="editReview",
        security=BEARER,
        responses=problem_responses(401, 404, 409, 422),
    )
    async def edit(
        self,
        review_id: FromPath[UUID],
        data: JSONBody[ReviewPatch],
        platform: PlatformDep,
        account_id: CurrentAccount,
    ) -> ReviewOut:
        """Change one's own review, within 14 days of writing it."""
        review = await reviewing.edit_review(
            EditReview(review_id, account_id, data.rating, data.text),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        return ReviewOut.of(review)

    @get(
        "/events/{event_id:uuid}/reviews",
        operation_id="eventReviews",
        responses=problem_responses(404),
    )
    async def of_event(
        self, event_id: FromPath[UUID], platform: PlatformDep, limit: Shown = 20
    ) -> ReviewsOut:
        """The event's rating and its newest reviews."""
        rating, found = await reviewing.reviews_of(
            ReviewTarget.EVENT, event_id, uow=platform.new_uow(), limit=limit
        )
        return ReviewsOut.of(rating, found)

    @get(
        "/accounts/{person_id:uuid}/reviews",
        operation_id="accountReviews",
        responses=problem_responses(404),
    )
    async def of_account(
        self,
        person_id: FromPath[UUID],
        platform: PlatformDep,
        as_: Annotated[Literal["host", "guest"], QueryParameter(name="as")] = "host",
        limit: Shown = 20,
    ) -> ReviewsOut:
        """What guests said of a person as a host (`as=host`), or hosts as a guest."""
        target = ReviewTarget.HOST if as_ == "host" else ReviewTarget.GUEST
        rating, found = await reviewing.reviews_of(
            target, person_id, uow=platform.new_uow(), limit=limit
        )
        return ReviewsOut.of(rating, found)

    @get(
        "/accounts/{person_id:uuid}/profile",
        operation_id="profile",
        responses=problem_responses(404),
    )
    async def profile(self, person_id: FromPath[UUID], platform: PlatformDep) -> ProfileOut:
        """A person's name and their ratings as a host and as a guest."""
        found = await reviewing.profile(AccountId(person_id), uow=platform.new_uow())
        return ProfileOut.of(found)

    @get(
        "/accounts/{person_id:uuid}/events",
        operation_id="hostedEvents",
        security=OPTIONAL_BEARER,
        responses=problem_responses(401, 404, 422),
    )
    async def hosted(
        self,
        person_id: FromPath[UUID],
        platform: PlatformDep,
        viewer: Viewer,
        when: Annotated[
            Literal["upcoming", "past"], QueryParameter(description="Upcoming or past events")
        ] = "upcoming",
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> EventPage:
        """The events a person hosts, upcoming (soonest first) or past (latest first), with
        their ratings; others than the host see only the public ones."""
        page, ratings = await services.hosted_events(
            AccountId(person_id),
            PageRequest.parse(cursor, limit),
            past=when == "past",
            viewer=viewer,
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        return EventPage([EventOut.of(e, ratings.get(e.id)) for e in page.items], next_cursor)
