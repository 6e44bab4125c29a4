"""A reminder job killed halfway through a batch sends no reminder twice.

The job runs in a real subprocess on PostgreSQL; it is SIGKILLed while its transaction is
open, after one batch was committed. What was committed stays done; the killed batch rolls
back; the job run again finishes the rest, and a further run finds nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from tests.contract.support import Make
from tests.databases import fresh_postgres_url

from adapters.db.database import SqlDatabase, open_database
from adapters.memory import FixedClock, MemoryNotifier, SteppingClock
from adapters.security.barcodes import BarcodeVault, new_key
from core.booking.reminders import ReminderKind, reminders_for
from core.booking.reminding import send_due_reminders
from core.notifications.services import deliver_notification

pytestmark = pytest.mark.postgres

GUESTS = 30
BATCH = 10
ROOT = Path(__file__).resolve().parents[2]
KEYS, DIGEST_KEY = f"t1:{new_key()}", new_key()  # the test's and the job's barcode keys


async def counts(database: SqlDatabase) -> tuple[int, int, int]:
    """(reminder notifications, distinct dedupe keys, reminders still waiting)."""
    async with database.new_uow() as uow:
        db = uow.session
        sent = await db.fetchval("SELECT count(*) FROM notifications WHERE template = 'reminder'")
        keys = await db.fetchval(
            "SELECT count(DISTINCT dedupe_key) FROM notifications WHERE template = 'reminder'"
        )
        waiting = await db.fetchval("SELECT count(*) FROM reminders WHERE done_at IS NULL")
    return int(sent), int(keys), int(waiting)


def start_job(url: str, now: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "STAGEDOOR_BARCODE_KEYS": KEYS,
        "STAGEDOOR_BARCODE_DIGEST_KEY": DIGEST_KEY,
    }
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests/integration/reminder_job.py"),
            url,
            now,
            str(BATCH),
            str(BATCH + 5),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


async def test_a_job_killed_mid_batch_leaves_no_duplicate_reminders() -> None:
    async with fresh_postgres_url() as url:
        database = await open_database(url, barcodes=BarcodeVault.parse(KEYS, DIGEST_KEY))
        try:
            await database.migrate()
            make = Make(new_uow=database.new_uow, clock=SteppingClock())
            event = await make.event(await make.account(), capacity=GUESTS)
            bookings = [await make.booking(event, await make.account()) for _ in range(GUESTS)]
            async with database.new_uow() as uow:  # what the confirmation handler schedules
                for booking in bookings:
                    ahead = reminders_for(
                        booking.id, booking.guest_id, event.id, event.starts_at, make.clock.now()
                    )
                    await uow.reminders.schedule([r for r in ahead if r.kind is ReminderKind.DAY])
                await uow.commit()
            due = event.starts_at - timedelta(hours=24)

            job = start_job(url, due.isoformat())
            assert job.stdout is not None
            line = await asyncio.to_thread(job.stdout.readline)
            assert line.strip() == "stalled", line
            job.send_signal(signal.SIGKILL)
            job.wait(timeout=10)

            assert await counts(database) == (BATCH, BATCH, GUESTS - BATCH)  # batch two rolled back

            clock = FixedClock(due)
            for _ in range(50):  # the dead connection's locks go when the server notices
                await send_due_reminders(uow=database.new_uow(), clock=clock, limit=BATCH)
                if (await counts(database))[2] == 0:
                    break
                await asyncio.sleep(0.1)
            assert await send_due_reminders(uow=database.new_uow(), clock=clock) == 0
            assert await counts(database) == (GUESTS, GUESTS, 0)

            notifier = MemoryNotifier()
            async with database.new_uow() as uow:
                ids = await uow.session.fetch(
                    "SELECT id FROM notifications WHERE template = 'reminder'"
                )
            for row in ids:
                await deliver_notification(
                    row["id"], uow=database.new_uow(), notifier=notifier, clock=clock
                )
            assert sorted(m.recipient_id for m in notifier.sent) == sorted(
                b.guest_id for b in bookings
            )
        finally:
            await database.close()
