"""Barcodes brought under the current key: rows an older version stored in clear get sealed,
rows sealed under a key that is no longer the first get sealed again under the current one.

Encryption is this adapter's business alone (the core holds plain barcodes), so the chore is
here too, run by the periodic jobs in small batches: a batch is one transaction, its rows
locked with SKIP LOCKED on PostgreSQL so that two workers never take the same row and a
booking or a resale touching a ticket is never kept waiting. Ticket and listing writes
leave the barcode columns alone once a row exists, so a sweep cannot undo them, nor they a
sweep. After a rotation the old key can be dropped from the settings once a sweep reports
nothing left under it.

Finding nothing costs a scan of the table (no index serves "in clear or under another key"),
and this process seals every row it writes under the current key, so after a sweep that
found a table done the job leaves that table alone for `IDLE` seconds, or until the current
key changes. Rows an older version writes meanwhile (a rolling upgrade) wait for that long.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING
from uuid import UUID

from adapters.db.session import Session, skip_locked

if TYPE_CHECKING:
    from adapters.db.database import SqlDatabase
    from adapters.security.barcodes import BarcodeVault

TABLES = ("tickets", "listings")
IDLE = 3600.0
"""Seconds a table found done is left alone (the current key unchanged)."""


async def reseal_barcodes(database: SqlDatabase, limit: int = 200) -> int:
    """Seal up to `limit` barcodes stored in clear or under an old key; how many were."""
    done = 0
    current = database.barcodes.current
    for table in TABLES:
        if done >= limit:
            break
        key, until = database.resealed.get(table, ("", 0.0))
        if key == current and monotonic() < until:
            continue
        uow = database.new_uow()
        async with uow:
            found = await _reseal(uow.session, table, database.barcodes, limit - done)
            await uow.commit()
        if found < limit - done:  # the table is done (or another worker holds the rest)
            database.resealed[table] = (current, monotonic() + IDLE)
        done += found
    return done


async def _reseal(session: Session, table: str, vault: BarcodeVault, limit: int) -> int:
    skip = skip_locked(session.dialect)
    rows = await session.fetch(
        f"SELECT id, barcode_digest, barcode_key, barcode_sealed FROM {table}"
        f" WHERE barcode_sealed IS NULL OR barcode_key <> $1 ORDER BY id LIMIT $2{skip}",
        vault.current,
        limit,
    )
    updates = []
    for row in rows:
        row_id, sealed = UUID(str(row["id"])), row["barcode_sealed"]
        # a row from before encryption keeps its plain barcode in the digest column
        barcode = (
            row["barcode_digest"]
            if sealed is None
            else vault.open(row_id, row["barcode_key"], sealed)
        )
        key_id, resealed = vault.seal(row_id, barcode)
        updates.append((row_id, key_id, resealed, vault.digest(barcode)))
    if updates:  # one batch: the rows stay locked for as short a time as it takes
        await session.executemany(
            f"UPDATE {table} SET barcode_key = $2, barcode_sealed = $3, barcode_digest = $4"
            " WHERE id = $1",
            updates,
        )
    return len(rows)
