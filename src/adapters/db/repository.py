"""What every SQL repository shares: its unit of work's session, row locks, keyset helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from adapters.db.session import Row, Session
from core.shared.paging import Cursor, Page

if TYPE_CHECKING:
    from adapters.db.unit_of_work import SqlUnitOfWork

T = TypeVar("T")


class SqlRepository:
    """A repository speaks SQL on the session of the unit of work it belongs to."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def db(self) -> Session:
        return self._uow.session

    @property
    def for_update(self) -> str:
        """Row locks on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.

        NO KEY UPDATE: the lock of a writer that never changes the key, which unlike FOR UPDATE
        lets other transactions insert rows referencing this one (their foreign-key checks
        take KEY SHARE) while it is held.
        """
        return " FOR NO KEY UPDATE" if self.db.dialect == "postgres" else ""

    def track(self, aggregate: T) -> T:
        return self._uow.track(aggregate)


ROWS_PER_INSERT = 500
"""Rows per multi-row INSERT: 500 rows of 16 values stay far below both engines' limits on
parameters (32,767 for asyncpg, 32,766 for SQLite)."""


@functools.lru_cache(maxsize=1024)
def values_rows(count: int, width: int, first: int = 1) -> str:
    """`($1, ..., $width), ($width+1, ...)` for `count` rows of `width` values."""
    return ", ".join(f"({placeholders(first + row * width, width)})" for row in range(count))


async def insert_rows(
    db: Session, head: str, rows: Sequence[Sequence[Any]], tail: str = "", *, defer: bool = False
) -> None:
    """`{head} VALUES (...), (...){tail}`: the rows in one statement (per ROWS_PER_INSERT),
    one round trip and cheaper on asyncpg than `executemany`; nothing for no rows. `defer`:
    through `Session.defer` (new rows only; see there)."""
    run = db.defer if defer else db.execute
    for start in range(0, len(rows), ROWS_PER_INSERT):
        part = rows[start : start + ROWS_PER_INSERT]
        await run(
            f"{head} VALUES {values_rows(len(part), len(part[0]))}{tail}",
            *(value for row in part for value in row),
        )


@functools.lru_cache(maxsize=1024)
def placeholders(start: int, count: int) -> str:
    """`$start, $start+1, ...` for an IN list of `count` values (both engines accept it)."""
    return ", ".join(f"${n}" for n in range(start, start + count))


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's own wildcards made literal (use with ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_of(
    rows: Sequence[Row], limit: int, build: Callable[[Row], T], key: Callable[[T], Cursor]
) -> Page[T]:
    """Rows fetched with LIMIT limit+1: the page, and a cursor when there is more."""
    items = [build(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items, key(items[-1]) if more and items else None)


def money_fields(amount: Any, currency: Any) -> tuple[int, str] | None:
    return None if amount is None or currency is None else (int(amount), str(currency))
