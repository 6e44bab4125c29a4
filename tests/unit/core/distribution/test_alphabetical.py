"""The alphabetical split: exact cut points on small crafted lists.

The exact split minimises Σ load²/desks over contiguous ranges; with more than 200 names it
falls back to a running cut at each point's share of the list.
"""

# ruff: noqa: RUF001, RUF003 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import pytest
from tests.unit.core.distribution.support import person, point

from core.distribution.alphabetical import (
    NameRange,
    _best_cuts,
    _running_cuts,
    alphabetical_split,
    first_letter,
)
from core.distribution.planner import PlanParticipant, PlanPoint


def crowd(letters: dict[str, int]) -> list[PlanParticipant]:
    """`count` people per first letter, surnames ending in -ов, numbered in order."""
    people: list[PlanParticipant] = []
    for letter, count in letters.items():
        people += [person(len(people) + k, f"{letter}ов") for k in range(count)]
    return people


def participants_per_range(
    people: list[PlanParticipant], points: list[PlanPoint], cut: str
) -> list[int]:
    ranges, _ = alphabetical_split(people, points, cut)  # type: ignore[arg-type]
    return [r.participants for r in ranges]


@pytest.mark.parametrize(
    ("last_name", "letter"),
    [("Иванов", "И"), ("иванов", "И"), ("  петров", "П"), ("Ёлкин", "Е"), ("ёлкин", "Е"), ("", "")],
)
def test_a_surname_is_filed_under_its_upper_case_first_letter_yo_with_ye(
    last_name: str, letter: str
) -> None:
    assert first_letter(last_name) == letter


def test_a_heavy_first_letter_gets_a_point_of_its_own() -> None:
    people = crowd({"А": 5, "Б": 1, "В": 1, "Г": 1, "Д": 1, "Е": 1})
    east, west = point(1, 1), point(2, 1)
    ranges, point_of = alphabetical_split(people, [east, west])
    assert ranges == (NameRange(east.id, "А", "А", 5), NameRange(west.id, "Б", "Е", 5))
    assert [point_of[p.id] for p in people] == [0] * 5 + [1] * 5


def test_the_point_with_more_desks_takes_more_letters() -> None:
    # Σ load²/desks over 10 people: 7²/2 + 3² = 33.5 beats 6²/2 + 4² = 34 and 8²/2 + 2² = 36
    people = crowd({"А": 5, "Б": 1, "В": 1, "Г": 1, "Д": 1, "Е": 1})
    big, small = point(1, 2), point(2, 1)
    ranges, _ = alphabetical_split(people, [big, small])
    assert ranges == (NameRange(big.id, "А", "В", 7), NameRange(small.id, "Г", "Е", 3))


def test_a_later_point_with_more_desks_is_weighed_by_its_desks() -> None:
    # 5²/1 + 5²/2 = 37.5 beats 6² + 4²/2 = 44; weighing by desks the other way would pick 7 | 3
    people = crowd({"А": 5, "Б": 1, "В": 1, "Г": 1, "Д": 1, "Е": 1})
    small, big = point(1, 1), point(2, 2)
    ranges, _ = alphabetical_split(people, [small, big])
    assert ranges == (NameRange(small.id, "А", "А", 5), NameRange(big.id, "Б", "Е", 5))


def test_an_even_split_of_letters_goes_to_the_earlier_cut() -> None:
    # А | Б В and А Б | В both cost 1 + 9 = 10; the later point takes the longer range
    people = crowd({"А": 1, "Б": 2, "В": 1})
    ranges, _ = alphabetical_split(people, [point(1, 1), point(2, 1)])
    assert [(r.first, r.last, r.participants) for r in ranges] == [("А", "А", 1), ("Б", "В", 3)]


def test_a_small_last_letter_is_not_lumped_with_a_big_first_one() -> None:
    # 3² + 1² = 10 beats putting all four at one point (16)
    people = crowd({"А": 3, "Б": 1})
    ranges, _ = alphabetical_split(people, [point(1, 1), point(2, 1)])
    assert [(r.first, r.last, r.participants) for r in ranges] == [("А", "А", 3), ("Б", "Б", 1)]


def test_three_points_each_get_their_contiguous_range() -> None:
    people = crowd({"А": 1, "Б": 1, "В": 1, "Г": 1, "Д": 1, "Е": 1, "Ж": 4})
    points = [point(1, 1), point(2, 1), point(3, 1)]
    ranges, point_of = alphabetical_split(people, points)
    assert ranges == (
        NameRange(points[0].id, "А", "В", 3),
        NameRange(points[1].id, "Г", "Е", 3),
        NameRange(points[2].id, "Ж", "Ж", 4),
    )
    assert [point_of[p.id] for p in people] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]


def test_with_fewer_letters_than_points_a_point_gets_no_range() -> None:
    people = crowd({"К": 3})
    first, second = point(1, 1), point(2, 1)
    ranges, point_of = alphabetical_split(people, [first, second])
    assert ranges == (NameRange(second.id, "К", "К", 3),)
    assert set(point_of.values()) == {1}


def test_yo_and_ye_share_a_letter_range() -> None:
    people = [person(1, "Ёлкин"), person(2, "Ежов"), person(3, "Яковлев")]
    ranges, point_of = alphabetical_split(people, [point(1, 1), point(2, 1)])
    assert [(r.first, r.last, r.participants) for r in ranges] == [("Е", "Е", 2), ("Я", "Я", 1)]
    assert [point_of[p.id] for p in people] == [0, 0, 1]


def test_cutting_by_surname_ranges_over_whole_surnames() -> None:
    people = [person(1, "Каров"), person(2, "Котов"), person(3, "КОТОВ"), person(4, "Кулик")]
    first, second = point(1, 1), point(2, 1)
    ranges, point_of = alphabetical_split(people, [first, second], "surname")
    assert ranges == (
        NameRange(first.id, "каров", "каров", 1),
        NameRange(second.id, "котов", "кулик", 3),
    )
    assert [point_of[p.id] for p in people] == [0, 1, 1, 1]


def surname_crowd(sizes: list[int]) -> list[PlanParticipant]:
    """One surname per entry of `sizes`, in alphabetical order, with that many bearers."""
    people: list[PlanParticipant] = []
    for rank, size in enumerate(sizes):
        people += [person(len(people) + k, f"Фамилия{rank:03d}") for k in range(size)]
    return people


def test_up_to_two_hundred_surnames_are_cut_exactly() -> None:
    # the running cut would give 67, 66, 67 here
    points = [point(1, 1), point(2, 1), point(3, 1)]
    assert participants_per_range(surname_crowd([1] * 200), points, "surname") == [66, 67, 67]


def test_beyond_two_hundred_surnames_the_running_cut_is_used() -> None:
    # 202 people over 201 surnames; the exact split would give 67, 67, 68
    points = [point(1, 1), point(2, 1), point(3, 1)]
    assert participants_per_range(surname_crowd([2] + [1] * 200), points, "surname") == [
        67,
        68,
        67,
    ]


def test_the_running_cut_follows_the_desks() -> None:
    points = [point(1, 2), point(2, 1), point(3, 1)]
    assert participants_per_range(surname_crowd([1] * 400), points, "surname") == [200, 100, 100]


def test_the_exact_split_minimises_the_load_per_desk_the_average_person_meets() -> None:
    assert _best_cuts([5, 1, 1, 1, 1, 1], [1, 1]) == [0, 1, 1, 1, 1, 1]
    assert _best_cuts([5, 1, 1, 1, 1, 1], [2, 1]) == [0, 0, 0, 1, 1, 1]
    assert _best_cuts([5, 1, 1, 1, 1, 1], [1, 2]) == [0, 1, 1, 1, 1, 1]
    assert _best_cuts([2, 2, 2], [1, 1, 1]) == [0, 1, 2]


def test_a_running_cut_gives_each_name_to_the_point_holding_its_middle() -> None:
    # bounds at 2, 4 and 6 people; middles at 0.5, 1.5, ..., 5.5
    assert _running_cuts([1] * 6, [1, 1, 1]) == [0, 0, 1, 1, 2, 2]


def test_a_name_whose_middle_is_exactly_on_a_bound_goes_to_the_next_point() -> None:
    # bound at 3 people: the second name spans 2-4, its middle is exactly 3
    assert _running_cuts([2, 2, 2], [1, 1]) == [0, 1, 1]


def test_running_bounds_follow_each_points_share_of_the_desks() -> None:
    assert _running_cuts([2, 2, 2], [1, 2]) == [0, 1, 1]  # bound at 2 people
    assert _running_cuts([2, 2, 2], [2, 1]) == [0, 0, 1]  # bound at 4 people
    assert _running_cuts([4, 1, 1], [1, 1]) == [0, 1, 1]  # bound at 3: middles 2, 4.5, 5.5
    assert _running_cuts([1, 1, 4], [1, 1]) == [0, 0, 1]  # bound at 3: middles 0.5, 1.5, 4
