"""Searching the participant list: token prefixes, filters and keyset paging, alike on every
backend. Queries go through `roster.query_tokens`, as the use case sends them."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import pytest
from tests.contract.distribution_support import (
    T,
    conference,
    handed,
    participants,
    person,
    planned,
    point,
    read_all_pages,
)
from tests.contract.support import Make, NewUow

from core.distribution import roster
from core.distribution.model import ConferenceId, Participant
from core.distribution.ports import ParticipantQuery
from core.shared.errors import ValidationFailed
from core.shared.paging import Cursor, PageRequest

PEOPLE = [
    person("Ёлкина", "Анна", "Сергеевна", "anna.elkina@example.org", "+7 (999) 123-45-67"),
    person("Петров-Водкин", "Кузьма", "Сергеевич", "k.petrov@mail.ru", "8 912 000 11 22"),
    person("Иванов", "Иван", "Иванович", "ivan@example.org", "79161234567"),
    person("Иванова", "Мария", "Петровна", "", "+44 20 7946 0958"),
    person("Smith", "John", "", "John.Smith@Example.com", ""),
]


async def names(
    new_uow: NewUow, conference_id: ConferenceId, q: str = "", **filters: object
) -> list[str]:
    """The last names found by `q` (and any filters), in list order, all on one page."""
    query = ParticipantQuery(tuple(roster.query_tokens(q)), **filters)  # type: ignore[arg-type]
    async with new_uow() as uow:
        page = await uow.participants.search(conference_id, query, PageRequest(limit=100))
    assert page.next_cursor is None
    return [p.person.last_name for p in page.items]


@pytest.fixture
async def listed(make: Make) -> ConferenceId:
    """A conference with PEOPLE in it, and one more conference where everyone is called Иванов."""
    conf = await conference(make)
    await participants(make, conf.id, PEOPLE)
    other = await conference(make)
    await participants(make, other.id, [person("Иванов", "Чужой", email="ivan@example.org")])
    return conf.id


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("Ёлк", ["Ёлкина"]),
        ("елк", ["Ёлкина"]),
        ("ЕЛКИНА", ["Ёлкина"]),
        ("иван", ["Иванов", "Иванова"]),
        ("ИВАНОВ", ["Иванов", "Иванова"]),
        ("водкин", ["Петров-Водкин"]),
        ("петр", ["Иванова", "Петров-Водкин"]),
        ("сергеевн", ["Ёлкина"]),
        ("smi", ["Smith"]),
        ("JOHN", ["Smith"]),
        ("zzz", []),
    ],
)
async def test_every_name_part_is_found_by_any_prefix_ignoring_case_and_yo(
    new_uow: NewUow, listed: ConferenceId, q: str, found: list[str]
) -> None:
    assert await names(new_uow, listed, q) == found


@pytest.mark.parametrize("q", ["", "   ", "-", "«»"])
async def test_a_blank_query_lists_everyone_by_folded_name_in_code_point_order(
    new_uow: NewUow, listed: ConferenceId, q: str
) -> None:
    assert await names(new_uow, listed, q) == [
        "Smith", "Ёлкина", "Иванов", "Иванова", "Петров-Водкин"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("anna.elkina@", ["Ёлкина"]),
        ("elkina", ["Ёлкина"]),
        ("k.petrov", ["Петров-Водкин"]),
        ("john.smith@example.com", ["Smith"]),
        ("ivan@", ["Иванов"]),
        ("example.org", []),  # the domain alone is no token
    ],
)
async def test_email_is_found_by_its_start_or_its_local_parts(
    new_uow: NewUow, listed: ConferenceId, q: str, found: list[str]
) -> None:
    assert await names(new_uow, listed, q) == found


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("+7 999 123", ["Ёлкина"]),
        ("8 (999) 123-45", ["Ёлкина"]),
        ("999-123", ["Ёлкина"]),
        ("79991234567", ["Ёлкина"]),
        ("+7 912 000", ["Петров-Водкин"]),  # typed with 8, searched with +7
        ("8 912 000 11 22", ["Петров-Водкин"]),
        ("912 000", ["Петров-Водкин"]),
        ("8 916 123", ["Иванов"]),  # typed with 7, searched with 8
        ("+44 20 79", ["Иванова"]),
        ("4420", ["Иванова"]),
        ("123 45 67", []),  # a phone matches from its start only
    ],
)
async def test_phone_is_found_in_any_format_it_is_typed(
    new_uow: NewUow, listed: ConferenceId, q: str, found: list[str]
) -> None:
    assert await names(new_uow, listed, q) == found


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("петр серг", ["Петров-Водкин"]),
        ("серг петр", ["Петров-Водкин"]),
        ("иван иванович", ["Иванов"]),
        ("иванова мар", ["Иванова"]),
        ("иванова серг", []),
        ("анна 7999", ["Ёлкина"]),
        ("анна 999 123", ["Ёлкина"]),
        ("петр 912 000", ["Петров-Водкин"]),
    ],
)
async def test_several_words_must_all_match(
    new_uow: NewUow, listed: ConferenceId, q: str, found: list[str]
) -> None:
    assert await names(new_uow, listed, q) == found


async def test_delivered_and_point_filters_narrow_the_search(new_uow: NewUow, make: Make) -> None:
    conf = await conference(make)
    a, b = await point(make, conf.id, "A"), await point(make, conf.id, "B")
    ivan, maria, anna, john = [
        person("Иванов", "Иван"), person("Иванова", "Мария"), person("Ёлкина", "Анна"),
        person("Smith", "John"),
    ]  # fmt: skip
    made = [
        handed(
            planned(Participant.register(conf.id, ivan, T), a.id, T), a.id, T, conf.organiser_id
        ),
        planned(Participant.register(conf.id, maria, T), b.id, T),
        planned(Participant.register(conf.id, anna, T), a.id, T),
        handed(Participant.register(conf.id, john, T), b.id, T, conf.organiser_id),
    ]
    async with new_uow() as uow:
        await uow.participants.add_many(made)
        await uow.commit()

    assert await names(new_uow, conf.id, delivered=True) == ["Smith", "Иванов"]
    assert await names(new_uow, conf.id, delivered=False) == ["Ёлкина", "Иванова"]
    assert await names(new_uow, conf.id, point_id=a.id) == ["Ёлкина", "Иванов"]
    assert await names(new_uow, conf.id, point_id=b.id) == ["Иванова"]  # John was unplanned
    assert await names(new_uow, conf.id, "иван", delivered=False) == ["Иванова"]
    assert await names(new_uow, conf.id, "иван", delivered=True, point_id=b.id) == []
    assert await names(new_uow, conf.id, "иван", delivered=True, point_id=a.id) == ["Иванов"]


def _by_name(p: Participant) -> tuple[str, str]:
    return roster.fold(f"{p.person.last_name} {p.person.first_name} {p.person.second_name}"), str(
        p.id
    )


@pytest.mark.parametrize(("q", "limit"), [("", 4), ("", 1), ("иван", 3), ("", 25), ("", 26)])
async def test_keyset_pages_cover_every_match_once_in_name_then_id_order(
    new_uow: NewUow, make: Make, q: str, limit: int
) -> None:
    conf = await conference(make)
    surnames = ["Иванов", "Иванова", "Ёлкин", "Елкин", "Иванов"]
    firsts = ["Иван", "Анна", "Иван", "Пётр", "Петр"]
    made = await participants(
        make, conf.id, [person(last, first) for last in surnames for first in firsts]
    )
    assert len(made) == 25
    query = ParticipantQuery(tuple(roster.query_tokens(q)))
    wanted = sorted(
        (p for p in made if roster.matches(roster.search_tokens(
            p.person.last_name, p.person.first_name, "", "", ""), list(query.tokens))),
        key=_by_name,
    )  # fmt: skip

    pages = await read_all_pages(new_uow, conf.id, query, limit)

    seen = [p.id for page in pages for p in page]
    assert seen == [p.id for p in wanted]
    assert len(seen) == len(set(seen)) == (25 if q == "" else 19)
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit


@pytest.mark.parametrize(
    "key",
    [("иванов",), ("иванов", "not-a-uuid"), ("a", "b", "c"), ()],
)
async def test_a_forged_cursor_is_refused(
    new_uow: NewUow, listed: ConferenceId, key: tuple[str, ...]
) -> None:
    async with new_uow() as uow:
        with pytest.raises(ValidationFailed):
            await uow.participants.search(listed, ParticipantQuery(), PageRequest(Cursor(key), 2))


async def test_tokens_follow_a_rename_and_a_removal(new_uow: NewUow, make: Make) -> None:
    conf = await conference(make)
    renamed, removed = await participants(make, conf.id, [
        person("Смирнова", "Ольга", email="olga@example.org", phone="+7 900 111 22 33"),
        person("Кузнецов", "Олег", email="oleg@example.org"),
    ])  # fmt: skip
    renamed.rename(person("Соколова", "Ольга", email="sokolova@example.org"), T)
    async with new_uow() as uow:
        await uow.participants.save(renamed)
        await uow.participants.remove(removed.id)
        await uow.commit()

    assert await names(new_uow, conf.id, "смирн") == []
    assert await names(new_uow, conf.id, "olga@") == []
    assert await names(new_uow, conf.id, "+7 900 111") == []
    assert await names(new_uow, conf.id, "сокол") == ["Соколова"]
    assert await names(new_uow, conf.id, "sokolova@") == ["Соколова"]
    assert await names(new_uow, conf.id, "оль") == ["Соколова"]
    assert await names(new_uow, conf.id, "кузн") == []
    assert await names(new_uow, conf.id, "ол") == ["Соколова"]
    assert await names(new_uow, conf.id) == ["Соколова"]
