"""Identifiers: UUIDv7, so that ids sort by creation time and keyset paging stays cheap."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from core.shared.errors import NotFound

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def uuid7(now: datetime) -> UUID:
    """A version 7 UUID: 48 bits of Unix milliseconds, then 74 random bits (RFC 9562)."""
    millis = ((now - _EPOCH) // timedelta(milliseconds=1)) & ((1 << 48) - 1)
    random = secrets.randbits(74)  # one system call for both random fields
    rand_a, rand_b = random >> 62, random & ((1 << 62) - 1)
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return UUID(int=value)


def parse_id(raw: str, what: str) -> UUID:
    """Parse an id given by a person; a malformed one simply names nothing."""
    try:
        return UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise NotFound(f"{what} not found") from None
