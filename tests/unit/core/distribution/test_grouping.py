"""Surname groups: which last names count as one family, and the order groups are placed in."""

from __future__ import annotations

from tests.unit.core.distribution.support import person

from core.distribution.grouping import group_by_surname, surname_key


def test_a_surname_key_ignores_case_yo_and_runs_of_spaces() -> None:
    assert surname_key("  Мамин   Сибиряк ") == "мамин сибиряк"
    assert surname_key("ЁЛКИНА") == "елкина"
    assert surname_key("   ") == ""


def test_groups_come_largest_first_then_by_key_with_members_in_id_order() -> None:
    people = [
        person(5, "Орлов"),
        person(2, "мамин сибиряк"),
        person(9, "Мамин  Сибиряк"),
        person(1, "орлов"),
        person(3, "Ли"),
        person(4, "Ан"),
    ]
    groups = group_by_surname(people)
    assert [(g.key, g.size) for g in groups] == [
        ("мамин сибиряк", 2),
        ("орлов", 2),
        ("ан", 1),
        ("ли", 1),
    ]
    assert [m.id.int for m in groups[0].members] == [2, 9]
    assert [m.id.int for m in groups[1].members] == [1, 5]


def test_blank_surnames_make_a_group_each() -> None:
    groups = group_by_surname([person(1, " "), person(2, "")])
    assert [g.size for g in groups] == [1, 1]
    assert len({g.key for g in groups}) == 2
