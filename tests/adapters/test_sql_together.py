"""Statements sent together on PostgreSQL: parameters renumbered, each a WITH item."""

from __future__ import annotations

import pytest

from adapters.db.session import plain_read, renumbered, together


def test_parameters_follow_the_statements_before_them() -> None:
    assert (
        renumbered("INSERT INTO t VALUES ($1, $2, $10)", 0) == "INSERT INTO t VALUES ($1, $2, $10)"
    )
    assert (
        renumbered("INSERT INTO t VALUES ($1, $2, $10)", 3) == "INSERT INTO t VALUES ($4, $5, $13)"
    )


def test_statements_become_with_items_and_their_values_one_list() -> None:
    sql, values = together(
        [("INSERT INTO a VALUES ($1)", ["x"]), ("INSERT INTO b VALUES ($1, $2)", ["y", "z"])],
        "UPDATE c SET n = n + $1 RETURNING n",
        [5],
    )
    assert sql == (
        "WITH w0 AS (INSERT INTO a VALUES ($1)), w1 AS (INSERT INTO b VALUES ($2, $3))"
        " UPDATE c SET n = n + $4 RETURNING n"
    )
    assert values == ["x", "y", "z", 5]


def test_without_a_main_statement_the_items_run_alone() -> None:
    assert together([("DELETE FROM a WHERE id = $1", [1])]) == (
        "WITH w0 AS (DELETE FROM a WHERE id = $1) SELECT 1",
        [1],
    )
    assert together([], "SELECT $1", [2]) == ("SELECT $1", [2])


def test_a_statement_with_its_own_with_clause_is_refused() -> None:
    with pytest.raises(ValueError, match="WITH clause"):
        together([("with x AS (SELECT 1) INSERT INTO a SELECT * FROM x", [])])


@pytest.mark.parametrize(
    ("sql", "plain"),
    [
        ("SELECT id FROM events WHERE id = $1", True),
        ("  select 1", True),
        ("SELECT id FROM events WHERE id = $1 FOR NO KEY UPDATE", False),
        ("SELECT id FROM outbox LIMIT 5 FOR UPDATE SKIP LOCKED", False),
        ("SELECT id FROM a FOR SHARE", False),
        ("SELECT id FROM a for key share", False),
        ("UPDATE events SET booked = 1 RETURNING booked", False),
        ("WITH x AS (UPDATE a SET n = 1 RETURNING n) SELECT n FROM x", False),
        ("INSERT INTO a VALUES ($1) RETURNING id", False),
    ],
)
def test_only_a_select_without_a_row_lock_runs_outside_a_transaction(sql: str, plain: bool) -> None:
    assert plain_read(sql) is plain
