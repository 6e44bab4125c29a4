"""Cursors and idempotency keys at their edges: the exact token a key makes, every way an id
cursor can be forged, and the words and field a client is shown when one is refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import pytest

from core.shared.errors import ValidationFailed
from core.shared.idempotency import IdempotencyRecord, fingerprint, replayed, validate_key
from core.shared.paging import (
    Cursor,
    PageRequest,
    id_after,
    id_cursor,
    instant_id_after,
    instant_id_cursor,
)

FORGED = "cursor is not one this service issued"
ITEM = UUID("018f1c2e-0000-7000-8000-000000000001")
AT = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def refusal(call: Callable[..., object], *args: object) -> tuple[str, str | None]:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)
    return caught.value.detail, caught.value.field


def test_a_cursor_is_compact_json_in_unpadded_url_safe_base64() -> None:
    assert Cursor(("a", "b")).encode() == "WyJhIiwiYiJd"  # ["a","b"], no spaces, no padding
    token = Cursor(("x",)).encode()
    assert base64.urlsafe_b64decode(token + "==") == b'["x"]'
    assert not token.endswith("=")


@pytest.mark.parametrize("key", [(), ("a",), ("ab",), ("abc",), ("a", "bc")])
def test_a_cursor_decodes_whatever_padding_its_token_lost(key: tuple[str, ...]) -> None:
    assert Cursor.decode(Cursor(key).encode()) == Cursor(key)


@pytest.mark.parametrize(
    "token",
    [
        "%%%",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b"[1]").decode(),
    ],
)
def test_a_forged_cursor_token_names_the_cursor_field(token: str) -> None:
    assert refusal(Cursor.decode, token) == (FORGED, "cursor")


def test_a_page_limit_out_of_range_says_what_range() -> None:
    assert refusal(PageRequest, None, 0) == ("limit must be between 1 and 100", "limit")


def test_an_id_cursor_gives_back_its_id() -> None:
    assert id_after(id_cursor(ITEM)) == ITEM


@pytest.mark.parametrize(
    "key",
    [(), ("not-a-uuid",), (str(ITEM), str(ITEM)), ("",)],
    ids=["empty", "garbage", "two-parts", "blank"],
)
def test_an_id_cursor_of_anything_but_one_uuid_is_forged(key: tuple[str, ...]) -> None:
    assert refusal(id_after, Cursor(key)) == (FORGED, "cursor")


def test_an_id_cursor_survives_the_trip_through_its_token() -> None:
    token = id_cursor(ITEM).encode()
    assert json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == [str(ITEM)]
    assert id_after(Cursor.decode(token)) == ITEM


def test_an_instant_id_cursor_gives_back_its_instant_and_id() -> None:
    assert instant_id_after(instant_id_cursor(AT, ITEM)) == (AT, ITEM)


@pytest.mark.parametrize(
    "key",
    [
        (AT.isoformat(),),
        ("yesterday", str(ITEM)),
        (AT.isoformat(), "not-a-uuid"),
        ("2030-01-01T12:00:00", str(ITEM)),  # no offset: not one we wrote
    ],
    ids=["one-part", "bad-instant", "bad-id", "naive-instant"],
)
def test_an_instant_id_cursor_of_anything_else_is_forged(key: tuple[str, ...]) -> None:
    assert refusal(instant_id_after, Cursor(key)) == (FORGED, "cursor")


def test_a_refused_idempotency_key_says_what_a_key_may_be() -> None:
    assert refusal(validate_key, "") == (
        "Idempotency-Key must be 1 to 255 printable characters",
        "Idempotency-Key",
    )


def test_a_key_reused_for_another_request_says_to_use_a_new_key() -> None:
    first = IdempotencyRecord("scope", "key", fingerprint({"seats": 1}), ITEM, AT)
    assert refusal(replayed, first, fingerprint({"seats": 2})) == (
        "this Idempotency-Key was already used with a different request; use a new key",
        "Idempotency-Key",
    )
