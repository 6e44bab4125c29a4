"""Run the reminder job once against a database, in a process of its own, and stall halfway.

    python tests/integration/reminder_job.py DATABASE_URL NOW_ISO BATCH STALL_AFTER

Batches of BATCH reminders are claimed as in production; when the job has requested
STALL_AFTER notifications it prints `stalled` and sleeps inside its open transaction, so the
test can kill it there (SIGKILL: no cleanup runs, the connection just drops).
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime

from adapters.db.database import open_database
from adapters.db.shared import SqlNotifications
from adapters.memory import FixedClock
from adapters.security.barcodes import BarcodeVault
from core.booking.reminding import send_due_reminders


async def main(url: str, now: str, batch: int, stall_after: int) -> None:
    requested = 0
    add_if_absent = SqlNotifications.add_if_absent

    async def counting(self: SqlNotifications, notification: object) -> bool:
        nonlocal requested
        stored = await add_if_absent(self, notification)  # type: ignore[arg-type]
        requested += 1
        if requested == stall_after:
            print("stalled", flush=True)
            await asyncio.sleep(600)
        return stored

    SqlNotifications.add_if_absent = counting  # type: ignore[method-assign]
    vault = BarcodeVault.parse(
        os.environ["STAGEDOOR_BARCODE_KEYS"], os.environ["STAGEDOOR_BARCODE_DIGEST_KEY"]
    )
    database = await open_database(url, pool_min=1, pool_max=2, barcodes=vault)
    try:
        await send_due_reminders(
            uow=database.new_uow(), clock=FixedClock(datetime.fromisoformat(now)), limit=batch
        )
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
