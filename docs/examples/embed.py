"""Stagedoor as a library: publish an event and book seats on SQLite, with no HTTP at all.

Run it:  .venv/bin/python docs/examples/embed.py [sqlite-file | :memory:]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from adapters.memory import FastPasswordHasher, MemoryNotifier
from adapters.memory.database import MemoryDatabase
from adapters.workers.inprocess import InProcessTasks
from core.booking.commands import BookSeats, CancelEvent, PublishEvent
from core.booking.model import EventDetails
from core.booking.services import book_seats, cancel_event, publish_event
from core.identity.commands import Register
from core.identity.services import register
from core.shared.errors import Conflict
from entrypoints.container import build_container
from entrypoints.settings import Settings


async def main(where: str) -> list[str]:
    data_dir = Path(tempfile.mkdtemp(prefix="stagedoor-embed-"))
    settings = Settings(database_url=f"sqlite:///{where}", data_dir=data_dir)
    notifier = MemoryNotifier()  # keeps messages in a list instead of printing them
    tasks = InProcessTasks()  # runs the outbox handlers in this process
    database = MemoryDatabase.open(after_commit=tasks.kick) if where == ":memory:" else None
    platform = await build_container(
        settings, database=database, tasks=tasks, notifier=notifier, hasher=FastPasswordHasher()
    )
    await platform.database.migrate()
    await platform.start()
    try:
        deps = {"hasher": platform.hasher, "phones": platform.phones, "clock": platform.clock}
        host = await register(
            Register("Hanna Host", "hanna@example.org", "s3cret-pass"),
            uow=platform.new_uow(),
            **deps,
        )
        guest = await register(
            Register("Gleb Guest", "gleb@example.org", "s3cret-pass"),
            uow=platform.new_uow(),
            **deps,
        )

        starts = platform.clock.now() + timedelta(days=3)
        event = await publish_event(
            PublishEvent(
                host_id=host.id,
                details=EventDetails(
                    "Film night",
                    "Solaris, 1972",
                    starts,
                    starts + timedelta(hours=3),
                    "Moscow",
                    "Club, hall 2",
                ),
                capacity=3,
            ),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        booking, _ = await book_seats(
            BookSeats(event.id, guest.id, seats=2), uow=platform.new_uow(), clock=platform.clock
        )
        print(f"booked {booking.seats} seats, tickets {[t.barcode for t in booking.tickets]}")
        try:
            await book_seats(
                BookSeats(event.id, guest.id, seats=2), uow=platform.new_uow(), clock=platform.clock
            )
        except Conflict as exc:
            print(f"second booking refused: {exc}")

        await cancel_event(
            CancelEvent(event.id, host.id, reason="projector broke"),
            uow=platform.new_uow(),
            clock=platform.clock,
        )
        await tasks.drain()  # let the outbox handlers notify the guest
        return [m.subject for m in notifier.sent]
    finally:
        await platform.close()


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "embed.db")
    for subject in asyncio.run(main(target)):
        print("notified:", subject)
