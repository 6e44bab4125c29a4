"""Rules of the distribution model: what each entity refuses, the message and field it names,
and the values on both sides of every limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from core.distribution.events import RosterChanged
from core.distribution.model import (
    Conference,
    ConferenceChanges,
    ConferenceId,
    PickupPoint,
    PointChanges,
)
from core.identity.model import AccountId
from core.shared.errors import Conflict, ValidationFailed

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
STARTS = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ORGANISER = AccountId(UUID(int=1))
CONF = ConferenceId(UUID(int=2))
TICK = timedelta(microseconds=1)


def refusal(call: object, *args: object, **kwargs: object) -> ValidationFailed:
    """The ValidationFailed that `call(*args, **kwargs)` raises, for its message and field."""
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def conference(**overrides: object) -> Conference:
    fields: dict[str, object] = {
        "organiser_id": ORGANISER,
        "title": "PyCon",
        "venue": "Expo hall",
        "handout_starts_at": STARTS,
        "handout_ends_at": STARTS + timedelta(hours=2),
    }
    fields.update(overrides)
    return Conference.create(now=NOW, **fields)  # type: ignore[arg-type]


def settings(made: Conference) -> tuple[object, ...]:
    """Everything an organiser's edit can change."""
    return (
        made.title,
        made.venue,
        made.handout_starts_at,
        made.handout_ends_at,
        made.time_zone,
        made.service_time,
    )


def point(name: str = "Hall A", stock: int = 10, conference_id: UUID = CONF) -> PickupPoint:
    return PickupPoint.create(ConferenceId(conference_id), name, "", 2, stock, NOW)


# -- conferences -----------------------------------------------------------------------------


def test_a_new_conference_keeps_what_it_was_given_with_tidy_spacing() -> None:
    made = Conference.create(
        ORGANISER,
        "  Py \t Con\n2025 ",
        " Expo   hall ",
        STARTS,
        STARTS + timedelta(hours=3),
        now=NOW,
        time_zone="Europe/Moscow",
        service_time=timedelta(seconds=45),
    )
    assert (made.title, made.venue) == ("Py Con 2025", "Expo hall")
    assert made.organiser_id == ORGANISER
    assert (made.handout_starts_at, made.handout_ends_at) == (STARTS, STARTS + timedelta(hours=3))
    assert (made.time_zone, made.service_time) == ("Europe/Moscow", timedelta(seconds=45))
    assert made.created_at == made.updated_at == NOW
    assert made.pull_events() == []


def test_a_conference_defaults_to_utc_and_thirty_seconds_a_participant() -> None:
    made = conference()
    assert (made.time_zone, made.service_time) == ("UTC", timedelta(seconds=30))


def test_two_conferences_made_at_once_get_different_time_ordered_ids() -> None:
    first, second = conference(), conference()
    assert first.id != second.id
    assert first.id.version == 7


def test_a_conference_title_is_required_and_at_most_200_characters() -> None:
    error = refusal(conference, title=" \t\n ")
    assert (error.detail, error.field) == ("title must not be empty", "title")
    assert conference(title="x" * 200).title == "x" * 200
    error = refusal(conference, title="x" * 201)
    assert (error.detail, error.field) == ("title must be at most 200 characters", "title")
    # spacing is collapsed before the length is measured
    assert conference(title="a" + " " * 300 + "b").title == "a b"


def test_a_conference_venue_may_be_empty_but_not_over_200_characters() -> None:
    assert conference(venue="   ").venue == ""
    assert conference(venue="v" * 200).venue == "v" * 200
    error = refusal(conference, venue="v" * 201)
    assert (error.detail, error.field) == ("venue must be at most 200 characters", "venue")


def test_hand_out_instants_must_carry_a_time_zone() -> None:
    naive = datetime(2025, 6, 2, 9, 0)  # naive on purpose
    error = refusal(conference, handout_starts_at=naive)
    assert error.field == "handout_starts_at"
    assert error.detail == "handout_starts_at must include a time zone offset"
    error = refusal(conference, handout_ends_at=naive + timedelta(hours=1))
    assert error.field == "handout_ends_at"
    assert error.detail == "handout_ends_at must include a time zone offset"


def test_the_hand_out_must_end_after_it_starts() -> None:
    error = refusal(conference, handout_ends_at=STARTS)
    assert (error.detail, error.field) == (
        "the hand-out must end after it starts",
        "handout_ends_at",
    )
    error = refusal(conference, handout_ends_at=STARTS - timedelta(hours=1))
    assert error.field == "handout_ends_at"
    assert conference(handout_ends_at=STARTS + TICK).handout_ends_at == STARTS + TICK


def test_a_hand_out_lasts_at_most_fourteen_days() -> None:
    longest = STARTS + timedelta(days=14)
    assert conference(handout_ends_at=longest).handout_ends_at == longest
    error = refusal(conference, handout_ends_at=longest + TICK)
    assert (error.detail, error.field) == ("a hand-out lasts at most 14 days", "handout_ends_at")


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_with_a_hint(name: str) -> None:
    error = refusal(conference, time_zone=name)
    assert error.field == "time_zone"
    assert error.detail == f"unknown time zone {name!r}; use an IANA name like Europe/Moscow"


def test_the_service_time_lies_between_five_seconds_and_thirty_minutes() -> None:
    assert conference(service_time=timedelta(seconds=5)).service_time == timedelta(seconds=5)
    assert conference(service_time=timedelta(minutes=30)).service_time == timedelta(minutes=30)
    for wrong in (timedelta(seconds=5) - TICK, timedelta(minutes=30) + TICK):
        error = refusal(conference, service_time=wrong)
        assert error.field == "service_seconds"
        assert error.detail == "the service time per participant must be between 5 s and 30 min"


def test_editing_a_conference_changes_only_what_is_given() -> None:
    made = conference()
    later = NOW + timedelta(hours=1)
    made.edit(ConferenceChanges(title="  New   title "), later)
    assert (made.title, made.venue, made.time_zone) == ("New title", "Expo hall", "UTC")
    assert (made.created_at, made.updated_at) == (NOW, later)

    made.edit(ConferenceChanges(venue=""), later)
    assert (made.title, made.venue) == ("New title", "")
    made.edit(ConferenceChanges(time_zone="Asia/Tokyo"), later)
    assert made.time_zone == "Asia/Tokyo"
    made.edit(ConferenceChanges(service_time=timedelta(minutes=2)), later)
    assert made.service_time == timedelta(minutes=2)
    made.edit(ConferenceChanges(handout_ends_at=STARTS + timedelta(days=3)), later)
    made.edit(ConferenceChanges(handout_starts_at=STARTS + timedelta(days=1)), later)
    assert (made.handout_starts_at, made.handout_ends_at) == (
        STARTS + timedelta(days=1),
        STARTS + timedelta(days=3),
    )
    assert (made.title, made.venue, made.time_zone) == ("New title", "", "Asia/Tokyo")
    assert made.service_time == timedelta(minutes=2)


def test_an_empty_edit_only_touches_the_update_time() -> None:
    made = conference(time_zone="Europe/Moscow")
    before = settings(made)
    made.edit(ConferenceChanges(), NOW + timedelta(minutes=5))
    assert settings(made) == before
    assert made.updated_at == NOW + timedelta(minutes=5)


def test_an_edit_is_held_to_the_same_rules_as_a_new_conference() -> None:
    naive = datetime(2025, 6, 2, 9, 0)  # naive on purpose
    cases = [
        (ConferenceChanges(title=" "), "title", "title must not be empty"),
        (ConferenceChanges(title="t" * 201), "title", "title must be at most 200 characters"),
        (ConferenceChanges(venue="v" * 201), "venue", "venue must be at most 200 characters"),
        (
            ConferenceChanges(handout_starts_at=naive),
            "handout_starts_at",
            "handout_starts_at must include a time zone offset",
        ),
        (
            ConferenceChanges(handout_ends_at=naive),
            "handout_ends_at",
            "handout_ends_at must include a time zone offset",
        ),
        (
            ConferenceChanges(time_zone="Nowhere/City"),
            "time_zone",
            "unknown time zone 'Nowhere/City'; use an IANA name like Europe/Moscow",
        ),
        (
            ConferenceChanges(service_time=timedelta(seconds=1)),
            "service_seconds",
            "the service time per participant must be between 5 s and 30 min",
        ),
        (
            ConferenceChanges(handout_starts_at=STARTS + timedelta(hours=2)),
            "handout_ends_at",
            "the hand-out must end after it starts",
        ),
        (
            ConferenceChanges(handout_ends_at=STARTS + timedelta(days=14, seconds=1)),
            "handout_ends_at",
            "a hand-out lasts at most 14 days",
        ),
    ]
    for changes, field, detail in cases:
        made = conference()  # a refused edit may leave fields half-changed: start afresh
        error = refusal(made.edit, changes, NOW + timedelta(hours=1))
        assert (error.field, error.detail) == (field, detail)
        assert made.updated_at == NOW  # a refused edit is no update
    made = conference()
    made.edit(ConferenceChanges(venue="v" * 200, title="t" * 200), NOW)
    assert (made.venue, made.title) == ("v" * 200, "t" * 200)


def test_a_change_note_records_one_roster_event() -> None:
    made = conference()
    later = NOW + timedelta(minutes=1)
    made.note_change("stock", later)
    [event] = made.pull_events()
    assert isinstance(event, RosterChanged)
    assert (event.conference_id, event.what, event.occurred_at) == (made.id, "stock", later)
    assert event.event_id.version == 7


# -- pickup points ---------------------------------------------------------------------------


def test_a_new_point_is_open_and_keeps_what_it_was_given() -> None:
    made = PickupPoint.create(CONF, "  Hall   A ", " 1st  floor ", 3, 250, NOW)
    assert (made.conference_id, made.name, made.location) == (CONF, "Hall A", "1st floor")
    assert (made.desks, made.stock, made.is_open, made.created_at) == (3, 250, True, NOW)
    assert made.id.version == 7
    assert PickupPoint.create(CONF, "B", "", 1, 0, NOW).location == ""


def test_a_point_name_is_required_and_at_most_100_characters() -> None:
    error = refusal(PickupPoint.create, CONF, "  ", "", 1, 0, NOW)
    assert (error.field, error.detail) == ("name", "name must not be empty")
    assert PickupPoint.create(CONF, "n" * 100, "l" * 200, 1, 0, NOW).name == "n" * 100
    error = refusal(PickupPoint.create, CONF, "n" * 101, "", 1, 0, NOW)
    assert (error.field, error.detail) == ("name", "name must be at most 100 characters")
    error = refusal(PickupPoint.create, CONF, "A", "l" * 201, 1, 0, NOW)
    assert (error.field, error.detail) == ("location", "location must be at most 200 characters")


def test_a_point_has_one_to_a_hundred_desks_and_up_to_a_million_packs() -> None:
    assert PickupPoint.create(CONF, "A", "", 1, 0, NOW).desks == 1
    assert PickupPoint.create(CONF, "A", "", 100, 1_000_000, NOW).stock == 1_000_000
    for desks in (0, 101):
        error = refusal(PickupPoint.create, CONF, "A", "", desks, 0, NOW)
        assert (error.field, error.detail) == ("desks", "desks must be between 1 and 100")
    for stock in (-1, 1_000_001):
        error = refusal(PickupPoint.create, CONF, "A", "", 1, stock, NOW)
        assert (error.field, error.detail) == ("stock", "stock must be between 0 and 1000000")


def test_editing_a_point_changes_only_what_is_given() -> None:
    made = PickupPoint.create(CONF, "Hall A", "Ground floor", 2, 10, NOW)
    made.edit(PointChanges(name=" Hall  B "))
    assert (made.name, made.location, made.desks, made.stock, made.is_open) == (
        "Hall B",
        "Ground floor",
        2,
        10,
        True,
    )
    made.edit(PointChanges(location=""))
    made.edit(PointChanges(desks=100))
    made.edit(PointChanges(stock=0))
    made.edit(PointChanges(is_open=False))
    assert (made.name, made.location, made.desks, made.stock, made.is_open) == (
        "Hall B",
        "",
        100,
        0,
        False,
    )
    made.edit(PointChanges(desks=1, stock=1_000_000, is_open=True, location="l" * 200))
    assert (made.desks, made.stock, made.is_open, made.location) == (1, 1_000_000, True, "l" * 200)
    made.edit(PointChanges())
    assert (made.name, made.desks, made.stock, made.is_open) == ("Hall B", 1, 1_000_000, True)


def test_an_edited_point_is_held_to_the_same_rules() -> None:
    made = point()
    cases = [
        (PointChanges(name=" "), "name", "name must not be empty"),
        (PointChanges(name="n" * 101), "name", "name must be at most 100 characters"),
        (PointChanges(location="l" * 201), "location", "location must be at most 200 characters"),
        (PointChanges(desks=0), "desks", "desks must be between 1 and 100"),
        (PointChanges(desks=101), "desks", "desks must be between 1 and 100"),
        (PointChanges(stock=-1), "stock", "stock must be between 0 and 1000000"),
        (PointChanges(stock=1_000_001), "stock", "stock must be between 0 and 1000000"),
    ]
    for changes, field, detail in cases:
        error = refusal(made.edit, changes)
        assert (error.field, error.detail) == (field, detail)
    assert (made.name, made.desks, made.stock) == ("Hall A", 2, 10)


def test_a_point_hands_out_its_stock_one_pack_at_a_time_while_open() -> None:
    made = point("Hall A", stock=1)
    made.take_pack()
    assert made.stock == 0
    with pytest.raises(Conflict) as empty:
        made.take_pack()
    assert empty.value.detail == "Hall A has no packs left; move stock to it first"
    made.edit(PointChanges(stock=5, is_open=False))
    with pytest.raises(Conflict) as closed:
        made.take_pack()
    assert closed.value.detail == "Hall A is closed; hand the pack out at an open point"
    assert made.stock == 5


def test_moving_stock_carries_packs_and_keeps_the_total() -> None:
    source, target = point("A", stock=10), point("B", stock=3)
    source.move_stock_to(target, 1)
    assert (source.stock, target.stock) == (9, 4)
    source.move_stock_to(target, 9)  # everything that is left
    assert (source.stock, target.stock) == (0, 13)


def test_stock_moves_only_between_two_points_of_one_conference() -> None:
    source = point("A", stock=10)
    for target in (source, point("B", conference_id=UUID(int=99))):
        error = refusal(source.move_stock_to, target, 1)
        assert error.detail == "move stock between two points of one conference"
    assert source.stock == 10


def test_a_move_carries_at_least_one_pack_and_no_more_than_there_are() -> None:
    source, target = point("A", stock=3), point("B", stock=0)
    for packs in (0, -2, 1_000_001):
        error = refusal(source.move_stock_to, target, packs)
        assert (error.field, error.detail) == ("packs", "packs must be between 1 and 1000000")
    with pytest.raises(Conflict) as caught:
        source.move_stock_to(target, 4)
    assert caught.value.detail == "A has only 3 packs to give"
    assert (source.stock, target.stock) == (3, 0)
