"""Conferences, points, staff and the desk, on the in-memory store."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.unit.core.distribution.support import join_as_staff
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.distribution import desk, services
from core.distribution import participants as participant_list
from core.distribution.capacity import MeanWaitTarget
from core.distribution.model import (
    AlreadyDelivered,
    Conference,
    ConferenceChanges,
    Person,
    PickupPoint,
    PointChanges,
    Role,
)
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.paging import PageRequest


async def point(
    new_uow: NewUow, clock: SteppingClock, organiser: Account, conference: Conference,
    name: str = "Hall A", desks: int = 2, stock: int = 100,
) -> PickupPoint:  # fmt: skip
    return await services.add_point(
        services.NewPoint(conference.id, name, "", desks, stock),
        actor=organiser.id, uow=new_uow(), clock=clock,
    )  # fmt: skip


async def participant(
    new_uow: NewUow, clock: SteppingClock, organiser: Account, conference: Conference,
    last: str = "Иванов", first: str = "Иван", email: str = "",
) -> Any:  # fmt: skip
    return await participant_list.add_participant(
        conference.id, Person(last, first, "Иванович", email, "+7 999 123-45-67"), None,
        actor=organiser.id, uow=new_uow(), clock=clock,
    )  # fmt: skip


async def test_a_conference_is_invisible_to_anyone_but_its_organiser_and_staff(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    stranger, helper = await register_account(), await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper)

    _, standing = await services.get_conference(made.id, actor=organiser.id, uow=new_uow())
    assert standing.role is Role.ORGANISER
    _, standing = await services.get_conference(made.id, actor=helper.id, uow=new_uow())
    assert standing.role is Role.STAFF
    with pytest.raises(NotFound):
        await services.get_conference(made.id, actor=stranger.id, uow=new_uow())
    with pytest.raises(NotFound):
        await services.list_points(made.id, actor=stranger.id, uow=new_uow())
    assert [c.id for c, _ in await services.my_conferences(helper.id, uow=new_uow())] == [made.id]
    assert await services.my_conferences(stranger.id, uow=new_uow()) == []


async def test_staff_may_look_but_not_change(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    helper = await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper)
    with pytest.raises(PermissionDenied):
        await services.add_point(
            services.NewPoint(made.id, "B"), actor=helper.id, uow=new_uow(), clock=clock
        )
    with pytest.raises(PermissionDenied):
        await services.edit_conference(
            made.id, ConferenceChanges(title="Mine"), actor=helper.id, uow=new_uow(), clock=clock
        )


async def test_an_invitation_works_once_and_not_after_it_expires(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    first, second = await register_account(), await register_account()
    _, token = await services.invite_staff(
        made.id, Role.STAFF, None, actor=organiser.id, uow=new_uow(), clock=clock
    )
    await services.accept_invitation(token, actor=first.id, uow=new_uow(), clock=clock)
    await services.accept_invitation(token, actor=first.id, uow=new_uow(), clock=clock)  # again
    with pytest.raises(Conflict, match="already used"):
        await services.accept_invitation(token, actor=second.id, uow=new_uow(), clock=clock)
    _, late = await services.invite_staff(
        made.id, Role.STAFF, None, actor=organiser.id, uow=new_uow(), clock=clock
    )
    clock.advance(timedelta(days=15))
    with pytest.raises(Conflict, match="expired"):
        await services.accept_invitation(late, actor=second.id, uow=new_uow(), clock=clock)
    with pytest.raises(NotFound):
        await services.accept_invitation("nonsense-token", actor=second.id, uow=new_uow(),
                                         clock=clock)  # fmt: skip


async def test_a_hand_over_takes_a_pack_once_and_says_where_and_when_to_others(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    a = await point(new_uow, clock, organiser, made, "Hall A", stock=10)
    b = await point(new_uow, clock, organiser, made, "Hall B", stock=10)
    person = await participant(new_uow, clock, organiser, made)
    helper = await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper)

    served, repeated = await desk.deliver_pack(
        made.id, person.id, a.id, actor=helper.id, uow=new_uow(), clock=clock
    )
    again, repeated_again = await desk.deliver_pack(
        made.id, person.id, a.id, actor=helper.id, uow=new_uow(), clock=clock
    )
    assert (repeated, repeated_again) == (False, True)
    assert served.delivered_at == again.delivered_at
    assert (served.delivered_point_id, served.delivered_by) == (a.id, helper.id)
    with pytest.raises(AlreadyDelivered, match="already got their pack at another point"):
        await desk.deliver_pack(
            made.id, person.id, b.id, actor=organiser.id, uow=new_uow(), clock=clock
        )
    points = {p.name: p.stock for p in await services.list_points(made.id, actor=organiser.id,
                                                                    uow=new_uow())}  # fmt: skip
    assert points == {"Hall A": 9, "Hall B": 10}


async def test_staff_tied_to_a_point_hand_out_only_there(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    a = await point(new_uow, clock, organiser, made, "Hall A")
    b = await point(new_uow, clock, organiser, made, "Hall B")
    person = await participant(new_uow, clock, organiser, made)
    helper = await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper, a.id)
    with pytest.raises(PermissionDenied, match="another pickup point"):
        await desk.deliver_pack(made.id, person.id, b.id, actor=helper.id, uow=new_uow(),
                                clock=clock)  # fmt: skip


async def test_an_empty_or_closed_point_hands_nothing_out(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    empty = await point(new_uow, clock, organiser, made, "Empty", stock=0)
    closed = await point(new_uow, clock, organiser, made, "Closed", stock=5)
    await services.edit_point(made.id, closed.id, PointChanges(is_open=False), actor=organiser.id,
                              uow=new_uow(), clock=clock)  # fmt: skip
    person = await participant(new_uow, clock, organiser, made)
    with pytest.raises(Conflict, match="no packs left"):
        await desk.deliver_pack(made.id, person.id, empty.id, actor=organiser.id, uow=new_uow(),
                                clock=clock)  # fmt: skip
    with pytest.raises(Conflict, match="closed"):
        await desk.deliver_pack(made.id, person.id, closed.id, actor=organiser.id, uow=new_uow(),
                                clock=clock)  # fmt: skip


async def test_moving_stock_keeps_the_total_and_never_goes_below_zero(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    a = await point(new_uow, clock, organiser, made, "A", stock=10)
    b = await point(new_uow, clock, organiser, made, "B", stock=0)
    moved = await services.move_stock(made.id, a.id, b.id, 4, actor=organiser.id, uow=new_uow(),
                                      clock=clock)  # fmt: skip
    assert [p.stock for p in moved] == [6, 4]
    with pytest.raises(Conflict, match="only 6 packs"):
        await services.move_stock(made.id, a.id, b.id, 7, actor=organiser.id, uow=new_uow(),
                                  clock=clock)  # fmt: skip
    with pytest.raises(ValidationFailed):
        await services.move_stock(made.id, a.id, a.id, 1, actor=organiser.id, uow=new_uow(),
                                  clock=clock)  # fmt: skip


async def test_search_finds_by_any_prefix_with_yo_and_case_ignored(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    wanted = await participant(new_uow, clock, organiser, made, "Ёлкина", "Анна", "anna@x.org")
    await participant(new_uow, clock, organiser, made, "Петров", "Пётр", "petr@x.org")

    async def find(text: str) -> list[str]:
        page = await participant_list.find_participants(
            made.id, text, PageRequest(), actor=organiser.id, uow=new_uow()
        )
        return [p.person.last_name for p in page.items]

    assert await find("елк") == ["Ёлкина"]
    assert await find("ЁЛКИНА ан") == ["Ёлкина"]
    assert await find("anna@") == ["Ёлкина"]
    assert await find("8 999 123") == ["Ёлкина", "Петров"]
    assert await find("петр пётр") == ["Петров"]
    assert await find("nobody") == []
    assert wanted.person.email == "anna@x.org"


async def test_a_plan_is_stored_for_everyone_and_figures_count_it(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    a = await point(new_uow, clock, organiser, made, "A", desks=2, stock=50)
    for n in range(12):
        await participant(new_uow, clock, organiser, made, f"Surname{n}", "Name")
    report = await desk.plan_conference(
        made.id, MeanWaitTarget(timedelta(seconds=60)), actor=organiser.id, uow=new_uow()
    )
    assert report.participants == 12
    assert report.current is not None
    plan = await desk.apply_plan(made.id, actor=organiser.id, uow=new_uow(), clock=clock)
    assert len(plan.assignments) == 12

    figures = await desk.conference_figures(made.id, actor=organiser.id, uow=new_uow(),
                                            clock=clock)  # fmt: skip
    [at_a] = figures.points
    assert (at_a.assigned, at_a.remaining, at_a.handed_out, at_a.stock) == (12, 12, 0, 50)
    assert (figures.total.assigned, figures.unassigned) == (12, 0)
    assert a.id == at_a.point.id  # type: ignore[union-attr]
