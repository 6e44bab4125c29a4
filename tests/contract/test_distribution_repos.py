"""Distribution repositories: conferences, points, participants, counts, staff, invitations.

Search over the participant list has its own module, test_distribution_search.py.
"""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from tests.contract.distribution_support import (
    T,
    conference,
    handed,
    participants,
    person,
    planned,
    point,
    register,
)
from tests.contract.support import Make, NewUow

from core.distribution.model import (
    ConferenceChanges,
    ConferenceId,
    ParticipantId,
    PointId,
    Role,
    Slot,
    StaffInvitation,
    StaffMember,
    hash_token,
)
from core.distribution.ports import PointCounts
from core.shared.errors import Conflict, NotFound
from core.shared.ids import uuid7

# --- conferences ----------------------------------------------------------------------------


async def test_conference_round_trips_and_saves_its_edits(new_uow: NewUow, make: Make) -> None:
    made = await conference(make)
    async with new_uow() as uow:
        assert await uow.conferences.get(made.id) == made

    made.edit(
        ConferenceChanges(title="DevConf 2031", venue="Hall 7", time_zone="Asia/Almaty",
                          service_time=timedelta(seconds=75)),
        make.clock.now(),
    )  # fmt: skip
    async with new_uow() as uow:
        await uow.conferences.save(made)
        await uow.commit()
    async with new_uow() as uow:
        loaded = await uow.conferences.get(made.id)

    assert loaded == made
    assert (loaded.title, loaded.venue, loaded.time_zone) == (
        "DevConf 2031",
        "Hall 7",
        "Asia/Almaty",
    )
    assert loaded.service_time == timedelta(seconds=75)


async def test_missing_conference_is_not_found(new_uow: NewUow) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.conferences.get(ConferenceId(uuid4()))


async def test_conferences_of_an_account_are_those_it_organises_or_staffs_newest_first(
    new_uow: NewUow, make: Make
) -> None:
    ann, bob, stranger = await make.account(), await make.account(), await make.account()
    first = await conference(make, ann.id)
    second = await conference(make, ann.id)
    bobs = await conference(make, bob.id)
    await conference(make, bob.id)  # not Ann's business
    async with new_uow() as uow:
        await uow.staff.add(StaffMember(bobs.id, ann.id, Role.STAFF, make.clock.now()))
        await uow.commit()

    async with new_uow() as uow:
        anns = await uow.conferences.of_account(ann.id)
        strangers = await uow.conferences.of_account(stranger.id)

    assert [(c.id, role) for c, role in anns] == [
        (bobs.id, Role.STAFF),
        (second.id, Role.ORGANISER),
        (first.id, Role.ORGANISER),
    ]
    assert anns[2][0] == first
    assert strangers == []


# --- pickup points --------------------------------------------------------------------------


async def test_points_round_trip_and_list_in_the_order_they_were_added(
    new_uow: NewUow, make: Make
) -> None:
    conf, other = await conference(make), await conference(make)
    a = await point(make, conf.id, "Hall A", stock=10)
    b = await point(make, conf.id, "Hall B", stock=0)
    c = await point(make, conf.id, "Foyer", stock=7)
    await point(make, other.id, "Elsewhere")

    async with new_uow() as uow:
        listed = await uow.points.of_conference(conf.id)
        locked = await uow.points.get_for_update(b.id)

    assert listed == [a, b, c]
    assert locked == b
    assert (locked.stock, locked.desks, locked.is_open) == (0, 2, True)


async def test_point_saves_name_desks_stock_and_closing(new_uow: NewUow, make: Make) -> None:
    conf = await conference(make)
    made = await point(make, conf.id, stock=10)
    made.name, made.location, made.desks, made.stock, made.is_open = "Gate 3", "", 5, 3, False
    async with new_uow() as uow:
        await uow.points.save(made)
        await uow.commit()
    async with new_uow() as uow:
        loaded = await uow.points.get(made.id)

    assert loaded == made
    assert (loaded.name, loaded.desks, loaded.stock, loaded.is_open) == ("Gate 3", 5, 3, False)


async def test_saving_a_negative_stock_is_a_conflict_and_changes_nothing(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    made = await point(make, conf.id, stock=1)
    made.stock = -1
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await uow.points.save(made)
    async with new_uow() as uow:
        assert (await uow.points.get(made.id)).stock == 1


async def test_missing_point_is_not_found(new_uow: NewUow) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.points.get(PointId(uuid4()))


# --- participants ---------------------------------------------------------------------------


async def test_participant_round_trips_with_point_slot_and_delivery(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    hall = await point(make, conf.id)
    clerk = await make.account()
    who = person("Ёлкина", "Анна", "Сергеевна", "Anna.Elkina@Example.org", "+7 (999) 123-45-67")
    made = register(make, conf.id, who)
    made.preferred_point_id = hall.id
    planned(made, hall.id, T - timedelta(minutes=10))
    handed(made, hall.id, T - timedelta(seconds=90, microseconds=250), clerk.id)
    async with new_uow() as uow:
        await uow.participants.add(made)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.participants.get(made.id)
        locked = await uow.participants.get_for_update(made.id)

    assert loaded == made
    assert locked == made
    assert loaded.person.email == "anna.elkina@example.org"
    assert loaded.slot == Slot(T - timedelta(minutes=10), T + timedelta(minutes=5))
    assert (loaded.delivered_point_id, loaded.delivered_by) == (hall.id, clerk.id)
    assert loaded.delivered_at == T - timedelta(seconds=90, microseconds=250)


async def test_participants_of_a_conference_and_their_emails(new_uow: NewUow, make: Make) -> None:
    conf, other = await conference(make), await conference(make)
    made = await participants(make, conf.id, [
        person("Иванов", "Иван", email="ivan@example.org"),
        person("Петрова", "Ольга"),
        person("Smith", "John", email="JOHN@example.com"),
    ])  # fmt: skip
    await participants(make, other.id, [person("Чужой", "Гость", email="guest@example.org")])

    async with new_uow() as uow:
        everyone = await uow.participants.all_of(conf.id)
        emails = await uow.participants.emails_of(conf.id)

    assert everyone == made
    assert emails == {"ivan@example.org", "john@example.com"}


async def test_an_email_appears_once_per_conference_but_may_recur_in_another(
    new_uow: NewUow, make: Make
) -> None:
    conf, other = await conference(make), await conference(make)
    await participants(make, conf.id, [person("Иванов", "Иван", email="same@example.org")])

    twin = register(make, conf.id, person("Другой", "Иван", email="same@example.org"))
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await uow.participants.add(twin)
    batch = [
        register(make, conf.id, person("Новый", "Пётр")),
        register(make, conf.id, person("Третий", "Иван", email="SAME@example.org")),
    ]
    async with new_uow() as uow:
        with pytest.raises(Conflict):
            await uow.participants.add_many(batch)
    elsewhere = await participants(
        make, other.id, [person("Иванов", "Иван", email="same@example.org")]
    )
    no_email = await participants(make, conf.id, [person("Без", "Почты"), person("Без", "Почты")])

    async with new_uow() as uow:
        assert len(await uow.participants.all_of(conf.id)) == 3
        assert await uow.participants.all_of(other.id) == elsewhere
    assert len(no_email) == 2


async def test_participant_saves_a_new_name_and_delivery(new_uow: NewUow, make: Make) -> None:
    conf = await conference(make)
    hall = await point(make, conf.id)
    (made,) = await participants(make, conf.id, [person("Старое", "Имя", email="a@example.org")])
    made.rename(person("Новое", "Имя", "Отчество", "b@example.org", "89161234567"), T)
    handed(made, hall.id, T, conf.organiser_id)
    async with new_uow() as uow:
        await uow.participants.save(made)
        await uow.commit()

    async with new_uow() as uow:
        loaded = await uow.participants.get(made.id)
        emails = await uow.participants.emails_of(conf.id)

    assert loaded == made
    assert loaded.person.full_name == "Новое Имя Отчество"
    assert loaded.delivered
    assert emails == {"b@example.org"}


async def test_saving_a_participant_with_anothers_email_is_a_conflict(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    first, second = await participants(
        make,
        conf.id,
        [person("Первый", "Иван", email="one@example.org"), person("Второй", "Пётр")],
    )
    second.rename(person("Второй", "Пётр", email="one@example.org"), T)
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="already in the conference's list"):
            await uow.participants.save(second)
    first.rename(person("Первый", "Иван", "Иванович", "one@example.org"), T)
    async with new_uow() as uow:  # keeping one's own email is no clash
        await uow.participants.save(first)
        await uow.commit()

    async with new_uow() as uow:
        assert (await uow.participants.get(second.id)).person.email == ""
        assert (await uow.participants.get(first.id)).person.second_name == "Иванович"


async def test_save_assignments_stores_points_and_slots_and_nothing_else(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    a, b = await point(make, conf.id, "A"), await point(make, conf.id, "B")
    first, second, untouched = await participants(
        make, conf.id, [person("Аа", "Один"), person("Бб", "Два"), person("Вв", "Три")]
    )
    planned(first, a.id, T)
    planned(second, b.id, T + timedelta(minutes=15))
    second.rename(person("Не", "Сохранять"), T)  # only the assignment is stored
    async with new_uow() as uow:
        await uow.participants.save_assignments([first, second])
        await uow.commit()

    async with new_uow() as uow:
        one, two, three = [await uow.participants.get(p.id) for p in (first, second, untouched)]

    assert (one.assigned_point_id, one.slot) == (a.id, Slot(T, T + timedelta(minutes=15)))
    assert two.assigned_point_id == b.id
    assert two.slot == Slot(T + timedelta(minutes=15), T + timedelta(minutes=30))
    assert two.person.full_name == "Бб Два"
    assert (three.assigned_point_id, three.slot) == (None, None)


async def test_removed_participant_is_gone(new_uow: NewUow, make: Make) -> None:
    conf = await conference(make)
    gone, kept = await participants(make, conf.id, [
        person("Уходящий", "Гость", email="gone@example.org"), person("Остающийся", "Гость"),
    ])  # fmt: skip
    async with new_uow() as uow:
        await uow.participants.remove(gone.id)
        await uow.commit()

    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.participants.get(gone.id)
        assert await uow.participants.all_of(conf.id) == [kept]
        assert await uow.participants.emails_of(conf.id) == set()
    async with new_uow() as uow:  # the email is free again
        await uow.participants.add(
            register(make, conf.id, person("Вернулся", "Гость", email="gone@example.org"))
        )
        await uow.commit()


async def test_missing_participant_is_not_found(new_uow: NewUow) -> None:
    async with new_uow() as uow:
        with pytest.raises(NotFound):
            await uow.participants.get(ParticipantId(uuid4()))


# --- counts ---------------------------------------------------------------------------------


async def test_counts_per_point_and_in_total_match_a_hand_count(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    a, b, c = [await point(make, conf.id, name) for name in ("A", "B", "C")]
    by = conf.organiser_id
    m = timedelta(minutes=1)
    s = timedelta(seconds=1)
    who = [person("Участник", f"Номер{n}") for n in range(14)]
    p = [register(make, conf.id, one) for one in who]
    planned(handed(p[0], a.id, T - 100 * s, by), a.id, T - 10 * m)  # A: 300 and 900
    planned(handed(p[1], a.id, T - 300 * s, by), a.id, T - 20 * m)  # A: edge, 900 only
    planned(handed(p[2], b.id, T - 60 * s, by), a.id, T - 5 * m)  # A's, served at B
    planned(p[3], a.id, T - 14 * m)  # A: due
    planned(p[4], a.id, T - 16 * m)  # A: slot too long ago
    planned(p[5], a.id, T + 5 * m)  # A: slot yet to come
    planned(p[6], a.id, T)  # A: due right now
    planned(handed(p[7], b.id, T - 1000 * s, by), b.id, T - 30 * m)  # B: outside 900
    planned(handed(p[8], b.id, T - 10 * s, by), b.id, T - 2 * m)  # B: 300 and 900
    planned(p[9], b.id, T - 15 * m)  # B: edge, not due
    planned(p[10], b.id, T - 1 * m)  # B: due
    planned(p[11], c.id, T - 3 * m)  # C: due
    handed(p[13], a.id, T - 200 * s, by)  # unplanned, served at A
    elsewhere = await conference(make)
    stray = handed(register(make, elsewhere.id, who[0]), a.id, T - 5 * s, by)
    async with new_uow() as uow:
        await uow.participants.add_many([*p, stray])
        await uow.commit()

    async with new_uow() as uow:
        rows = await uow.participants.counts(conf.id, T, [300, 900])

    counts = {row.point_id: row for row in rows}
    assert len(rows) == len(counts) == 4
    assert counts[a.id] == PointCounts(a.id, assigned=7, assigned_delivered=3, handed_out=3,
                                       handed_out_for_others=1, handed_out_since=(2, 3),
                                       due_recently=2)  # fmt: skip
    assert counts[b.id] == PointCounts(b.id, assigned=4, assigned_delivered=2, handed_out=3,
                                       handed_out_for_others=1, handed_out_since=(2, 2),
                                       due_recently=1)  # fmt: skip
    assert counts[c.id] == PointCounts(c.id, assigned=1, assigned_delivered=0, handed_out=0,
                                       handed_out_for_others=0, handed_out_since=(0, 0),
                                       due_recently=1)  # fmt: skip
    assert counts[None] == PointCounts(None, assigned=14, assigned_delivered=6, handed_out=6,
                                       handed_out_for_others=2, handed_out_since=(4, 5),
                                       due_recently=4)  # fmt: skip


async def test_counts_of_an_empty_conference_are_one_total_row_of_zeros(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    await point(make, conf.id)
    async with new_uow() as uow:
        rows = await uow.participants.counts(conf.id, T, [300, 900])

    assert rows == [PointCounts(None, handed_out_since=(0, 0))]


# --- staff and invitations ------------------------------------------------------------------


async def test_staff_members_are_added_replaced_listed_and_removed(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    hall = await point(make, conf.id)
    ann, bob = await make.account(), await make.account()
    ann_at_hall = StaffMember(conf.id, ann.id, Role.STAFF, make.clock.now(), hall.id)
    bob_anywhere = StaffMember(conf.id, bob.id, Role.STAFF, make.clock.now())
    async with new_uow() as uow:
        await uow.staff.add(ann_at_hall)
        await uow.staff.add(bob_anywhere)
        await uow.commit()
    async with new_uow() as uow:
        assert await uow.staff.get(conf.id, ann.id) == ann_at_hall
        assert await uow.staff.of_conference(conf.id) == [ann_at_hall, bob_anywhere]

    ann_organiser = StaffMember(conf.id, ann.id, Role.ORGANISER, make.clock.now())
    async with new_uow() as uow:
        await uow.staff.add(ann_organiser)  # one standing per account: this replaces it
        await uow.staff.remove(conf.id, bob.id)
        await uow.commit()

    async with new_uow() as uow:
        assert await uow.staff.get(conf.id, ann.id) == ann_organiser
        assert await uow.staff.get(conf.id, bob.id) is None
        assert await uow.staff.of_conference(conf.id) == [ann_organiser]


async def test_staff_invitation_is_found_by_its_hash_and_remembers_who_used_it(
    new_uow: NewUow, make: Make
) -> None:
    conf = await conference(make)
    hall = await point(make, conf.id)
    helper = await make.account()
    now = make.clock.now()
    invitation = StaffInvitation(uuid7(now), conf.id, hash_token("secret-link"), Role.STAFF,
                                 now, now + timedelta(days=14), hall.id)  # fmt: skip
    async with new_uow() as uow:
        await uow.staff_invitations.add(invitation)
        await uow.commit()
    async with new_uow() as uow:
        found = await uow.staff_invitations.find(hash_token("secret-link"))
        assert found == invitation
        assert await uow.staff_invitations.find(hash_token("another-link")) is None
        assert found is not None
        found.accept(helper.id, make.clock.now())
        await uow.staff_invitations.save(found)
        await uow.commit()

    async with new_uow() as uow:
        used = await uow.staff_invitations.find(hash_token("secret-link"))

    assert used is not None
    assert used.used_by == helper.id
    assert (used.point_id, used.role, used.expires_at) == (
        hall.id,
        Role.STAFF,
        now + timedelta(days=14),
    )
