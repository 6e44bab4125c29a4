"""Synthetic participant lists with Russian-looking surnames, for trying and measuring plans.

Real lists are lumpy: a few surnames are very common (Ivanov, Smirnov, ...), first letters are
far from uniform (К, С, П, Б and М cover about 40 % of people, Э and Ю almost nobody). That
lumpiness is exactly what hurts an alphabetical split, so a fair comparison needs it. The
letter shares below are rounded figures for Russian surnames, good enough for simulation.
"""

# ruff: noqa: RUF001, RUF002 - Cyrillic letters are the data of this module.
from __future__ import annotations

# Seeded pseudo-randomness makes a reproducible crowd; it guards no secret.
import random  # noqa: TID251
import uuid
from collections.abc import Sequence

from core.distribution.planner import PlanParticipant

FIRST_LETTERS: dict[str, float] = {
    "А": 3.9, "Б": 7.0, "В": 4.6, "Г": 5.4, "Д": 3.9, "Е": 1.4, "Ж": 1.1, "З": 2.6, "И": 1.3,
    "К": 11.4, "Л": 4.0, "М": 6.6, "Н": 3.9, "О": 1.9, "П": 7.7, "Р": 3.5, "С": 7.9, "Т": 4.4,
    "У": 0.6, "Ф": 2.0, "Х": 2.0, "Ц": 0.6, "Ч": 2.2, "Ш": 3.4, "Щ": 0.4, "Э": 0.3, "Ю": 0.3,
    "Я": 1.0,
}  # fmt: skip
"""Approximate share (%) of Russian surnames by first letter."""

_COMMON_TEXT = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
    "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
    "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
    "Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков "
    "Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
    "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов"
)
COMMON = tuple(_COMMON_TEXT.split())
"""The most frequent Russian surnames, most frequent first."""

COMMON_SHARE = 0.3
"""Share of people carrying one of `COMMON`; the rest get a rarer, generated surname."""

_VOWELS = "аеиоу"
_SYLLABLE_TEXT = "бар вин гол дер кал лин мор нев рач сот тух шин ден рог пал зим"
_SYLLABLES = tuple(_SYLLABLE_TEXT.split())
_ENDINGS = (("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ский", "ская"), ("енко", "енко"))


def synthetic_participants(count: int, seed: int = 0) -> tuple[PlanParticipant, ...]:
    """`count` participants with plausible surnames (about half in the feminine form)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible simulation input, not a secret
    common_weights = [1.0 / (rank + 5) for rank in range(len(COMMON))]
    letters, letter_weights = list(FIRST_LETTERS), list(FIRST_LETTERS.values())
    people: list[PlanParticipant] = []
    for _ in range(count):
        feminine = rng.random() < 0.5
        if rng.random() < COMMON_SHARE:
            surname = rng.choices(COMMON, common_weights)[0] + ("а" if feminine else "")
        else:
            surname = _rare_surname(rng, rng.choices(letters, letter_weights)[0], feminine)
        people.append(PlanParticipant(uuid.UUID(int=rng.getrandbits(128), version=4), surname))
    return tuple(people)


def _rare_surname(rng: random.Random, letter: str, feminine: bool) -> str:
    stem = letter if letter in "АЕИОУЭЮЯ" else letter + rng.choice(_VOWELS)
    stem += rng.choice(_SYLLABLES)
    if rng.random() < 0.3:
        stem += rng.choice(_VOWELS) + rng.choice(_SYLLABLES)
    masculine_ending, feminine_ending = rng.choice(_ENDINGS)
    return stem + (feminine_ending if feminine else masculine_ending)


def letters_of(participants: Sequence[PlanParticipant]) -> dict[str, int]:
    """How many participants per first letter of the surname (upper case)."""
    counts: dict[str, int] = {}
    for participant in participants:
        letter = participant.last_name.strip()[:1].upper()
        counts[letter] = counts.get(letter, 0) + 1
    return counts
