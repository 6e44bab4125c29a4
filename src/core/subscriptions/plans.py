"""Plans: what can be bought and what it gives.

Three kinds. A **pass** is paid once and gives its perks for a number of days; a **monthly**
plan renews itself every calendar month from the saved payment method until cancelled; a
**conference** plan is an organiser's tier: one conference with up to `participants` people
(no limit when None). A plan never changes once people hold it; to change a price, add a new
plan and retire the old one (people keep the plan they have).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NewType
from uuid import UUID

import attrs

from core.shared.errors import ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money
from core.shared.perks import Perk

PlanId = NewType("PlanId", UUID)

NAME_MAX = 100
DESCRIPTION_MAX = 500
PASS_DAYS_MAX = 3660
PARTICIPANTS_MAX = 10_000_000
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class PlanKind(enum.StrEnum):
    PASS = "pass"
    """Paid once; gives its perks for `days` days."""
    MONTHLY = "monthly"
    """Renews every month from the saved payment method until cancelled."""
    CONFERENCE = "conference"
    """An organiser's tier: one conference with up to `participants` people."""


@attrs.frozen
class PlanSpec:
    """What a new plan is to be; checked by `Plan.create`."""

    code: str
    name: str
    kind: PlanKind
    price: Money
    perks: frozenset[Perk] = frozenset()
    days: int | None = None
    participants: int | None = None
    description: str = ""


def _text(value: str, field: str, maximum: int, *, required: bool = True) -> str:
    text = " ".join(value.split())
    if (required and not text) or len(text) > maximum:
        low = 1 if required else 0
        raise ValidationFailed(f"{field} must be {low} to {maximum} characters", field=field)
    return text


def _check_terms(spec: PlanSpec) -> None:
    free_allowed = spec.kind is PlanKind.CONFERENCE
    if spec.price.amount < 0 or (spec.price.amount == 0 and not free_allowed):
        raise ValidationFailed("a plan's price must be above zero", field="price")
    if spec.kind is PlanKind.PASS:
        if spec.days is None or not 1 <= spec.days <= PASS_DAYS_MAX:
            raise ValidationFailed(f"a pass lasts 1 to {PASS_DAYS_MAX} days", field="days")
    elif spec.days is not None:
        raise ValidationFailed("only a pass has a number of days", field="days")
    if spec.kind is PlanKind.CONFERENCE:
        if spec.perks:
            raise ValidationFailed("a conference tier gives no perks", field="perks")
        if spec.participants is not None and not 1 <= spec.participants <= PARTICIPANTS_MAX:
            raise ValidationFailed(
                f"a tier holds 1 to {PARTICIPANTS_MAX} participants", field="participants"
            )
    elif spec.participants is not None:
        raise ValidationFailed(
            "only a conference tier has a participant limit", field="participants"
        )


@attrs.frozen
class Plan:
    id: PlanId
    code: str
    name: str
    kind: PlanKind
    price: Money
    perks: frozenset[Perk]
    created_at: datetime
    days: int | None = None
    participants: int | None = None
    description: str = ""
    active: bool = True

    @classmethod
    def create(cls, spec: PlanSpec, now: datetime) -> Plan:
        if not _CODE.match(spec.code):
            raise ValidationFailed(
                "code must be 1 to 40 lowercase letters, digits or dashes", field="code"
            )
        _check_terms(spec)
        return cls(
            id=PlanId(uuid7(now)),
            code=spec.code,
            name=_text(spec.name, "name", NAME_MAX),
            kind=spec.kind,
            price=spec.price,
            perks=frozenset(spec.perks),
            created_at=now,
            days=spec.days,
            participants=spec.participants,
            description=_text(spec.description, "description", DESCRIPTION_MAX, required=False),
        )

    @property
    def renews(self) -> bool:
        return self.kind is PlanKind.MONTHLY

    @property
    def for_subscribers(self) -> bool:
        return self.kind is not PlanKind.CONFERENCE

    def retired(self) -> Plan:
        """No one new may take this plan; those who hold it keep it."""
        return attrs.evolve(self, active=False)


@attrs.frozen
class Tiers:
    """The organiser tiers in force, smallest first (an unlimited tier last)."""

    tiers: tuple[Plan, ...]

    @classmethod
    def of(cls, plans: Iterable[Plan]) -> Tiers:
        chosen = [p for p in plans if p.kind is PlanKind.CONFERENCE and p.active]
        currencies = {p.price.currency for p in chosen}
        if len(currencies) > 1:
            raise ValidationFailed("every conference tier must be priced in one currency")
        limit = PARTICIPANTS_MAX + 1
        chosen.sort(key=lambda p: (p.participants or limit, p.price.amount, p.id))
        return cls(tuple(chosen))

    def __bool__(self) -> bool:
        return bool(self.tiers)

    def for_size(self, participants: int) -> Plan:
        """The smallest tier that holds `participants` people; the largest when none does."""
        if not self.tiers:
            raise ValidationFailed("no conference tiers are offered")
        fits = (t for t in self.tiers if t.participants is None or t.participants >= participants)
        return next(fits, self.tiers[-1])

    def covered_by(self, paid: Money) -> Plan | None:
        """The largest tier that `paid` fully pays for, if any."""
        paid_for: Sequence[Plan] = [t for t in self.tiers if t.price.amount <= paid.amount]
        return paid_for[-1] if paid_for else None
