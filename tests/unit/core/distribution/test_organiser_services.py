"""What the organiser sets up: the conference, its points and their stock, staff invitations;
each change is stored and announced to live views, and stays inside its own conference."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from tests.unit.core.distribution.support import Outbox, add_point, roster_changes
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.distribution import services
from core.distribution.model import (
    ConferenceChanges,
    PointChanges,
    PointId,
    Role,
    hash_token,
)
from core.shared.errors import Conflict, NotFound, ValidationFailed


async def test_a_new_conference_is_stored_with_its_zone_and_service_time(
    register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser = await register_account()
    starts = clock.current + timedelta(days=3)
    made = await services.create_conference(
        services.NewConference(
            organiser.id,
            " PyCon ",
            "Expo",
            starts,
            starts + timedelta(hours=4),
            "Asia/Tokyo",
            timedelta(seconds=90),
        ),
        uow=new_uow(),
        clock=clock,
    )
    stored, standing = await services.get_conference(made.id, actor=organiser.id, uow=new_uow())
    assert (stored.title, stored.time_zone, stored.service_time) == (
        "PyCon",
        "Asia/Tokyo",
        timedelta(seconds=90),
    )
    assert (stored.handout_starts_at, stored.handout_ends_at) == (
        starts,
        starts + timedelta(hours=4),
    )
    assert standing.is_organiser


async def test_the_organiser_edits_the_conference_and_the_edit_is_kept(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    edited = await services.edit_conference(
        made.id,
        ConferenceChanges(title="PyCon 2025", service_time=timedelta(minutes=1)),
        actor=organiser.id,
        uow=new_uow(),
        clock=clock,
    )
    assert edited.updated_at > made.updated_at
    stored, _ = await services.get_conference(made.id, actor=organiser.id, uow=new_uow())
    assert (stored.title, stored.venue, stored.service_time) == (
        "PyCon 2025",
        "Expo",
        timedelta(minutes=1),
    )
    assert (stored.updated_at, stored.created_at) == (edited.updated_at, made.created_at)


async def test_a_refused_conference_edit_keeps_the_stored_conference(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    with pytest.raises(ValidationFailed) as caught:
        await services.edit_conference(
            made.id,
            ConferenceChanges(handout_starts_at=made.handout_ends_at),
            actor=organiser.id,
            uow=new_uow(),
            clock=clock,
        )
    assert caught.value.field == "handout_ends_at"
    stored, _ = await services.get_conference(made.id, actor=organiser.id, uow=new_uow())
    assert (stored.handout_starts_at, stored.updated_at) == (
        made.handout_starts_at,
        made.updated_at,
    )


async def test_adding_and_editing_points_is_stored_and_announced(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    before = roster_changes(outbox)
    hall = await add_point(new_uow, clock, organiser, made, "Hall A")
    edited = await services.edit_point(
        made.id,
        hall.id,
        PointChanges(name="Hall B", desks=4, is_open=False),
        actor=organiser.id,
        uow=new_uow(),
        clock=clock,
    )
    assert (edited.id, edited.name, edited.desks, edited.is_open) == (hall.id, "Hall B", 4, False)
    [stored] = await services.list_points(made.id, actor=organiser.id, uow=new_uow())
    assert (stored.name, stored.desks, stored.stock, stored.is_open) == ("Hall B", 4, 10, False)
    assert roster_changes(outbox) == [*before, (made.id, "points"), (made.id, "points")]


async def test_a_point_of_another_conference_cannot_be_reached_through_this_one(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    _, other = await conference(organiser)
    mine = await add_point(new_uow, clock, organiser, made, "Mine")
    theirs = await add_point(new_uow, clock, organiser, other, "Theirs")
    before = roster_changes(outbox)
    for wrong in (theirs.id, PointId(UUID(int=42))):
        with pytest.raises(NotFound) as edited:
            await services.edit_point(
                made.id,
                wrong,
                PointChanges(stock=0),
                actor=organiser.id,
                uow=new_uow(),
                clock=clock,
            )
        assert edited.value.detail == "pickup point not found"
        with pytest.raises(NotFound) as moved:
            await services.move_stock(
                made.id, mine.id, wrong, 1, actor=organiser.id, uow=new_uow(), clock=clock
            )
        assert moved.value.detail == "pickup point not found"
        with pytest.raises(NotFound) as invited:
            await services.invite_staff(
                made.id, Role.STAFF, wrong, actor=organiser.id, uow=new_uow(), clock=clock
            )
        assert invited.value.detail == "pickup point not found"
    stocks = {
        p.name: p.stock
        for p in await services.list_points(other.id, actor=organiser.id, uow=new_uow())
    }
    assert stocks == {"Theirs": 10}
    assert roster_changes(outbox) == before


async def test_moved_stock_is_stored_on_both_points_and_announced(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    a = await add_point(new_uow, clock, organiser, made, "A", stock=10)
    b = await add_point(new_uow, clock, organiser, made, "B", stock=1)
    before = roster_changes(outbox)
    # from the later point to the earlier one: the result is still (source, target)
    source, target = await services.move_stock(
        made.id, b.id, a.id, 1, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert ((source.id, source.stock), (target.id, target.stock)) == ((b.id, 0), (a.id, 11))
    stocks = {
        p.name: p.stock
        for p in await services.list_points(made.id, actor=organiser.id, uow=new_uow())
    }
    assert stocks == {"A": 11, "B": 0}
    assert roster_changes(outbox) == [*before, (made.id, "stock")]
    with pytest.raises(Conflict, match="B has only 0 packs to give"):
        await services.move_stock(
            made.id, b.id, a.id, 1, actor=organiser.id, uow=new_uow(), clock=clock
        )
    assert roster_changes(outbox) == [*before, (made.id, "stock")]


async def test_an_invitation_is_stored_by_the_hash_of_its_token_for_fourteen_days(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    hall = await add_point(new_uow, clock, organiser, made, "Hall A")
    before = clock.current
    invitation, token = await services.invite_staff(
        made.id, Role.STAFF, hall.id, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert len(token) == 32  # 24 random bytes, URL-safe
    assert invitation.token_hash == hash_token(token)
    assert (invitation.conference_id, invitation.role, invitation.point_id) == (
        made.id,
        Role.STAFF,
        hall.id,
    )
    assert before <= invitation.created_at < clock.current
    assert invitation.expires_at == invitation.created_at + timedelta(days=14)
    assert (invitation.id.version, invitation.used_by) == (7, None)
    async with new_uow() as uow:
        stored = await uow.staff_invitations.find(hash_token(token))
    assert stored is not None
    assert stored.id == invitation.id
    _, other_token = await services.invite_staff(
        made.id, Role.STAFF, None, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert other_token != token

    helper = await register_account()
    member = await services.accept_invitation(token, actor=helper.id, uow=new_uow(), clock=clock)
    assert (member.account_id, member.point_id, member.role) == (helper.id, hall.id, Role.STAFF)
    with pytest.raises(NotFound) as caught:
        await services.accept_invitation(token + "x", actor=helper.id, uow=new_uow(), clock=clock)
    assert caught.value.detail == "invitation not found"
