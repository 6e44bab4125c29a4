"""uuid7: version 7, RFC 9562 variant, Unix milliseconds first so ids sort by creation time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.shared.errors import NotFound
from core.shared.ids import parse_id, uuid7

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)
)


def unix_millis(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


@given(instants)
def test_uuid7_has_version_7_and_rfc_variant(moment: datetime) -> None:
    value = uuid7(moment)
    assert value.version == 7
    assert value.variant == "specified in RFC 4122"
    assert (value.int >> 62) & 0b11 == 0b10


# uuid7 once took its milliseconds from a float, which could land one either
# side of the true value; these properties guard the exact integer arithmetic now used.
@given(instants)
def test_uuid7_starts_with_the_unix_milliseconds_give_or_take_one(moment: datetime) -> None:
    assert abs(unix_millis(moment) - (uuid7(moment).int >> 80)) <= 1


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2039, 2, 3, 5, 47, 34, 740000, tzinfo=UTC),
        datetime(2515, 1, 1, 0, 0, 0, 124999, tzinfo=UTC),
    ],
)
def test_uuid7_timestamp_is_exactly_the_unix_milliseconds(moment: datetime) -> None:
    assert uuid7(moment).int >> 80 == unix_millis(moment)


def test_uuid7_of_a_later_millisecond_sorts_after() -> None:
    moment = datetime(2039, 2, 3, 5, 47, 34, 739500, tzinfo=UTC)
    later = datetime(2039, 2, 3, 5, 47, 34, 740000, tzinfo=UTC)  # the next millisecond
    assert all(uuid7(moment) < uuid7(later) for _ in range(64))


@given(instants, instants)
def test_uuid7_timestamp_never_goes_backwards(a: datetime, b: datetime) -> None:
    early, late = sorted((a, b))
    assert uuid7(early).int >> 80 <= uuid7(late).int >> 80


@given(instants, st.integers(min_value=3, max_value=10**10))
def test_uuid7_ids_3_ms_apart_sort_in_time_order(moment: datetime, gap_ms: int) -> None:
    later = moment + timedelta(milliseconds=gap_ms)
    assert uuid7(moment) < uuid7(later)


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2999, 12, 31),
        timezones=st.just(timezone(timedelta(hours=3))),
    )
)
def test_uuid7_depends_on_the_instant_not_the_offset(moment: datetime) -> None:
    assert uuid7(moment).int >> 80 == uuid7(moment.astimezone(UTC)).int >> 80


def test_uuid7_in_the_same_millisecond_are_distinct() -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    assert len({uuid7(moment) for _ in range(1000)}) == 1000


def test_parse_id_reads_a_uuid() -> None:
    value = uuid7(datetime(2030, 1, 1, tzinfo=UTC))
    assert parse_id(str(value), "event") == value


@pytest.mark.parametrize("raw", ["", "nope", "1234", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", None])
def test_parse_id_of_garbage_names_nothing(raw: str) -> None:
    with pytest.raises(NotFound, match="event not found"):
        parse_id(raw, "event")


def test_uuid7_random_fields_are_all_random() -> None:
    """rand_a (12 bits) and rand_b (62 bits) both vary, at their top and bottom alike."""
    ids = [uuid7(datetime(2030, 1, 1, tzinfo=UTC)).int for _ in range(200)]
    assert len({(i >> 64) & 0xFFF for i in ids}) > 150  # rand_a: ~195 distinct expected
    assert len({(i >> 56) & 0x3F for i in ids}) > 40  # rand_b's top 6 bits: ~61 expected
    assert len({i & 0xFF for i in ids}) > 100  # its bottom 8 bits: ~137 expected
