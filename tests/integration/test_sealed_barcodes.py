"""On SQL a barcode is at rest only as AES-GCM ciphertext and a keyed digest, never in clear;
rows written before encryption still read and are found by their plain barcode, and the
reseal job seals them, and re-seals everything under the new key after a rotation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tests.contract.support import Make, unique_phone
from tests.databases import _open, fresh_postgres_url, postgres_database, sqlite_database

from adapters.db import reseal
from adapters.memory import SteppingClock
from adapters.security.barcodes import BarcodeVault
from core.resale.commands import ListTicket
from core.resale.model import EventType, Listing, ListingDetails
from core.resale.services import list_ticket
from core.shared.money import Money
from core.tickets.model import Ticket
from entrypoints.container import Database

OPENERS = {"sqlite": sqlite_database, "postgres": postgres_database}


@pytest.fixture(params=sorted(OPENERS))
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with OPENERS[request.param](tmp_path) as opened:
        yield opened


async def left_in_clear(database: Database, ticket: Ticket) -> None:
    """The ticket's row as a version from before encryption stored it: the plain barcode in
    the digest column, nothing sealed."""
    async with database.new_uow() as uow:
        await uow.session.execute(  # type: ignore[attr-defined]
            "UPDATE tickets SET barcode_digest = $2, barcode_key = NULL, barcode_sealed = NULL"
            " WHERE id = $1",
            ticket.id,
            ticket.barcode,
        )
        await uow.commit()


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
    await left_in_clear(database, ticket)
    async with database.new_uow() as uow:
        assert (await uow.tickets.get(ticket.id)).barcode == ticket.barcode
        found = await uow.tickets.find_by_barcode(ticket.barcode)
    assert found is not None
    assert found.id == ticket.id


async def test_the_reseal_job_seals_rows_left_in_clear(database: Database) -> None:
    make = Make(new_uow=database.new_uow, clock=SteppingClock())
    host, guest = await make.account(), await make.account()
    booking = await make.booking(await make.event(host), guest, 2)
    legacy, kept = booking.tickets
    await left_in_clear(database, legacy)
    assert await database.reseal_barcodes(1) == 1
    assert await database.reseal_barcodes() == 0  # nothing left; the sealed row is left alone
    async with database.new_uow() as uow:
        rows = await uow.session.fetch(  # type: ignore[attr-defined]
            "SELECT * FROM tickets WHERE booking_id = $1", booking.id
        )
        assert (await uow.tickets.get(legacy.id)).barcode == legacy.barcode
        found = await uow.tickets.find_by_barcode(legacy.barcode)
    assert found is not None
    assert found.id == legacy.id
    text = " ".join(str(value) for row in rows for value in dict(row).values())
    assert legacy.barcode not in text
    assert kept.barcode not in text
    assert all(row["barcode_sealed"] and len(row["barcode_digest"]) == 32 for row in rows)


@pytest.mark.parametrize("engine", sorted(OPENERS))
async def test_after_a_key_rotation_the_job_reseals_every_barcode_under_the_new_key(
    engine: str, tmp_path: Path
) -> None:
    old = BarcodeVault.ephemeral()
    rotated = BarcodeVault(
        {"k2": AESGCM.generate_key(bit_length=256), **old.keys}, "k2", old.digest_key
    )
    async with _url(engine, tmp_path) as url:
        first = await _open(url, None, barcodes=old)
        try:
            make = Make(new_uow=first.new_uow, clock=SteppingClock())
            host, guest = await make.account(), await make.account()
            booking = await make.booking(await make.event(host), guest, 3)
            listing = await _listed(first, make)
        finally:
            await first.close()
        second = await _open(url, None, barcodes=rotated)
        try:
            assert await second.reseal_barcodes(2) == 2  # in batches
            assert await second.reseal_barcodes() == 2  # the last ticket and the listing
            assert await second.reseal_barcodes() == 0
            async with second.new_uow() as uow:
                keys = await uow.session.fetch(  # type: ignore[attr-defined]
                    "SELECT barcode_key FROM tickets UNION ALL SELECT barcode_key FROM listings"
                )
                read = [(await uow.tickets.get(t.id)).barcode for t in booking.tickets]
                again = await uow.listings.get(listing.id)
            assert {row["barcode_key"] for row in keys} == {"k2"}
            assert read == [t.barcode for t in booking.tickets]
            assert again.barcode == listing.barcode
        finally:
            await second.close()
    only_new = BarcodeVault({"k2": rotated.keys["k2"]}, "k2", old.digest_key)
    assert only_new.current == "k2"  # the old key can go once nothing is left under it


@contextlib.asynccontextmanager
async def _url(engine: str, tmp_path: Path) -> AsyncIterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'rotation.db'}"
    else:
        async with fresh_postgres_url() as url:
            yield url


async def _listed(database: Database, make: Make) -> Listing:
    seller = await make.verified_account(unique_phone())
    details = ListingDetails("Gig", EventType.OTHER, make.later(days=3), "Omsk", "Club")
    return await list_ticket(
        ListTicket(
            seller.id, "KASSA-ROTATE-1", Money(100, "RUB"), EventType.OTHER, "kassa", details
        ),
        uow=database.new_uow(),
        clock=make.clock,
        checkers={},
    )


async def test_a_table_found_done_is_left_alone_for_a_while(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding nothing scans the whole table, so a done table waits IDLE seconds; a row an
    older version leaves in clear meanwhile is sealed once that time is up."""
    make = Make(new_uow=database.new_uow, clock=SteppingClock())
    host, guest = await make.account(), await make.account()
    booking = await make.booking(await make.event(host), guest, 1)
    assert await database.reseal_barcodes() == 0  # both tables done
    (ticket,) = booking.tickets
    await left_in_clear(database, ticket)
    assert await database.reseal_barcodes() == 0  # not looked at yet
    later = reseal.monotonic() + reseal.IDLE + 1
    monkeypatch.setattr(reseal, "monotonic", lambda: later)
    assert await database.reseal_barcodes() == 1
    assert await database.reseal_barcodes() == 0
