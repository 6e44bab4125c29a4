"""Reviews and ratings: who may review what and when, one review per pair and event, edits
for fourteen days, averages on events, hosts and guests; marking an event held; the host's
past and upcoming events."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from tests.unit.support import BookHelper, NewUow, PublishHelper, RegisterAccount

from adapters.memory import SteppingClock
from core.booking.commands import CancelEvent, EditReview, MarkHeld, WriteReview
from core.booking.model import Event, EventStatus, Visibility
from core.booking.reviewing import edit_review, profile, reviews_of, write_review
from core.booking.reviews import REVIEW_EDIT_DAYS, Review, ReviewTarget
from core.booking.services import cancel_event, guest_list, hosted_events, mark_held
from core.identity.model import Account
from core.shared.errors import Conflict, PermissionDenied, ValidationFailed
from core.shared.paging import PageRequest


@attrs.frozen
class Party:
    host: Account
    guest: Account
    other: Account
    stranger: Account
    event: Event


@pytest.fixture
async def party(
    register_account: RegisterAccount, publish: PublishHelper, book: BookHelper
) -> Party:
    """A host, two guests with confirmed bookings, a stranger, and their event a week ahead."""
    host, ann, bob, stranger = [await register_account() for _ in range(4)]
    event = await publish(host, title="Film night")
    await book(event, ann)
    await book(event, bob)
    return Party(host, ann, bob, stranger, event)


def after(clock: SteppingClock, event: Event) -> None:
    clock.current = event.details.ends_at + timedelta(minutes=1)


async def review(
    party: Party,
    new_uow: NewUow,
    clock: SteppingClock,
    author: str,
    target: ReviewTarget,
    subject: str | None = None,
    rating: int = 4,
) -> Review:
    about = getattr(party, subject).id if subject else None
    return await write_review(
        WriteReview(
            party.event.id, getattr(party, author).id, target, rating, "Lovely evening", about
        ),
        uow=new_uow(),
        clock=clock,
    )


# (author, target, subject): allowed after the event? Before it, nobody may review anything.
MATRIX = [
    ("guest", ReviewTarget.EVENT, None, True),
    ("host", ReviewTarget.EVENT, None, True),
    ("stranger", ReviewTarget.EVENT, None, False),
    ("guest", ReviewTarget.HOST, None, True),
    ("host", ReviewTarget.HOST, None, False),
    ("stranger", ReviewTarget.HOST, None, False),
    ("host", ReviewTarget.GUEST, "guest", True),
    ("guest", ReviewTarget.GUEST, "other", False),
    ("stranger", ReviewTarget.GUEST, "guest", False),
]


@pytest.mark.parametrize(("author", "target", "subject", "allowed"), MATRIX)
@pytest.mark.parametrize("moment", ["before", "after", "held"])
async def test_review_eligibility(
    party: Party,
    new_uow: NewUow,
    clock: SteppingClock,
    author: str,
    target: ReviewTarget,
    subject: str | None,
    allowed: bool,
    moment: str,
) -> None:
    event, host = party.event, party.host
    if moment == "after":
        after(clock, event)
    elif moment == "held":  # the host marks it held as soon as it started, before its end
        clock.current = event.starts_at + timedelta(minutes=30)
        await mark_held(MarkHeld(event.id, host.id), uow=new_uow(), clock=clock)
    if moment == "before":
        with pytest.raises(Conflict, match="once the event is over"):
            await review(party, new_uow, clock, author, target, subject)
    elif allowed:
        made = await review(party, new_uow, clock, author, target, subject)
        assert made.target is target
    else:
        with pytest.raises(PermissionDenied, match="only"):
            await review(party, new_uow, clock, author, target, subject)


async def test_a_host_reviews_only_guests_of_the_event(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    after(clock, party.event)
    with pytest.raises(ValidationFailed, match="at the event") as caught:
        await review(party, new_uow, clock, "host", ReviewTarget.GUEST, "stranger")
    assert caught.value.field == "subject_id"


async def test_a_cancelled_event_cannot_be_reviewed(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    event, host = party.event, party.host
    await cancel_event(CancelEvent(event.id, host.id), uow=new_uow(), clock=clock)
    after(clock, event)
    with pytest.raises(Conflict, match="cancelled"):
        await review(party, new_uow, clock, "host", ReviewTarget.EVENT)


async def test_one_review_per_author_subject_and_event(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    after(clock, party.event)
    await review(party, new_uow, clock, "guest", ReviewTarget.EVENT)
    await review(party, new_uow, clock, "guest", ReviewTarget.HOST)  # another subject: fine
    with pytest.raises(Conflict, match="already reviewed"):
        await review(party, new_uow, clock, "guest", ReviewTarget.EVENT)


@pytest.mark.parametrize("rating", [0, 6, -1])
async def test_a_rating_is_one_to_five(
    party: Party, new_uow: NewUow, clock: SteppingClock, rating: int
) -> None:
    after(clock, party.event)
    with pytest.raises(ValidationFailed, match="1 to 5"):
        await review(party, new_uow, clock, "guest", ReviewTarget.EVENT, rating=rating)


async def test_a_review_is_editable_by_its_author_for_fourteen_days(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    after(clock, party.event)
    made = await review(party, new_uow, clock, "guest", ReviewTarget.EVENT, rating=2)
    guest, other = party.guest, party.other
    with pytest.raises(Exception, match="review not found"):
        await edit_review(EditReview(made.id, other.id, 5), uow=new_uow(), clock=clock)
    clock.current = made.created_at + timedelta(days=REVIEW_EDIT_DAYS, seconds=-1)
    changed = await edit_review(
        EditReview(made.id, guest.id, 5, "Better"), uow=new_uow(), clock=clock
    )
    assert (changed.rating, changed.text) == (5, "Better")
    clock.current = made.created_at + timedelta(days=REVIEW_EDIT_DAYS)
    with pytest.raises(Conflict, match="14 days"):
        await edit_review(EditReview(made.id, guest.id, 1), uow=new_uow(), clock=clock)


async def test_averages_on_the_event_the_host_and_the_guest_list(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    event, host, guest = party.event, party.host, party.guest
    after(clock, event)
    await review(party, new_uow, clock, "guest", ReviewTarget.EVENT, rating=5)
    await review(party, new_uow, clock, "other", ReviewTarget.EVENT, rating=2)
    await review(party, new_uow, clock, "guest", ReviewTarget.HOST, rating=4)
    await review(party, new_uow, clock, "host", ReviewTarget.GUEST, "guest", rating=3)

    rating, found = await reviews_of(ReviewTarget.EVENT, event.id, uow=new_uow())
    assert (rating.count, rating.average) == (2, 3.5)
    assert [r.rating for r in found] == [2, 5]  # newest first
    rating, _ = await reviews_of(ReviewTarget.HOST, host.id, uow=new_uow())
    assert (rating.count, rating.average) == (1, 4.0)
    entries = await guest_list(event.id, actor_id=host.id, uow=new_uow())
    assert [(e.account_id, e.rating, e.reviews) for e in entries] == [
        (guest.id, 3.0, 1),
        (party.other.id, None, 0),
    ]


async def test_a_profile_shows_the_name_and_the_ratings_as_host_and_as_guest_apart(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    after(clock, party.event)
    await review(party, new_uow, clock, "guest", ReviewTarget.HOST, rating=5)
    await review(party, new_uow, clock, "other", ReviewTarget.HOST, rating=2)
    await review(party, new_uow, clock, "host", ReviewTarget.GUEST, "guest", rating=3)

    host = await profile(party.host.id, uow=new_uow())
    assert (host.account_id, host.full_name) == (party.host.id, party.host.full_name)
    assert (host.as_host.count, host.as_host.average) == (2, 3.5)
    assert (host.as_guest.count, host.as_guest.average) == (0, None)
    guest = await profile(party.guest.id, uow=new_uow())
    assert (guest.as_host.count, guest.as_guest.count, guest.as_guest.average) == (0, 1, 3.0)


async def test_only_the_host_marks_an_event_held_and_only_once_it_started(
    party: Party, new_uow: NewUow, clock: SteppingClock
) -> None:
    event, host, guest = party.event, party.host, party.guest
    with pytest.raises(Conflict, match="not started"):
        await mark_held(MarkHeld(event.id, host.id), uow=new_uow(), clock=clock)
    clock.current = event.starts_at
    with pytest.raises(PermissionDenied):
        await mark_held(MarkHeld(event.id, guest.id), uow=new_uow(), clock=clock)
    held = await mark_held(MarkHeld(event.id, host.id), uow=new_uow(), clock=clock)
    assert held.status is EventStatus.HELD
    again = await mark_held(MarkHeld(event.id, host.id), uow=new_uow(), clock=clock)
    assert again.status is EventStatus.HELD


async def test_the_hosts_past_and_upcoming_events_with_their_ratings(
    register_account: RegisterAccount,
    publish: PublishHelper,
    book: BookHelper,
    new_uow: NewUow,
    clock: SteppingClock,
) -> None:
    host, guest, other_host = [await register_account() for _ in range(3)]
    first = await publish(host, title="First", starts_at=clock.current + timedelta(days=1))
    second = await publish(host, title="Second", starts_at=clock.current + timedelta(days=2))
    third = await publish(host, title="Third", starts_at=clock.current + timedelta(days=5))
    await publish(other_host, title="Not theirs")
    await book(first, guest)
    clock.current = second.details.ends_at + timedelta(hours=1)
    await write_review(
        WriteReview(first.id, guest.id, ReviewTarget.EVENT, 5), uow=new_uow(), clock=clock
    )
    page = PageRequest(limit=1)
    past, ratings = await hosted_events(
        host.id, page, past=True, viewer=host.id, uow=new_uow(), clock=clock
    )
    assert [e.title for e in (x.details for x in past.items)] == ["Second"]
    rest, ratings = await hosted_events(
        host.id,
        PageRequest(past.next_cursor),
        past=True,
        viewer=host.id,
        uow=new_uow(),
        clock=clock,
    )
    assert [e.details.title for e in rest.items] == ["First"]
    assert ratings[first.id].average == 5.0
    ahead, _ = await hosted_events(
        host.id, PageRequest(), past=False, viewer=host.id, uow=new_uow(), clock=clock
    )
    assert [e.id for e in ahead.items] == [third.id]
    private = await publish(host, visibility=Visibility.PRIVATE, starts_at=third.starts_at)
    seen, _ = await hosted_events(
        host.id, PageRequest(), past=False, viewer=guest.id, uow=new_uow(), clock=clock
    )
    assert [e.id for e in seen.items] == [third.id]
    mine, _ = await hosted_events(
        host.id, PageRequest(), past=False, viewer=host.id, uow=new_uow(), clock=clock
    )
    assert {e.id for e in mine.items} == {third.id, private.id}
