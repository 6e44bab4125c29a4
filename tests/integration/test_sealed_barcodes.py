"""On SQL a barcode is at rest only as AES-GCM ciphertext and a keyed digest, never in clear;
rows written before encryption still read and are found by their plain barcode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.contract.support import Make
from tests.databases import postgres_database, sqlite_database

from adapters.memory import SteppingClock
from entrypoints.container import Database

OPENERS = {"sqlite": sqlite_database, "postgres": postgres_database}


@pytest.fixture(params=sorted(OPENERS))
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with OPENERS[request.param](tmp_path) as opened:
        yield opened


async def test_barcodes_are_stored_sealed_never_in_clear(database: Database) -> None:
    make = Make(new_uow=database.new_uow, clock=SteppingClock())
    host, guest = await make.account(), await make.account()
    booking = await make.booking(await make.event(host), guest, 2)
    async with database.new_uow() as uow:
        rows = await uow.session.fetch(  # type: ignore[attr-defined]
            "SELECT * FROM tickets WHERE booking_id = $1", booking.id
        )
    text = " ".join(str(value) for row in rows for value in dict(row).values())
    assert len(rows) == 2
    for ticket in booking.tickets:
        assert ticket.barcode not in text
    assert all(row["barcode_key"] and row["barcode_sealed"] for row in rows)
    assert all(len(row["barcode_digest"]) == 32 for row in rows)


async def test_a_row_from_before_encryption_still_reads_and_is_found(database: Database) -> None:
    make = Make(new_uow=database.new_uow, clock=SteppingClock())
    host, guest = await make.account(), await make.account()
    booking = await make.booking(await make.event(host), guest, 1)
    ticket = booking.tickets[0]
    async with database.new_uow() as uow:
        await uow.session.execute(  # type: ignore[attr-defined]
            "UPDATE tickets SET barcode_digest = $2, barcode_key = NULL, barcode_sealed = NULL"
            " WHERE id = $1",
            ticket.id,
            ticket.barcode,
        )
        await uow.commit()
    async with database.new_uow() as uow:
        assert (await uow.tickets.get(ticket.id)).barcode == ticket.barcode
        found = await uow.tickets.find_by_barcode(ticket.barcode)
    assert found is not None
    assert found.id == ticket.id
