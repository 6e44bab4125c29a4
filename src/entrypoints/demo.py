"""Demo data: a host, a guest and a few upcoming events for a fresh install."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog

from core.booking.commands import BookSeats, PublishEvent
from core.booking.model import EventDetails, Visibility
from core.booking.services import book_seats, publish_event
from core.identity.commands import Register
from core.identity.services import register
from core.shared.money import Money
from entrypoints.container import Container

log = structlog.get_logger("stagedoor.demo")

DEMO_PASSWORD = "demo-password"
HOST_EMAIL = "host@demo.stagedoor.local"
GUEST_EMAIL = "guest@demo.stagedoor.local"


async def load_demo(container: Container) -> bool:
    """Create the demo accounts and events once; False when they already exist."""
    async with container.new_uow() as uow:
        if await uow.accounts.find_by_email(HOST_EMAIL) is not None:
            return False
    deps = {"hasher": container.hasher, "phones": container.phones, "clock": container.clock}
    host = await register(
        Register("Demo Host", HOST_EMAIL, DEMO_PASSWORD), uow=container.new_uow(), **deps
    )
    guest = await register(
        Register("Demo Guest", GUEST_EMAIL, DEMO_PASSWORD), uow=container.new_uow(), **deps
    )
    moscow = ZoneInfo("Europe/Moscow")
    today = container.clock.now().astimezone(moscow).date()
    shows = [
        ("Film night: Solaris", "Moscow", "Cinema club, hall 2", 1, 30, None),
        (
            "Co-watching: the cup final",
            "Moscow",
            "Bar «Stadium», Tverskaya 7",
            3,
            60,
            Money(50000, "RUB"),
        ),
        ("Anime marathon", "Saint Petersburg", "Nevsky 28, 3rd floor", 7, 20, None),
    ]
    for title, city, address, days, capacity, price in shows:
        starts = datetime.combine(today + timedelta(days=days), time(19), moscow)  # 19:00 local
        event = await publish_event(
            PublishEvent(
                host_id=host.id,
                details=EventDetails(
                    title=title,
                    description=f"{title}. Bring friends.",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    city=city,
                    address=address,
                    time_zone="Europe/Moscow",
                ),
                capacity=capacity,
                visibility=Visibility.PUBLIC,
                price=price,
            ),
            uow=container.new_uow(),
            clock=container.clock,
        )
        if price is None:
            await book_seats(
                BookSeats(event_id=event.id, guest_id=guest.id, seats=2),
                uow=container.new_uow(),
                clock=container.clock,
            )
    log.info("demo.loaded", events=len(shows))
    return True
