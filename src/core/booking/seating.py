"""Venues with seat maps: sections of rows of numbered seats, each seat in a price category.

A map comes in as JSON (see `parse_venue`) and is kept whole. An event at a venue has one
seat per place on the map (its capacity), and a booking of it names its seats, or is given
the best free ones. Each seat is sold at most once: the core checks it first; a partial
unique index on the live (held or sold) seat of an event is the last line in the database.

    {"name": "Hall 2",
     "categories": [{"code": "A", "name": "Stalls", "price": {"amount": 90000, "currency": "RUB"}}],
     "sections": [{"name": "Stalls", "x": 0, "y": 0,
                   "rows": [{"label": "1", "seats": 12, "category": "A"}]}]}

Rows may list their seat numbers instead of a count (`"seats": [1, 2, 5, 6]`) for gaps.
Positions (for drawing) come from the section's `x`, `y` and each seat's place in its row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NewType, Protocol
from uuid import UUID

import attrs

from core.identity.model import AccountId
from core.shared.errors import Conflict, ValidationFailed
from core.shared.ids import uuid7
from core.shared.money import Money

VenueId = NewType("VenueId", UUID)
SeatId = NewType("SeatId", UUID)

SEAT_PITCH = 30
"""Distance between neighbouring seats and rows in map units (for drawing)."""
SEATS_MAX = 20_000
NAME_MAX = 100


@attrs.frozen
class PriceCategory:
    code: str
    name: str
    price: Money | None = None  # None: free seats


@attrs.frozen
class Seat:
    id: SeatId
    section: str
    row: str
    number: int
    category: str
    x: int
    y: int

    @property
    def label(self) -> str:
        return f"{self.section}, row {self.row}, seat {self.number}"


@attrs.frozen
class Venue:
    id: VenueId
    owner_id: AccountId
    name: str
    categories: tuple[PriceCategory, ...]
    seats: tuple[Seat, ...]
    created_at: datetime

    def category(self, code: str) -> PriceCategory:
        return next(c for c in self.categories if c.code == code)

    def seat_index(self) -> dict[UUID, Seat]:
        return {seat.id: seat for seat in self.seats}

    def price_of(self, seats: Sequence[Seat]) -> Money | None:
        """What the seats cost together; None when every one of them is free."""
        prices = [p for p in (self.category(s.category).price for s in seats) if p is not None]
        if not prices:
            return None
        total = prices[0]
        for price in prices[1:]:
            total = total + price
        return total

    def choose(self, wanted: Sequence[UUID], count: int, taken: set[UUID]) -> list[Seat]:
        """The seats a booking gets: those `wanted` (all free, all on this map), or else the
        first `count` free ones in map order (sections, rows, numbers)."""
        index = self.seat_index()
        if wanted:
            if len(set(wanted)) != len(wanted) or len(wanted) != count:
                raise ValidationFailed(
                    "seat_ids must name each chosen seat once, one per seat booked",
                    field="seat_ids",
                )
            unknown = [str(w) for w in wanted if w not in index]
            if unknown:
                raise ValidationFailed(
                    f"no such seat at this venue: {', '.join(unknown)}", field="seat_ids"
                )
            gone = [index[w].label for w in wanted if w in taken]
            if gone:
                raise Conflict(f"already taken: {'; '.join(gone)}; choose other seats")
            return [index[w] for w in wanted]
        free = [seat for seat in self.seats if seat.id not in taken]
        if len(free) < count:
            raise Conflict(f"only {len(free)} seat{'s' if len(free) != 1 else ''} left")
        return free[:count]


def _name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > NAME_MAX:
        raise ValidationFailed(f"{field} must be text of 1 to {NAME_MAX} characters", field=field)
    return value.strip()


def _int(value: Any, field: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValidationFailed(f"{field} must be a whole number >= {low}", field=field)
    return value


def _categories(raw: Any) -> tuple[PriceCategory, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("categories must be a non-empty list", field="categories")
    found: dict[str, PriceCategory] = {}
    for n, item in enumerate(raw):
        where = f"categories[{n}]"
        if not isinstance(item, Mapping):
            raise ValidationFailed(f"{where} must be an object", field=where)
        code = _name(item.get("code"), f"{where}.code")
        if code in found:
            raise ValidationFailed(f"{where}.code {code!r} is used twice", field=f"{where}.code")
        price = item.get("price")
        money = None
        if price is not None:
            if not isinstance(price, Mapping):
                raise ValidationFailed(f"{where}.price must be an object", field=f"{where}.price")
            amount = _int(price.get("amount"), f"{where}.price.amount", 1)
            try:
                money = Money(amount, price.get("currency", ""))
            except ValidationFailed as exc:  # the amount is checked: it is the currency
                raise ValidationFailed(exc.detail, field=f"{where}.price.currency") from exc
        found[code] = PriceCategory(code, _name(item.get("name", code), f"{where}.name"), money)
    currencies = {c.price.currency for c in found.values() if c.price is not None}
    if len(currencies) > 1:
        raise ValidationFailed("all prices of a venue must be in one currency", field="categories")
    return tuple(found.values())


def _numbers(raw: Any, where: str) -> list[int]:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return list(range(1, _int(raw, where, 1) + 1))
    if isinstance(raw, list) and raw:
        numbers = [_int(n, where, 1) for n in raw]
        if len(set(numbers)) != len(numbers):
            raise ValidationFailed(f"{where} lists a seat number twice", field=where)
        return numbers
    raise ValidationFailed(f"{where} must be a count or a list of seat numbers", field=where)


def _seats(raw: Any, codes: set[str], now: datetime) -> tuple[Seat, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("sections must be a non-empty list", field="sections")
    seats: list[Seat] = []
    names: set[str] = set()
    for s, section in enumerate(raw):
        where = f"sections[{s}]"
        if not isinstance(section, Mapping) or not isinstance(section.get("rows"), list):
            raise ValidationFailed(f"{where} must be an object with rows", field=where)
        name = _name(section.get("name"), f"{where}.name")
        if name in names:
            raise ValidationFailed(f"{where}.name {name!r} is used twice", field=f"{where}.name")
        names.add(name)
        x0, y0 = _int(section.get("x", 0), f"{where}.x"), _int(section.get("y", 0), f"{where}.y")
        for r, row in enumerate(section["rows"]):
            at = f"{where}.rows[{r}]"
            if not isinstance(row, Mapping):
                raise ValidationFailed(f"{at} must be an object", field=at)
            label = _name(str(row.get("label", r + 1)), f"{at}.label")
            category = row.get("category")
            if category not in codes:
                raise ValidationFailed(
                    f"{at}.category must be one of the categories' codes", field=f"{at}.category"
                )
            for number in _numbers(row.get("seats"), f"{at}.seats"):
                seats.append(
                    Seat(
                        id=SeatId(uuid7(now)),
                        section=name,
                        row=label,
                        number=number,
                        category=category,
                        x=x0 + (number - 1) * SEAT_PITCH,
                        y=y0 + r * SEAT_PITCH,
                    )
                )
    if len(seats) > SEATS_MAX:
        raise ValidationFailed(f"a venue has at most {SEATS_MAX} seats", field="sections")
    return tuple(seats)


def parse_venue(owner_id: AccountId, raw: Any, now: datetime) -> Venue:
    """A venue from its JSON description; ValidationFailed names the first wrong field."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed("a seat map is a JSON object", field="body")
    categories = _categories(raw.get("categories"))
    seats = _seats(raw.get("sections"), {c.code for c in categories}, now)
    return Venue(
        id=VenueId(uuid7(now)),
        owner_id=owner_id,
        name=_name(raw.get("name"), "name"),
        categories=categories,
        seats=seats,
        created_at=now,
    )


def _money(price: Money | None) -> dict[str, Any] | None:
    return None if price is None else {"amount": price.amount, "currency": price.currency}


def venue_document(venue: Venue) -> dict[str, Any]:
    """The venue as plain data (how it is stored and served): categories and every seat."""
    return {
        "name": venue.name,
        "categories": [
            {"code": c.code, "name": c.name, "price": _money(c.price)} for c in venue.categories
        ],
        "seats": [
            {"id": str(s.id), "section": s.section, "row": s.row, "number": s.number,
             "category": s.category, "x": s.x, "y": s.y}
            for s in venue.seats
        ],
    }  # fmt: skip


def venue_from_document(
    venue_id: UUID, owner_id: UUID, created_at: datetime, document: Mapping[str, Any]
) -> Venue:
    """What `venue_document` wrote, read back."""
    return Venue(
        id=VenueId(venue_id),
        owner_id=AccountId(owner_id),
        name=document["name"],
        categories=tuple(
            PriceCategory(c["code"], c["name"], None if c["price"] is None else Money(**c["price"]))
            for c in document["categories"]
        ),
        seats=tuple(
            Seat(
                SeatId(UUID(s["id"])),
                s["section"],
                s["row"],
                s["number"],
                s["category"],
                s["x"],
                s["y"],
            )
            for s in document["seats"]
        ),
        created_at=created_at,
    )


class VenueRepository(Protocol):
    async def add(self, venue: Venue) -> None: ...

    async def get(self, venue_id: UUID) -> Venue: ...


class SeatHolds(Protocol):
    """Which seats of an event are live (held for payment or sold), per booking."""

    async def taken(self, event_id: UUID) -> frozenset[UUID]: ...

    async def hold(self, event_id: UUID, booking_id: UUID, seat_ids: Sequence[UUID]) -> None:
        """Make the seats live for the booking; Conflict when one already is (the database's
        partial unique index decides between concurrent buyers)."""
        ...

    async def release(self, booking_id: UUID) -> None: ...

    async def release_event(self, event_id: UUID) -> None: ...
