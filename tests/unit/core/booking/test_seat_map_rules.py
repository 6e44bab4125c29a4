"""Seat maps, exactly: every refusal of a map word for word with its field, the stored
document and its reading back, positions, prices and the choice of seats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from core.booking.seating import (
    SEAT_PITCH,
    SEATS_MAX,
    PriceCategory,
    Seat,
    SeatId,
    Venue,
    parse_venue,
    venue_document,
    venue_from_document,
)
from core.identity.model import AccountId
from core.shared.errors import Conflict, ValidationFailed
from core.shared.money import Money

NOW = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
OWNER = AccountId(UUID("01900000-0000-7000-8000-000000000001"))
A = {"code": "A", "name": "Stalls", "price": {"amount": 900, "currency": "RUB"}}
ROW = {"label": "1", "seats": 2, "category": "A"}


def venue(**parts: Any) -> dict[str, Any]:
    return {"name": "Hall", "categories": [A], "sections": [{"name": "S", "rows": [ROW]}], **parts}


def section(**parts: Any) -> dict[str, Any]:
    return {"name": "S", "rows": [ROW], **parts}


def row(**parts: Any) -> dict[str, Any]:
    return {**ROW, **parts}


REFUSALS: list[tuple[Any, str, str]] = [
    ([], "a seat map is a JSON object", "body"),
    (venue(categories=None), "categories must be a non-empty list", "categories"),
    (venue(categories=[]), "categories must be a non-empty list", "categories"),
    (venue(categories=["A"]), "categories[0] must be an object", "categories[0]"),
    (
        venue(categories=[{"name": "x"}]),
        "categories[0].code must be text of 1 to 100 characters",
        "categories[0].code",
    ),
    (
        venue(categories=[{"code": "   "}]),
        "categories[0].code must be text of 1 to 100 characters",
        "categories[0].code",
    ),
    (
        venue(categories=[{"code": "x" * 101}]),
        "categories[0].code must be text of 1 to 100 characters",
        "categories[0].code",
    ),
    (
        venue(categories=[A, {"code": "A"}]),
        "categories[1].code 'A' is used twice",
        "categories[1].code",
    ),
    (
        venue(categories=[{"code": "A", "price": 5}]),
        "categories[0].price must be an object",
        "categories[0].price",
    ),
    (
        venue(categories=[{"code": "A", "price": {"amount": 0, "currency": "RUB"}}]),
        "categories[0].price.amount must be a whole number >= 1",
        "categories[0].price.amount",
    ),
    (
        venue(categories=[{"code": "A", "price": {"amount": True, "currency": "RUB"}}]),
        "categories[0].price.amount must be a whole number >= 1",
        "categories[0].price.amount",
    ),
    (
        venue(categories=[{"code": "A", "price": {"amount": 5}}]),
        "currency must be a three-letter ISO 4217 code, got ''",
        "categories[0].price.currency",
    ),
    (
        venue(categories=[{"code": "A", "price": {"amount": 5, "currency": "rub"}}]),
        "currency must be a three-letter ISO 4217 code, got 'rub'",
        "categories[0].price.currency",
    ),
    (
        venue(categories=[{"code": "A", "name": 7}]),
        "categories[0].name must be text of 1 to 100 characters",
        "categories[0].name",
    ),
    (
        venue(
            categories=[A, {"code": "B", "price": {"amount": 5, "currency": "EUR"}}],
        ),
        "all prices of a venue must be in one currency",
        "categories",
    ),
    (venue(sections=None), "sections must be a non-empty list", "sections"),
    (venue(sections=[]), "sections must be a non-empty list", "sections"),
    (venue(sections=["S"]), "sections[0] must be an object with rows", "sections[0]"),
    (venue(sections=[{"name": "S"}]), "sections[0] must be an object with rows", "sections[0]"),
    (
        venue(sections=[section(name="")]),
        "sections[0].name must be text of 1 to 100 characters",
        "sections[0].name",
    ),
    (
        venue(sections=[section(), section(name=" S ")]),
        "sections[1].name 'S' is used twice",
        "sections[1].name",
    ),
    (venue(sections=[section(x=-1)]), "sections[0].x must be a whole number >= 0", "sections[0].x"),
    (
        venue(sections=[section(y=1.5)]),
        "sections[0].y must be a whole number >= 0",
        "sections[0].y",
    ),
    (
        venue(sections=[section(rows=["1"])]),
        "sections[0].rows[0] must be an object",
        "sections[0].rows[0]",
    ),
    (
        venue(sections=[section(rows=[row(label=" ")])]),
        "sections[0].rows[0].label must be text of 1 to 100 characters",
        "sections[0].rows[0].label",
    ),
    (
        venue(sections=[section(rows=[row(category="Z")])]),
        "sections[0].rows[0].category must be one of the categories' codes",
        "sections[0].rows[0].category",
    ),
    (
        venue(sections=[section(rows=[row(seats=[1, 3, 1])])]),
        "sections[0].rows[0].seats lists a seat number twice",
        "sections[0].rows[0].seats",
    ),
    (
        venue(sections=[section(rows=[row(seats=[])])]),
        "sections[0].rows[0].seats must be a count or a list of seat numbers",
        "sections[0].rows[0].seats",
    ),
    (
        venue(sections=[section(rows=[row(seats=True)])]),
        "sections[0].rows[0].seats must be a count or a list of seat numbers",
        "sections[0].rows[0].seats",
    ),
    (
        venue(sections=[section(rows=[row(seats="3")])]),
        "sections[0].rows[0].seats must be a count or a list of seat numbers",
        "sections[0].rows[0].seats",
    ),
    (
        venue(sections=[section(rows=[row(seats=0)])]),
        "sections[0].rows[0].seats must be a whole number >= 1",
        "sections[0].rows[0].seats",
    ),
    (
        venue(sections=[section(rows=[row(seats=[2, 0])])]),
        "sections[0].rows[0].seats must be a whole number >= 1",
        "sections[0].rows[0].seats",
    ),
    (
        venue(sections=[section(rows=[row(seats=SEATS_MAX + 1)])]),
        f"a venue has at most {SEATS_MAX} seats",
        "sections",
    ),
    (venue(name=None), "name must be text of 1 to 100 characters", "name"),
]


@pytest.mark.parametrize(("raw", "detail", "field"), REFUSALS)
def test_a_wrong_map_is_refused_word_for_word(raw: Any, detail: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_venue(OWNER, raw, NOW)
    assert (caught.value.detail, caught.value.field) == (detail, field)


def test_a_map_at_the_limit_is_taken() -> None:
    made = parse_venue(OWNER, venue(sections=[section(rows=[row(seats=SEATS_MAX)])]), NOW)
    assert len(made.seats) == SEATS_MAX


def test_names_codes_and_labels_are_trimmed_and_defaulted() -> None:
    raw = {
        "name": "  Hall 2 ",
        "categories": [
            {"code": " F "},
            {"code": "P", "name": " Paid ", "price": {"amount": 1, "currency": "EUR"}},
        ],
        "sections": [
            {"name": " Floor ", "x": 10, "y": 20, "rows": [{"seats": [2, 4], "category": "F"}]},
            {"name": "Box", "rows": [{"seats": 1, "category": "P"}, {"seats": 1, "category": "P"}]},
        ],
    }
    made = parse_venue(OWNER, raw, NOW)
    assert made.name == "Hall 2"
    assert made.owner_id == OWNER
    assert made.created_at == NOW
    assert made.categories == (
        PriceCategory("F", "F", None),
        PriceCategory("P", "Paid", Money(1, "EUR")),
    )
    placed = [(s.section, s.row, s.number, s.category, s.x, s.y) for s in made.seats]
    assert placed == [
        ("Floor", "1", 2, "F", 10 + SEAT_PITCH, 20),
        ("Floor", "1", 4, "F", 10 + 3 * SEAT_PITCH, 20),
        ("Box", "1", 1, "P", 0, 0),
        ("Box", "2", 1, "P", 0, SEAT_PITCH),
    ]
    assert len({s.id for s in made.seats}) == 4
    assert made.seats[0].label == "Floor, row 1, seat 2"


def small_venue() -> Venue:
    return Venue(
        id=UUID("01900000-0000-7000-8000-0000000000aa"),  # type: ignore[arg-type]
        owner_id=OWNER,
        name="Club",
        categories=(
            PriceCategory("A", "Stalls", Money(900, "RUB")),
            PriceCategory("F", "Free", None),
        ),
        seats=(
            Seat(SeatId(UUID(int=1)), "Floor", "1", 1, "A", 0, 0),
            Seat(SeatId(UUID(int=2)), "Floor", "1", 2, "A", 30, 0),
            Seat(SeatId(UUID(int=3)), "Floor", "2", 1, "F", 0, 30),
        ),
        created_at=NOW,
    )


def test_the_stored_document_is_exactly_the_map_and_reads_back_equal() -> None:
    made = small_venue()
    document = venue_document(made)
    assert document == {
        "name": "Club",
        "categories": [
            {"code": "A", "name": "Stalls", "price": {"amount": 900, "currency": "RUB"}},
            {"code": "F", "name": "Free", "price": None},
        ],
        "seats": [
            {"id": str(UUID(int=1)), "section": "Floor", "row": "1", "number": 1,
             "category": "A", "x": 0, "y": 0},
            {"id": str(UUID(int=2)), "section": "Floor", "row": "1", "number": 2,
             "category": "A", "x": 30, "y": 0},
            {"id": str(UUID(int=3)), "section": "Floor", "row": "2", "number": 1,
             "category": "F", "x": 0, "y": 30},
        ],
    }  # fmt: skip
    assert venue_from_document(made.id, made.owner_id, NOW, document) == made


def test_prices_add_up_by_category_and_free_seats_cost_nothing() -> None:
    made = small_venue()
    one, two, free = made.seats
    assert made.price_of([one, two]) == Money(1800, "RUB")
    assert made.price_of([one, free]) == Money(900, "RUB")
    assert made.price_of([free]) is None
    assert made.category("F").name == "Free"


def test_the_choice_of_seats_word_for_word() -> None:
    made = small_venue()
    one, two, free = made.seats
    assert made.choose([two.id], 1, set()) == [two]
    assert made.choose([], 2, {one.id}) == [two, free]
    with pytest.raises(ValidationFailed) as twice:
        made.choose([one.id, one.id], 2, set())
    assert (twice.value.detail, twice.value.field) == (
        "seat_ids must name each chosen seat once, one per seat booked",
        "seat_ids",
    )
    with pytest.raises(ValidationFailed) as miscount:
        made.choose([one.id], 2, set())
    assert miscount.value.field == "seat_ids"
    with pytest.raises(ValidationFailed) as unknown:
        made.choose([UUID(int=9)], 1, set())
    assert (unknown.value.detail, unknown.value.field) == (
        f"no such seat at this venue: {UUID(int=9)}",
        "seat_ids",
    )
    with pytest.raises(Conflict) as gone:
        made.choose([one.id, two.id], 2, {one.id, two.id})
    assert gone.value.detail == (
        "already taken: Floor, row 1, seat 1; Floor, row 1, seat 2; choose other seats"
    )
    with pytest.raises(Conflict) as last:
        made.choose([], 2, {one.id, two.id})
    assert last.value.detail == "only 1 seat left"
    with pytest.raises(Conflict) as none:
        made.choose([], 1, {one.id, two.id, free.id})
    assert none.value.detail == "only 0 seats left"
