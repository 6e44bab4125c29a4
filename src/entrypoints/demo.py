"""Demo data for a fresh install: a host (also a conference organiser), a guest (also desk
staff), a few upcoming events, a conference with points, participants and a plan, and the
plans on offer (a pass and monthly plans for fans, conference tiers for organisers)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import structlog

from core.booking.commands import BookSeats, PublishEvent
from core.booking.model import EventDetails, Visibility
from core.booking.services import book_seats, publish_event
from core.distribution import desk, services
from core.distribution import participants as participant_list
from core.distribution.model import Role
from core.distribution.population import synthetic_participants
from core.identity.commands import Register
from core.identity.model import AccountId
from core.identity.services import register
from core.shared.money import Money
from core.shared.perks import Perk
from core.subscriptions.plans import PlanKind, PlanSpec
from core.subscriptions.services import add_plan
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
    plans = await load_plans(container)
    await load_conference(container, host.id, guest.id, today)
    log.info("demo.loaded", events=len(shows), conference=1, plans=plans)
    return True


def _rub(roubles: int) -> Money:
    return Money(roubles * 100, "RUB")


DEMO_PLANS = [
    PlanSpec("festival-pass", "Festival pass", PlanKind.PASS, _rub(990),
             frozenset({Perk.EARLY_ACCESS, Perk.NO_RESALE_FEE}), days=30),
    PlanSpec("fan-monthly", "Fan monthly", PlanKind.MONTHLY, _rub(499),
             frozenset({Perk.NO_RESALE_FEE})),
    PlanSpec("fan-plus", "Fan plus", PlanKind.MONTHLY, _rub(899), frozenset(Perk)),
    PlanSpec("conference-free", "Free", PlanKind.CONFERENCE, _rub(0), participants=50),
    PlanSpec("conference-small", "Small", PlanKind.CONFERENCE, _rub(4_900), participants=300),
    PlanSpec("conference-large", "Large", PlanKind.CONFERENCE, _rub(19_900), participants=2_000),
    PlanSpec("conference-unlimited", "Unlimited", PlanKind.CONFERENCE, _rub(49_900)),
]  # fmt: skip
"""Fans: a pass, two monthly plans to move between; organisers: four conference tiers."""


async def load_plans(container: Container) -> int:
    """Offer the demo plans; how many."""
    for spec in DEMO_PLANS:
        await add_plan(spec, uow=container.new_uow(), clock=container.clock)
    return len(DEMO_PLANS)


FIRST_NAMES = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Алексей"]


async def load_conference(
    container: Container, organiser: AccountId, helper: AccountId, today: date
) -> None:
    """A conference tomorrow morning: two pickup points, 240 participants, a plan applied,
    and the demo guest invited as desk staff."""
    moscow = ZoneInfo("Europe/Moscow")
    starts = datetime.combine(today + timedelta(days=1), time(9), moscow)
    conference = await services.create_conference(
        services.NewConference(
            organiser, "Demo conference", "Expo centre, pavilion 3", starts,
            starts + timedelta(hours=2), "Europe/Moscow",
        ),
        uow=container.new_uow(), clock=container.clock,
    )  # fmt: skip
    for name, desks in (("Hall A", 2), ("Hall B", 1)):
        await services.add_point(
            services.NewPoint(conference.id, name, "by the entrance", desks, 200),
            actor=organiser, uow=container.new_uow(), clock=container.clock,
        )  # fmt: skip
    rows = ["last_name;first_name;email;phone"] + [
        f"{p.last_name};{FIRST_NAMES[n % len(FIRST_NAMES)]};p{n}@demo.stagedoor.local;"
        f"+7 999 000-{n // 100:02d}-{n % 100:02d}"
        for n, p in enumerate(synthetic_participants(240, seed=1))
    ]
    await participant_list.import_participants(
        conference.id, "\n".join(rows).encode(), actor=organiser, uow=container.new_uow(),
        clock=container.clock,
    )  # fmt: skip
    await desk.apply_plan(
        conference.id, actor=organiser, uow=container.new_uow(), clock=container.clock
    )
    _, token = await services.invite_staff(
        conference.id, Role.STAFF, None, actor=organiser, uow=container.new_uow(),
        clock=container.clock,
    )  # fmt: skip
    await services.accept_invitation(
        token, actor=helper, uow=container.new_uow(), clock=container.clock
    )
