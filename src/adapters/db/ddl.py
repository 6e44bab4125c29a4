"""DDL that Piccolo's column options cannot express on both engines, for hand-written migrations.

PostgreSQL takes CHECK constraints on existing tables; SQLite does not, so there a CHECK is a
pair of triggers that abort with the constraint's name (adapters.db.session maps both
spellings to the same Conflict).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs
from piccolo.engine import engine_finder


@attrs.frozen
class Check:
    """`condition` must hold for every row of `table`; `columns` are those it reads."""

    name: str
    table: str
    condition: str
    columns: tuple[str, ...]

    def postgres(self) -> list[str]:
        return [f"ALTER TABLE {self.table} ADD CONSTRAINT {self.name} CHECK ({self.condition})"]

    def sqlite(self) -> list[str]:
        """Triggers with CHECK's semantics: a condition that is NULL lets the row pass."""
        test = _new_row(self.condition, self.columns)
        return [
            f"CREATE TRIGGER {self.name}_{event} BEFORE {on} ON {self.table}"
            f" WHEN NOT ({test}) BEGIN SELECT RAISE(ABORT, '{self.name}'); END"
            for event, on in (
                ("insert", "INSERT"),
                ("update", f"UPDATE OF {', '.join(self.columns)}"),
            )
        ]


def _new_row(condition: str, columns: Sequence[str]) -> str:
    """The condition about the row being written: every column name prefixed with NEW."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, columns)) + r")\b")
    return pattern.sub(r"NEW.\1", condition)


async def apply(
    both: Sequence[str], checks: Sequence[Check] = (), *, postgres_first: Sequence[str] = ()
) -> None:
    """Run `postgres_first` (PostgreSQL only), `both`, and the checks, in the dialect of the
    engine being migrated."""
    engine = engine_finder()
    assert engine is not None, "no Piccolo engine is bound"
    sqlite = engine.engine_type == "sqlite"
    statements = ([] if sqlite else list(postgres_first)) + list(both)
    for check in checks:
        statements += check.sqlite() if sqlite else check.postgres()
    for statement in statements:
        await engine.run_ddl(statement)  # inside the migration's transaction
