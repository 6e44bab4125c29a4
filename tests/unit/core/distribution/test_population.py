"""The synthetic crowd: reproducible for a seed, and lumpy the way real surname lists are."""

# ruff: noqa: RUF001 - Cyrillic letters are the data of these tests.
from __future__ import annotations

import re
from collections import Counter
from uuid import UUID

import pytest
from tests.unit.core.distribution.support import person

from core.distribution.planner import PlanParticipant
from core.distribution.population import COMMON, FIRST_LETTERS, letters_of, synthetic_participants

RARE = re.compile(r"^(?P<stem>.+?)(?P<ending>ов|ова|ев|ева|ин|ина|ский|ская|енко)$")


Crowd = tuple[PlanParticipant, ...]


@pytest.fixture
def crowd() -> Crowd:
    """Twenty thousand people, made afresh for every test (a generated crowd is cheap)."""
    return synthetic_participants(20000, seed=3)


def is_common(last_name: str) -> bool:
    return last_name in COMMON or last_name.removesuffix("а") in COMMON


def rare_names(crowd: Crowd) -> list[str]:
    return [p.last_name for p in crowd if not is_common(p.last_name)]


def test_seed_zero_always_gives_the_same_first_participants() -> None:
    people = synthetic_participants(8, seed=0)
    assert [p.last_name for p in people] == [
        "Кизимин",
        "Кузнецов",
        "Мукалов",
        "Морозова",
        "Тивиненко",
        "Сазимин",
        "Павлов",
        "Бизимусотов",
    ]
    assert people[0].id == UUID("9558867f-5ba9-4faf-ba02-4204f7c1bd87")
    assert people[-1].id == UUID("ec188efb-d080-466e-952f-233a8c25166a")
    assert {p.preferred_point_id for p in people} == {None}


def test_the_seed_defaults_to_zero() -> None:
    assert synthetic_participants(8) == synthetic_participants(8, seed=0)


def test_another_seed_gives_another_crowd() -> None:
    assert [p.last_name for p in synthetic_participants(4, seed=1)] == [
        "Сидерская",
        "Хорогова",
        "Бибарубарский",
        "Соневев",
    ]


def test_a_longer_crowd_starts_with_the_shorter_one() -> None:
    assert synthetic_participants(50, seed=4)[:20] == synthetic_participants(20, seed=4)


def test_the_crowd_has_the_asked_size_and_random_version_four_ids(crowd: Crowd) -> None:
    people = crowd
    assert len(people) == 20000
    assert len({p.id for p in people}) == 20000
    assert {p.id.version for p in people} == {4}
    assert synthetic_participants(0) == ()


def test_about_three_in_ten_carry_one_of_the_common_surnames(crowd: Crowd) -> None:
    common = sum(1 for p in crowd if is_common(p.last_name))
    assert 0.28 < common / 20000 < 0.32


def test_common_surnames_come_in_both_forms_about_equally(crowd: Crowd) -> None:
    common = [p.last_name for p in crowd if is_common(p.last_name)]
    feminine = sum(1 for name in common if name not in COMMON)
    assert 0.47 < feminine / len(common) < 0.53


def test_rare_surnames_come_in_both_forms_about_equally(crowd: Crowd) -> None:
    endings = Counter(RARE.match(name)["ending"] for name in rare_names(crowd))  # type: ignore[index]
    feminine = endings["ова"] + endings["ева"] + endings["ина"] + endings["ская"]
    masculine = endings["ов"] + endings["ев"] + endings["ин"] + endings["ский"]
    assert 0.9 < feminine / masculine < 1.1
    assert 0.17 < endings["енко"] / sum(endings.values()) < 0.23  # one ending in five


def test_the_most_frequent_surnames_lead_and_the_tail_is_rarer(crowd: Crowd) -> None:
    counts = Counter(p.last_name.removesuffix("а") for p in crowd if is_common(p.last_name))
    assert [name for name, _ in counts.most_common(2)] == ["Иванов", "Смирнов"]
    # weights 1/(rank + 5): Ivanov (1/5) against Krylov, the last (1/69), about 14 to 1
    assert 10 < counts["Иванов"] / counts[COMMON[-1]] < 18


def test_first_letters_are_as_lumpy_as_russian_surnames(crowd: Crowd) -> None:
    letters = letters_of(crowd)
    assert sum(letters.values()) == 20000
    assert max(letters, key=letters.__getitem__) == "К"
    assert letters["К"] > 10 * letters.get("Ю", 0)
    assert set(letters) <= set(FIRST_LETTERS)


def test_a_rare_surname_after_a_consonant_takes_a_vowel_and_after_a_vowel_none(
    crowd: Crowd,
) -> None:
    rare = rare_names(crowd)
    consonant = [n for n in rare if n[0] not in "АЕИОУЭЮЯ"]
    vowel = [n for n in rare if n[0] in "АЕИОУЭЮЯ"]
    assert len(vowel) > 100
    assert all(n[1] in "аеиоу" for n in consonant)
    assert all(n[1] not in "аеиоуэюя" for n in vowel)


def test_about_three_rare_surnames_in_ten_have_a_second_syllable(crowd: Crowd) -> None:
    stems = [RARE.match(name)["stem"] for name in rare_names(crowd)]  # type: ignore[index]
    # a stem is the letter (and a vowel after a consonant), a syllable, maybe a vowel + syllable
    long = sum(1 for stem in stems if len(stem) >= 8)
    assert 0.27 < long / len(stems) < 0.33
    assert all(len(stem) in (4, 5, 8, 9) for stem in stems)


def test_letters_are_counted_by_the_upper_case_first_letter_of_the_trimmed_surname() -> None:
    people = [
        person(1, " иванов"),
        person(2, "Иванова"),
        person(3, "петров"),
        person(4, "Ёлкин"),
        person(5, "Ежов"),
    ]
    assert letters_of(people) == {"И": 2, "П": 1, "Ё": 1, "Е": 1}
    assert letters_of([]) == {}
