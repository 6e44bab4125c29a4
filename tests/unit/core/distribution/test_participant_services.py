"""The participant list as the organiser and staff use it: add, edit, remove, look up, search,
and who may do which, on the in-memory store."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from tests.unit.core.distribution.support import (
    Outbox,
    add_point,
    join_as_staff,
    roster_changes,
)
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.distribution import desk, services
from core.distribution import participants as participant_list
from core.distribution.model import (
    Conference,
    ParticipantId,
    Person,
    PointId,
    Role,
    Slot,
)
from core.identity.model import Account
from core.shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.shared.paging import PageRequest

IVANOV = Person(" Иванов ", "Иван", "Иванович", " Ivan@X.org ", "+7 999 123-45-67")


async def add(
    new_uow: NewUow,
    clock: SteppingClock,
    organiser: Account,
    made: Conference,
    person: Person = IVANOV,
    preferred: PointId | None = None,
) -> Any:
    return await participant_list.add_participant(
        made.id, person, preferred, actor=organiser.id, uow=new_uow(), clock=clock
    )


async def test_an_added_participant_is_stored_checked_and_announced(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    hall = await add_point(new_uow, clock, organiser, made, "Hall A")
    before = roster_changes(outbox)
    added = await add(new_uow, clock, organiser, made, preferred=hall.id)
    assert added.person == Person("Иванов", "Иван", "Иванович", "ivan@x.org", "+7 999 123-45-67")
    assert (added.conference_id, added.preferred_point_id) == (made.id, hall.id)
    stored = await participant_list.get_participant(
        made.id, added.id, actor=organiser.id, uow=new_uow()
    )
    assert (stored.id, stored.person, stored.preferred_point_id) == (
        added.id,
        added.person,
        hall.id,
    )
    assert roster_changes(outbox) == [*before, (made.id, "participants")]


async def test_an_email_is_listed_once_per_conference_whatever_its_case(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    await add(new_uow, clock, organiser, made)
    with pytest.raises(ValidationFailed) as caught:
        await add(new_uow, clock, organiser, made, Person("Другой", "Иван", email="IVAN@x.org"))
    assert (caught.value.field, caught.value.detail) == (
        "email",
        "ivan@x.org is already in this list",
    )
    # people without an email never clash; the same email may be in another conference
    await add(new_uow, clock, organiser, made, Person("Петров", "Пётр"))
    await add(new_uow, clock, organiser, made, Person("Сидоров", "Сидор"))
    _, other = await conference(organiser)
    await add(new_uow, clock, organiser, other)
    _, _, listed = await participant_list.all_participants(
        made.id, actor=organiser.id, uow=new_uow()
    )
    assert sorted(p.person.last_name for p in listed) == ["Иванов", "Петров", "Сидоров"]


async def test_a_preferred_point_must_belong_to_the_conference(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    _, other = await conference(organiser)
    foreign = await add_point(new_uow, clock, organiser, other, "Elsewhere")
    before = roster_changes(outbox)
    for wrong in (foreign.id, PointId(UUID(int=42))):
        with pytest.raises(NotFound) as caught:
            await add(new_uow, clock, organiser, made, preferred=wrong)
        assert caught.value.detail == "pickup point not found"
    _, _, listed = await participant_list.all_participants(
        made.id, actor=organiser.id, uow=new_uow()
    )
    assert listed == []
    assert roster_changes(outbox) == before


async def test_only_the_organiser_changes_the_list(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    helper, stranger = await register_account(), await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper)
    listed = await add(new_uow, clock, organiser, made)
    for who, error in ((helper, PermissionDenied), (stranger, NotFound)):
        with pytest.raises(error):
            await add(new_uow, clock, who, made, Person("Петров", "Пётр"))
        with pytest.raises(error):
            await participant_list.edit_participant(
                made.id, listed.id, Person("A", "B"), actor=who.id, uow=new_uow(), clock=clock
            )
        with pytest.raises(error):
            await participant_list.remove_participant(
                made.id, listed.id, actor=who.id, uow=new_uow(), clock=clock
            )
        with pytest.raises(error):
            await participant_list.import_participants(
                made.id, b"last_name;first_name\nA;B\n", actor=who.id, uow=new_uow(), clock=clock
            )
    # staff may still look
    seen = await participant_list.get_participant(
        made.id, listed.id, actor=helper.id, uow=new_uow()
    )
    assert seen.person.last_name == "Иванов"
    with pytest.raises(NotFound):
        await participant_list.get_participant(made.id, listed.id, actor=stranger.id, uow=new_uow())


async def test_editing_renames_the_participant_and_keeps_the_rest(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    hall = await add_point(new_uow, clock, organiser, made, "Hall A")
    added = await add(new_uow, clock, organiser, made, preferred=hall.id)
    before = roster_changes(outbox)
    edited = await participant_list.edit_participant(
        made.id,
        added.id,
        Person(" Петров ", "Пётр", email="P@X.org"),
        actor=organiser.id,
        uow=new_uow(),
        clock=clock,
    )
    assert edited.person == Person("Петров", "Пётр", "", "p@x.org", "")
    assert edited.updated_at > added.updated_at
    stored = await participant_list.get_participant(
        made.id, added.id, actor=organiser.id, uow=new_uow()
    )
    assert (stored.person, stored.created_at) == (edited.person, added.created_at)
    assert (stored.updated_at, stored.preferred_point_id) == (edited.updated_at, hall.id)
    assert roster_changes(outbox) == [*before, (made.id, "participants")]


async def test_a_refused_edit_changes_nothing(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    added = await add(new_uow, clock, organiser, made)
    before = roster_changes(outbox)
    with pytest.raises(ValidationFailed) as caught:
        await participant_list.edit_participant(
            made.id, added.id, Person(" ", "Пётр"), actor=organiser.id, uow=new_uow(), clock=clock
        )
    assert caught.value.field == "last_name"
    stored = await participant_list.get_participant(
        made.id, added.id, actor=organiser.id, uow=new_uow()
    )
    assert stored.person == added.person
    assert roster_changes(outbox) == before


async def test_a_participant_of_another_conference_is_not_found_through_this_one(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    _, other = await conference(organiser)
    theirs = await add(new_uow, clock, organiser, other)
    for wrong in (theirs.id, ParticipantId(UUID(int=42))):
        with pytest.raises(NotFound) as found:
            await participant_list.get_participant(
                made.id, wrong, actor=organiser.id, uow=new_uow()
            )
        assert found.value.detail == "participant not found"
        with pytest.raises(NotFound) as edited:
            await participant_list.edit_participant(
                made.id, wrong, Person("A", "B"), actor=organiser.id, uow=new_uow(), clock=clock
            )
        assert edited.value.detail == "participant not found"
        with pytest.raises(NotFound) as removed:
            await participant_list.remove_participant(
                made.id, wrong, actor=organiser.id, uow=new_uow(), clock=clock
            )
        assert removed.value.detail == "participant not found"
    still = await participant_list.get_participant(
        other.id, theirs.id, actor=organiser.id, uow=new_uow()
    )
    assert still.person == theirs.person


async def test_a_removed_participant_is_gone_and_the_change_announced(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made = await conference()
    gone = await add(new_uow, clock, organiser, made)
    kept = await add(new_uow, clock, organiser, made, Person("Петров", "Пётр"))
    before = roster_changes(outbox)
    await participant_list.remove_participant(
        made.id, gone.id, actor=organiser.id, uow=new_uow(), clock=clock
    )
    with pytest.raises(NotFound):
        await participant_list.get_participant(made.id, gone.id, actor=organiser.id, uow=new_uow())
    _, _, listed = await participant_list.all_participants(
        made.id, actor=organiser.id, uow=new_uow()
    )
    assert [p.id for p in listed] == [kept.id]
    assert roster_changes(outbox) == [*before, (made.id, "participants")]
    # the email is free again
    again = await add(new_uow, clock, organiser, made)
    assert again.person.email == "ivan@x.org"


async def test_all_participants_gives_the_conference_its_points_and_its_list(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    _, other = await conference(organiser)
    a = await add_point(new_uow, clock, organiser, made, "A")
    b = await add_point(new_uow, clock, organiser, made, "B")
    await add_point(new_uow, clock, organiser, other, "Elsewhere")
    first = await add(new_uow, clock, organiser, made)
    second = await add(new_uow, clock, organiser, made, Person("Алексеев", "Алексей"))
    await add(new_uow, clock, organiser, other, Person("Чужой", "Человек"))
    helper, stranger = await register_account(), await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper)

    got, points, listed = await participant_list.all_participants(
        made.id, actor=helper.id, uow=new_uow()
    )
    assert (got.id, got.title) == (made.id, "PyCon")
    assert [p.id for p in points] == [a.id, b.id]
    assert [p.id for p in listed] == [first.id, second.id]
    with pytest.raises(NotFound):
        await participant_list.all_participants(made.id, actor=stranger.id, uow=new_uow())


async def test_search_filters_by_hand_over_and_by_assigned_point_and_pages(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    hall = await add_point(new_uow, clock, organiser, made, "Hall A")
    names = ["Абрамов", "Борисов", "Васильев"]
    people = [await add(new_uow, clock, organiser, made, Person(n, "Иван")) for n in names]
    async with new_uow() as uow:  # plan the first two at the hall
        for p in people[:2]:
            stored = await uow.participants.get(p.id)
            stored.assign(
                hall.id, Slot(clock.current, clock.current + timedelta(minutes=5)), clock.now()
            )
            await uow.participants.save(stored)
        await uow.commit()
    await desk.deliver_pack(
        made.id, people[1].id, hall.id, actor=organiser.id, uow=new_uow(), clock=clock
    )
    helper, stranger = await register_account(), await register_account()
    await join_as_staff(new_uow, clock, organiser, made, helper)

    async def find(text: str = "", page: PageRequest | None = None, **filters: Any) -> Any:
        return await participant_list.find_participants(
            made.id, text, page or PageRequest(), actor=helper.id, uow=new_uow(), **filters
        )

    def last_names(found: Any) -> list[str]:
        return [p.person.last_name for p in found.items]

    assert last_names(await find("иван")) == names
    assert last_names(await find(delivered=True)) == ["Борисов"]
    assert last_names(await find(delivered=False)) == ["Абрамов", "Васильев"]
    assert last_names(await find(point_id=hall.id)) == ["Абрамов", "Борисов"]
    assert last_names(await find("аб", point_id=hall.id, delivered=False)) == ["Абрамов"]
    assert last_names(await find("вас", point_id=hall.id)) == []
    first = await find(page=PageRequest(limit=2))
    assert last_names(first) == ["Абрамов", "Борисов"]
    rest = await find(page=PageRequest(cursor=first.next_cursor, limit=2))
    assert (last_names(rest), rest.next_cursor) == (["Васильев"], None)
    with pytest.raises(NotFound):
        await participant_list.find_participants(
            made.id, "", PageRequest(), actor=stranger.id, uow=new_uow()
        )


async def test_the_organiser_lists_and_removes_staff(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    _, other = await conference(organiser)
    hall = await add_point(new_uow, clock, organiser, made, "Hall A")
    everywhere, at_hall, elsewhere = [await register_account() for _ in range(3)]
    await join_as_staff(new_uow, clock, organiser, made, everywhere)
    await join_as_staff(new_uow, clock, organiser, made, at_hall, hall.id)
    await join_as_staff(new_uow, clock, organiser, other, elsewhere)

    team = await services.list_staff(made.id, actor=organiser.id, uow=new_uow())
    assert [(m.account_id, m.role, m.point_id) for m in team] == [
        (everywhere.id, Role.STAFF, None),
        (at_hall.id, Role.STAFF, hall.id),
    ]
    assert {m.conference_id for m in team} == {made.id}
    with pytest.raises(PermissionDenied):
        await services.list_staff(made.id, actor=everywhere.id, uow=new_uow())
    with pytest.raises(PermissionDenied):
        await services.remove_staff(made.id, at_hall.id, actor=everywhere.id, uow=new_uow())
    with pytest.raises(NotFound):
        await services.remove_staff(made.id, at_hall.id, actor=elsewhere.id, uow=new_uow())

    await services.remove_staff(made.id, at_hall.id, actor=organiser.id, uow=new_uow())
    team = await services.list_staff(made.id, actor=organiser.id, uow=new_uow())
    assert [m.account_id for m in team] == [everywhere.id]
    with pytest.raises(NotFound):
        await services.get_conference(made.id, actor=at_hall.id, uow=new_uow())
    mine = await services.list_staff(other.id, actor=organiser.id, uow=new_uow())
    assert [m.account_id for m in mine] == [elsewhere.id]


async def test_an_edit_cannot_take_an_email_already_in_the_list(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    await add(new_uow, clock, organiser, made)  # ivan@x.org
    other = await add(new_uow, clock, organiser, made, Person("Петров", "Пётр", email="p@x.org"))
    with pytest.raises(ValidationFailed) as caught:
        await participant_list.edit_participant(
            made.id, other.id, Person("Петров", "Пётр", email=" IVAN@x.org "),
            actor=organiser.id, uow=new_uow(), clock=clock,
        )  # fmt: skip
    assert caught.value.field == "email"
    assert caught.value.detail == "ivan@x.org is already in this list"
    kept = await participant_list.edit_participant(  # keeping one's own email is no clash
        made.id, other.id, Person("Петрова", "Пётр", email="P@x.org"),
        actor=organiser.id, uow=new_uow(), clock=clock,
    )  # fmt: skip
    assert (kept.person.last_name, kept.person.email) == ("Петрова", "p@x.org")


@pytest.mark.parametrize(
    ("person", "field", "detail"),
    [
        (Person("Петров", "Пётр", email="not an email"), "email", "email must look like "
         "name@example.org"),
        (Person("Петров", "Пётр", phone="12-34"), "phone", "phone must have at least 7 digits"),
    ],
)  # fmt: skip
async def test_a_participant_typed_in_is_checked_like_an_imported_row(
    conference: Any, new_uow: NewUow, clock: SteppingClock, person: Person, field: str, detail: str
) -> None:
    organiser, made = await conference()
    with pytest.raises(ValidationFailed) as caught:
        await add(new_uow, clock, organiser, made, person)
    assert (caught.value.field, caught.value.detail) == (field, detail)
    fine = await add(new_uow, clock, organiser, made, Person("Петров", "Пётр", phone="123 45 67"))
    assert fine.person.phone == "123 45 67"


async def test_a_removed_helper_cannot_rejoin_with_the_old_link(
    conference: Any, register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made = await conference()
    helper = await register_account()
    _, token = await services.invite_staff(
        made.id, Role.STAFF, None, actor=organiser.id, uow=new_uow(), clock=clock
    )
    joined = await services.accept_invitation(token, actor=helper.id, uow=new_uow(), clock=clock)
    again = await services.accept_invitation(token, actor=helper.id, uow=new_uow(), clock=clock)
    assert again == joined  # opening the link twice is harmless
    await services.remove_staff(made.id, helper.id, actor=organiser.id, uow=new_uow())
    with pytest.raises(Conflict, match="already used"):
        await services.accept_invitation(token, actor=helper.id, uow=new_uow(), clock=clock)
    assert await services.list_staff(made.id, actor=organiser.id, uow=new_uow()) == []
