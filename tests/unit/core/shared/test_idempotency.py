"""Idempotency keys: a retry returns the first result; a reused key with a new body is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.shared.errors import ValidationFailed
from core.shared.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyRecord,
    fingerprint,
    replayed,
    validate_key,
)
from core.shared.ids import uuid7

NOW = datetime(2030, 1, 1, tzinfo=UTC)
payloads = st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=5)


def record(fingerprint_: str) -> IdempotencyRecord:
    return IdempotencyRecord("scope", "key", fingerprint_, uuid7(NOW), NOW)


@pytest.mark.parametrize("key", ["a", "order-42", "x" * MAX_KEY_LENGTH, "日本語 キー"])
def test_key_of_1_to_255_printable_characters_is_accepted(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * (MAX_KEY_LENGTH + 1), "line\nbreak", "tab\t", "\x00"])
def test_empty_long_or_unprintable_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_key(key)
    assert caught.value.field == "Idempotency-Key"


@given(payloads)
def test_fingerprint_ignores_key_order(payload: dict[str, object]) -> None:
    reordered = dict(reversed(list(payload.items())))
    assert fingerprint(payload) == fingerprint(reordered)


@given(payloads, payloads)
def test_fingerprints_differ_when_payloads_differ(
    a: dict[str, object], b: dict[str, object]
) -> None:
    assert (fingerprint(a) == fingerprint(b)) == (a == b)


def test_fingerprint_is_a_sha256_hex_digest() -> None:
    digest = fingerprint({"event_id": "e", "seats": 2})
    assert len(digest) == 64
    assert int(digest, 16) >= 0


def test_new_key_is_not_a_replay() -> None:
    assert replayed(None, fingerprint({"seats": 1})) is None


def test_same_key_and_same_request_replays_the_first_result() -> None:
    first = record(fingerprint({"seats": 1}))
    assert replayed(first, fingerprint({"seats": 1})) == first.resource_id


def test_same_key_with_a_different_request_is_refused() -> None:
    first = record(fingerprint({"seats": 1}))
    with pytest.raises(ValidationFailed, match="different request") as caught:
        replayed(first, fingerprint({"seats": 2}))
    assert caught.value.field == "Idempotency-Key"
