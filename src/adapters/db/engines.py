"""Piccolo engines from database URLs, and which engine Piccolo's own machinery should use.

Stagedoor may hold a SQLite and a PostgreSQL database in one process at once (tests do).
Piccolo, however, finds "the" engine through `piccolo_conf.DB` (`engine_finder()`), and a
Table class caches the engine it found. So:

* repositories never run queries through Piccolo tables: each unit of work speaks SQL on the
  connection of its own database (`adapters.db.session`);
* the only Piccolo code that needs `engine_finder()` is the migration manager. While
  `migrate(engine)` runs, `bound_engine(engine)` sets a ContextVar, and
  `adapters.db.piccolo_conf.DB` resolves to it; another task migrating another database at
  the same time sees its own engine;
* outside `migrate()` (the `piccolo` CLI), `DB` falls back to the engine named by
  `STAGEDOOR_DATABASE_URL`, or the embedded default SQLite file.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

DEFAULT_URL = "sqlite:///./.stagedoor/stagedoor.db"
SQLITE_BUSY_TIMEOUT = 30.0  # seconds a writer in another process may keep us waiting

_bound: contextvars.ContextVar[Engine | None] = contextvars.ContextVar(
    "stagedoor_piccolo_engine", default=None
)
_fallback: Engine | None = None


class QuietPostgresEngine(PostgresEngine):
    """A PostgresEngine that does not connect while it is being constructed.

    Piccolo's Engine.__init__ runs `check_version()` synchronously, which opens a connection
    (in a thread, blocking the caller) just to warn about old servers. Stagedoor opens its
    pool explicitly and `ping()`s instead.
    """

    async def check_version(self) -> None:
        return None


def engine_kind(url: str) -> str:
    """'sqlite' or 'postgres' for a database URL; ValueError for anything else."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgres"
    raise ValueError(f"database URL must start with sqlite:/// or postgresql://, got {scheme!r}")


def sqlite_path(url: str) -> Path:
    """`sqlite:///./rel/file.db` -> ./rel/file.db, `sqlite:////abs/file.db` -> /abs/file.db."""
    if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
        raise ValueError("a SQLite URL looks like sqlite:///./path/file.db")
    return Path(url.removeprefix("sqlite://").removeprefix("/"))


def make_engine(url: str) -> Engine:
    """A Piccolo engine for the URL; nothing is opened yet (a SQLite file's folder is made)."""
    if engine_kind(url) == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT)
    return QuietPostgresEngine(config={"dsn": url}, extensions=())


@contextlib.contextmanager
def bound_engine(engine: Engine) -> Iterator[Engine]:
    """Make `piccolo_conf.DB` mean `engine` in this task (and tasks it starts)."""
    token = _bound.set(engine)
    try:
        yield engine
    finally:
        _bound.reset(token)


def current_engine() -> Engine:
    """The engine bound in this context, else the one `STAGEDOOR_DATABASE_URL` names."""
    global _fallback
    engine = _bound.get()
    if engine is not None:
        return engine
    if _fallback is None:
        _fallback = make_engine(os.environ.get("STAGEDOOR_DATABASE_URL", DEFAULT_URL))
    return _fallback
