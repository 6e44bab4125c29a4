"""Keyset paging: an opaque cursor that remembers where the last page ended; never OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import attrs

from core.shared.errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@attrs.frozen
class Cursor:
    """The sort key of the last item a client has seen, e.g. (starts_at, id)."""

    key: tuple[str, ...]

    def encode(self) -> str:
        raw = json.dumps(list(self.key), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, binascii.Error, UnicodeError, RecursionError) as exc:
            raise ValidationFailed("cursor is not one this service issued", field="cursor") from exc
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValidationFailed("cursor is not one this service issued", field="cursor")
        return cls(tuple(values))


@attrs.frozen
class PageRequest:
    """Which page to read: after `cursor`, at most `limit` items."""

    cursor: Cursor | None = None
    limit: int = DEFAULT_LIMIT

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")

    @classmethod
    def parse(cls, cursor: str | None, limit: int | None) -> PageRequest:
        return cls(
            cursor=Cursor.decode(cursor) if cursor else None,
            limit=DEFAULT_LIMIT if limit is None else limit,
        )


@attrs.frozen
class Page(Generic[T]):
    """One page of results and the cursor for the next one (None on the last page)."""

    items: Sequence[T]
    next_cursor: Cursor | None = None


_FORGED = "cursor is not one this service issued"


def instant_id_cursor(instant: datetime, item_id: UUID) -> Cursor:
    """The cursor of a list ordered by (instant, id)."""
    return Cursor((instant.isoformat(), str(item_id)))


def instant_id_after(cursor: Cursor) -> tuple[datetime, UUID]:
    """What `instant_id_cursor` wrote; ValidationFailed for anything else."""
    try:
        instant, item_id = cursor.key
        moment, parsed = datetime.fromisoformat(instant), UUID(item_id)
    except ValueError:
        raise ValidationFailed(_FORGED, field="cursor") from None
    if moment.tzinfo is None:
        raise ValidationFailed(_FORGED, field="cursor")
    return moment, parsed


def id_cursor(item_id: UUID) -> Cursor:
    """The cursor of a list ordered by id alone."""
    return Cursor((str(item_id),))


def id_after(cursor: Cursor) -> UUID:
    """What `id_cursor` wrote; ValidationFailed for anything else."""
    try:
        (item_id,) = cursor.key
        return UUID(item_id)
    except ValueError:
        raise ValidationFailed(_FORGED, field="cursor") from None
