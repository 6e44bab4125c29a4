"""Bringing a participant list in from CSV and writing it back out as rows."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from tests.unit.support import NewUow, RegisterAccount

from adapters.memory import SteppingClock
from core.distribution import participants as participant_list
from core.distribution import services
from core.distribution.model import (
    Conference,
    ConferenceId,
    Participant,
    Person,
    PickupPoint,
    PointId,
    Slot,
)
from core.distribution.roster import ExportRow, RowProblem
from core.identity.model import Account, AccountId
from core.shared.outbox import OutboxMessage

Outbox = Callable[[], list[OutboxMessage]]


@pytest.fixture
def conference(register_account: RegisterAccount, new_uow: NewUow, clock: SteppingClock) -> Any:
    """An organiser's conference with points "Hall A" and "Hall B"."""

    async def _conference() -> tuple[Account, Conference, list[PickupPoint]]:
        organiser = await register_account()
        starts = clock.current + timedelta(days=7)
        made = await services.create_conference(
            services.NewConference(
                organiser.id, "PyCon", "Expo", starts, starts + timedelta(hours=2)
            ),
            uow=new_uow(),
            clock=clock,
        )
        points = [
            await services.add_point(
                services.NewPoint(made.id, name, stock=5),
                actor=organiser.id,
                uow=new_uow(),
                clock=clock,
            )
            for name in ("Hall A", "Hall B")
        ]
        return organiser, made, points

    return _conference


def roster_changes(outbox: Outbox) -> list[str]:
    return [m.event.what for m in outbox() if m.event.name == "distribution.roster_changed"]


async def listed(new_uow: NewUow, organiser: Account, made: Conference) -> list[Participant]:
    _, _, people = await participant_list.all_participants(
        made.id, actor=organiser.id, uow=new_uow()
    )
    return people


async def test_every_good_row_is_added_with_its_preferred_point(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made, (a, b) = await conference()
    data = (
        "Фамилия;Имя;Отчество;Email;Телефон;Точка\n"
        "Иванов;Иван;Иванович;Ivan@X.org;+7 999 123-45-67;hall a\n"
        "Петров;Пётр;;;;HALL B\n"
        "Сидоров;Сидор;;s@x.org;;\n"
    ).encode()
    before = roster_changes(outbox)
    report = await participant_list.import_participants(
        made.id, data, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert report == participant_list.ImportReport(3, (), "utf-8", ";")
    people = {p.person.last_name: p for p in await listed(new_uow, organiser, made)}
    assert people["Иванов"].person == Person(
        "Иванов", "Иван", "Иванович", "ivan@x.org", "+7 999 123-45-67"
    )
    assert people["Петров"].person == Person("Петров", "Пётр", "", "", "")
    assert {name: p.preferred_point_id for name, p in people.items()} == {
        "Иванов": a.id,
        "Петров": b.id,
        "Сидоров": None,
    }
    assert {p.conference_id for p in people.values()} == {made.id}
    assert roster_changes(outbox) == [*before, "participants"]


async def test_a_bad_row_is_reported_at_its_line_and_the_rest_kept(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made, _ = await conference()
    await participant_list.add_participant(
        made.id,
        Person("Старый", "Друг", email="old@x.org"),
        None,
        actor=organiser.id,
        uow=new_uow(),
        clock=clock,
    )
    data = (
        "last_name,first_name,email,point\n"
        "Новый,Друг,new@x.org,Hall Z\n"  # line 2: no such point
        "Безымянный,,,\n"  # line 3: the parser refuses it
        "Старый,Друг,OLD@x.org,\n"  # line 4: already in the list
        "Хороший,Человек,good@x.org,Hall A\n"
    ).encode()
    report = await participant_list.import_participants(
        made.id, data, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert (report.added, report.encoding, report.delimiter) == (1, "utf-8", ",")
    assert report.problems == (
        RowProblem(2, "there is no pickup point named 'Hall Z'"),
        RowProblem(3, "first name is required"),
        RowProblem(4, "old@x.org is already in the list"),
    )
    people = await listed(new_uow, organiser, made)
    assert sorted(p.person.last_name for p in people) == ["Старый", "Хороший"]


async def test_a_file_with_nothing_to_add_changes_nothing(
    conference: Any, new_uow: NewUow, clock: SteppingClock, outbox: Outbox
) -> None:
    organiser, made, _ = await conference()
    before = roster_changes(outbox)
    data = "Фамилия;Имя;Точка\nИванов;Иван;Нет такой\n".encode("cp1251")
    report = await participant_list.import_participants(
        made.id, data, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert report == participant_list.ImportReport(
        0, (RowProblem(2, "there is no pickup point named 'Нет такой'"),), "cp1251", ";"
    )
    assert await listed(new_uow, organiser, made) == []
    assert roster_changes(outbox) == before


async def test_an_import_adds_nobody_twice(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made, _ = await conference()
    data = b"last_name;first_name;email\nAnn;Lee;ann@x.org\nBob;Ray;bob@x.org\n"
    first = await participant_list.import_participants(
        made.id, data, actor=organiser.id, uow=new_uow(), clock=clock
    )
    again = await participant_list.import_participants(
        made.id, data, actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert first.added == 2
    assert (again.added, again.problems) == (
        0,
        (
            RowProblem(2, "ann@x.org is already in the list"),
            RowProblem(3, "bob@x.org is already in the list"),
        ),
    )
    assert len(await listed(new_uow, organiser, made)) == 2


async def test_a_file_without_a_header_reports_it_and_adds_nobody(
    conference: Any, new_uow: NewUow, clock: SteppingClock
) -> None:
    organiser, made, _ = await conference()
    report = await participant_list.import_participants(
        made.id, b"\n\n", actor=organiser.id, uow=new_uow(), clock=clock
    )
    assert (report.added, report.problems) == (0, (RowProblem(1, "the file has no header row"),))


# -- export ----------------------------------------------------------------------------------

CONF = ConferenceId(UUID(int=2))
STARTS = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
HELPER = AccountId(UUID(int=3))


def export_setup() -> tuple[Conference, list[PickupPoint], list[Participant]]:
    made = Conference.create(
        AccountId(UUID(int=1)),
        "PyCon",
        "",
        STARTS,
        STARTS + timedelta(hours=3),
        now=STARTS - timedelta(days=1),
        time_zone="Europe/Moscow",
    )
    made_at = STARTS - timedelta(days=1)
    a = PickupPoint.create(made.id, "Hall A", "", 1, 10, made_at)
    b = PickupPoint.create(made.id, "Hall B", "", 1, 10, made_at)
    served = Participant.register(
        made.id, Person("Иванов", "Иван", "Иванович", "i@x.org", "+7 999 123-45-67"), made_at
    )
    served.assign(a.id, Slot(STARTS, STARTS + timedelta(minutes=15)), made_at)
    served.deliver(b, HELPER, STARTS + timedelta(minutes=7, seconds=30))
    waiting = Participant.register(made.id, Person("Петров", "Пётр"), made_at)
    waiting.assign(
        PointId(UUID(int=77)),
        Slot(STARTS + timedelta(hours=2, minutes=50), STARTS + timedelta(hours=3)),
        made_at,
    )
    unplanned = Participant.register(made.id, Person("Сидоров", "Сидор"), made_at)
    return made, [a, b], [served, waiting, unplanned]


def test_export_rows_show_points_by_name_and_times_in_the_conference_zone() -> None:
    made, points, people = export_setup()
    assert participant_list.export_rows(made, points, people) == [
        ExportRow(
            "Иванов",
            "Иван",
            "Иванович",
            "i@x.org",
            "+7 999 123-45-67",
            "Hall A",
            "2025-06-02 09:00-09:15",
            "2025-06-02 09:07",
            "Hall B",
        ),
        # a point no longer in the list is left blank rather than guessed
        ExportRow("Петров", "Пётр", "", "", "", "", "2025-06-02 11:50-12:00", "", ""),
        ExportRow("Сидоров", "Сидор", "", "", "", "", "", "", ""),
    ]


def test_export_rows_can_keep_only_the_served_or_only_the_waiting() -> None:
    made, points, people = export_setup()
    served = participant_list.export_rows(made, points, people, delivered=True)
    waiting = participant_list.export_rows(made, points, people, delivered=False)
    assert [r.last_name for r in served] == ["Иванов"]
    assert [r.last_name for r in waiting] == ["Петров", "Сидоров"]
    assert participant_list.export_rows(made, [], []) == []


def test_export_rows_use_the_conference_zone_even_across_midnight() -> None:
    made, points, people = export_setup()
    made.time_zone = "America/New_York"  # 02:00 the same day, 22:00 the day before
    late = Participant.register(made.id, Person("Late", "Owl"), STARTS)
    late.assign(
        points[0].id,
        Slot(STARTS - timedelta(hours=4, minutes=5), STARTS - timedelta(hours=3, minutes=55)),
        STARTS,
    )
    [row] = participant_list.export_rows(made, points, [late])
    assert row.slot == "2025-06-01 21:55-22:05"
    [served] = participant_list.export_rows(made, points, people, delivered=True)
    assert served.delivered_at == "2025-06-02 02:07"


def test_export_rows_leave_blank_a_point_missing_from_the_given_points() -> None:
    made, (a, _), people = export_setup()
    [served] = participant_list.export_rows(made, [a], people, delivered=True)
    assert (served.point, served.delivered_point) == ("Hall A", "")
    assert served.delivered_at == "2025-06-02 09:07"
