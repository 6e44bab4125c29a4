"""Keyset paging: opaque cursors that survive a round trip and refuse anything else."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from core.shared.errors import ValidationFailed
from core.shared.paging import DEFAULT_LIMIT, MAX_LIMIT, Cursor, PageRequest

keys = st.lists(st.text(), max_size=5).map(tuple)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def is_list_of_strings(raw: bytes) -> bool:
    try:
        value = json.loads(raw)
    except ValueError:
        return False
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


@given(keys)
def test_cursor_survives_a_round_trip(key: tuple[str, ...]) -> None:
    assert Cursor.decode(Cursor(key).encode()) == Cursor(key)


@given(keys)
def test_cursor_token_is_url_safe_without_padding(key: tuple[str, ...]) -> None:
    token = Cursor(key).encode()
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@given(st.text())
@example("")
@example("!!!")
@example("a")
@example("\udcff")
@example(b64(b"\xff\xfe\x00"))
def test_decoding_any_string_gives_a_cursor_of_strings_or_validation_failed(token: str) -> None:
    refused: ValidationFailed | None = None
    try:
        cursor = Cursor.decode(token)
    except ValidationFailed as exc:
        refused = exc
    if refused is not None:
        assert refused.field == "cursor"
    else:
        assert all(isinstance(part, str) for part in cursor.key)


@given(st.binary())
@example(b"")
@example(b"\x80\x81")
@example(b"{}")
def test_cursor_of_bytes_that_are_not_a_json_list_of_strings_is_refused(raw: bytes) -> None:
    assume(not is_list_of_strings(raw))
    with pytest.raises(ValidationFailed, match="not one this service issued"):
        Cursor.decode(b64(raw))


@given(json_values)
@example([1, 2])
@example(["a", None])
@example({"key": ["a"]})
@example("2030-01-01")
def test_cursor_of_json_that_is_not_a_list_of_strings_is_refused(value: object) -> None:
    assume(not (isinstance(value, list) and all(isinstance(v, str) for v in value)))
    with pytest.raises(ValidationFailed):
        Cursor.decode(b64(json.dumps(value).encode()))


def test_cursor_of_deeply_nested_json_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        Cursor.decode(b64(b"[" * 100_000))


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1, 10**6])
def test_page_limit_outside_1_to_100_is_refused(limit: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        PageRequest(limit=limit)
    assert caught.value.field == "limit"


@pytest.mark.parametrize("limit", [1, DEFAULT_LIMIT, MAX_LIMIT])
def test_page_limit_from_1_to_100_is_accepted(limit: int) -> None:
    assert PageRequest(limit=limit).limit == limit


def test_parse_without_cursor_or_limit_reads_the_first_default_page() -> None:
    assert PageRequest.parse(None, None) == PageRequest(cursor=None, limit=DEFAULT_LIMIT)
    assert PageRequest.parse("", None).cursor is None


def test_parse_decodes_the_cursor_and_keeps_the_limit() -> None:
    token = Cursor(("2030-01-01T00:00:00+00:00", "some-id")).encode()
    page = PageRequest.parse(token, 5)
    assert page == PageRequest(Cursor(("2030-01-01T00:00:00+00:00", "some-id")), 5)


def test_parse_refuses_a_forged_cursor_and_a_bad_limit() -> None:
    with pytest.raises(ValidationFailed):
        PageRequest.parse("not a cursor", 5)
    with pytest.raises(ValidationFailed):
        PageRequest.parse(None, 0)
