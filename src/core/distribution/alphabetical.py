"""The usual way to send people to pickup points: by the first letters of their surnames.

It is the baseline the planner is measured against, built as well as it can be built: the
organiser knows the list and cuts the alphabet into contiguous ranges whose load per desk is
as even as the granularity allows. Two granularities:

- `"letter"`: whole first letters (А–В, Г–И, ...), what signs at a venue usually say;
- `"surname"`: cuts anywhere in the sorted list of surnames (Ка–Кол, Ком–Кя, ...), which
  balances load almost exactly and leaves only the arrival pattern to blame.
"""

# ruff: noqa: RUF001, RUF002 - Cyrillic letters are the data of this module.
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal
from uuid import UUID

import attrs

from core.distribution.grouping import surname_key
from core.distribution.planner import PlanParticipant, PlanPoint
from core.shared.errors import ValidationFailed

Cut = Literal["letter", "surname"]


@attrs.frozen
class NameRange:
    """One point's share of the alphabet: from `first` to `last` (letters or surnames)."""

    point_id: UUID
    first: str
    last: str
    participants: int


def first_letter(last_name: str) -> str:
    """The letter a surname is filed under: upper case, Cyrillic yo filed with ye."""
    return last_name.strip()[:1].upper().replace("Ё", "Е")


def alphabetical_split(
    participants: Sequence[PlanParticipant], points: Sequence[PlanPoint], cut: Cut = "letter"
) -> tuple[tuple[NameRange, ...], dict[UUID, int]]:
    """The ranges per point (a point may get none), and each participant's point index."""
    if not points:
        raise ValidationFailed("plan at least one pickup point", field="points")
    label = _labeller(cut)
    counts: dict[str, int] = {}
    for participant in participants:
        name = label(participant.last_name)
        counts[name] = counts.get(name, 0) + 1
    names = sorted(counts)
    owners = _best_cuts([counts[n] for n in names], [p.desks for p in points])
    point_of = dict(zip(names, owners, strict=True))
    ranges = []
    for i, point in enumerate(points):
        mine = [n for n, owner in zip(names, owners, strict=True) if owner == i]
        if mine:
            ranges.append(NameRange(point.id, mine[0], mine[-1], sum(counts[n] for n in mine)))
    return tuple(ranges), {p.id: point_of[label(p.last_name)] for p in participants}


def _labeller(cut: Cut) -> Callable[[str], str]:
    if cut == "letter":
        return first_letter
    if cut == "surname":
        return surname_key
    raise ValidationFailed("cut the alphabet by 'letter' or by 'surname'", field="cut")


def _best_cuts(counts: Sequence[int], desks: Sequence[int]) -> list[int]:
    """Contiguous ranges of `counts` over points, as even in load per desk as they can be.

    Exact dynamic programming over whole letters minimising Σ load²/desks (the load per desk
    that the average participant meets; it punishes an overloaded point hardest). With too
    many names for that, a running cut at each point's share of the list (a cut per surname
    balances well anyway).
    """
    if len(counts) > 200:
        return _running_cuts(counts, desks)
    prefix = [0]
    for count in counts:
        prefix.append(prefix[-1] + count)
    size = len(counts)
    cost = [prefix[i] ** 2 / desks[0] for i in range(size + 1)]  # point 0 takes names [0, i)
    choices: list[list[int]] = [[0] * (size + 1)]
    for d in desks[1:]:
        row, picks = [0.0] * (size + 1), [0] * (size + 1)
        for i in range(size + 1):
            row[i], picks[i] = min(
                (cost[j] + (prefix[i] - prefix[j]) ** 2 / d, j) for j in range(i + 1)
            )
        cost = row
        choices.append(picks)
    owners = [0] * size
    end = size
    for point in range(len(desks) - 1, 0, -1):
        start = choices[point][end]
        owners[start:end] = [point] * (end - start)
        end = start
    return owners


def _running_cuts(counts: Sequence[int], desks: Sequence[int]) -> list[int]:
    """Each name goes to the point whose share of the list holds the name's middle."""
    total_desks, people = sum(desks), max(1, sum(counts))
    bounds, reached = [], 0.0
    for d in desks:
        reached += d / total_desks
        bounds.append(reached * people)
    owners, seen, point = [], 0, 0
    for count in counts:
        while point < len(desks) - 1 and seen + count / 2 >= bounds[point]:
            point += 1
        owners.append(point)
        seen += count
    return owners
