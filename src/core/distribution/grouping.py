"""Surname groups: participants who share a last name are planned together."""

# ruff: noqa: RUF002 - Cyrillic letters are the data of this module.
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from core.distribution.roster import fold

if TYPE_CHECKING:
    from core.distribution.planner import PlanParticipant


def surname_key(last_name: str) -> str:
    """The form under which two last names count as the same: case, spacing and ё/е ignored.

    "Ёлкина", "ЕЛКИНА " and "елкина" are one family; ё is often typed as е in lists. The same
    folding finds participants in search (`roster.fold`), so a family and a search agree.
    """
    return fold(last_name)


@attrs.frozen
class SurnameGroup:
    """Participants with the same surname key, ordered by id; `key` is unique per group."""

    key: str
    members: tuple[PlanParticipant, ...]
    size: int
    """len(members), kept because the planner asks for it at every step."""


def group_by_surname(participants: Iterable[PlanParticipant]) -> list[SurnameGroup]:
    """Groups, the largest first (then by key), so that big families are placed while there
    is still room. A blank last name is nobody's family: such a participant is a group alone.
    """
    buckets: dict[str, list[PlanParticipant]] = {}
    for participant in sorted(participants, key=lambda p: p.id.int):  # members in id order
        key = surname_key(participant.last_name) or f"\x00{participant.id}"
        buckets.setdefault(key, []).append(participant)
    groups = [SurnameGroup(key, tuple(m), len(m)) for key, m in buckets.items()]
    groups.sort(key=lambda group: (-group.size, group.key))
    return groups
