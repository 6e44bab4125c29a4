"""Schemathesis over the whole API, in process: no input may cause a 5xx.

Two runs, both with a registered user's bearer token: one with free path ids (mostly 404s,
401s and schema refusals) and one with the ids pinned to a real event and booking, so that
generated bodies reach the booking rules too. Besides "no 5xx", the responses must match
what the OpenAPI document promises (status codes, content types, bodies, headers).

Coverage + fuzzing phases, a bounded number of examples and a fixed seed keep it under a
minute and reproducible; set STAGEDOOR_FUZZ_SEED / STAGEDOOR_FUZZ_EXAMPLES to explore more.
"""

from __future__ import annotations

import asyncio
import collections
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status
from schemathesis.engine import events as engine_events
from schemathesis.python import asgi as schemathesis_asgi

from core.booking.commands import BookSeats, PublishEvent
from core.booking.model import Event, EventDetails
from core.booking.services import book_seats, publish_event
from core.identity.commands import Register
from core.identity.services import register
from core.resale.commands import ListTicket
from core.resale.model import EventType, Listing
from core.resale.services import list_ticket
from core.shared.money import Money
from entrypoints.container import Container
from entrypoints.http import create_app

from .apiclient import PASSWORD, memory_platform

SEED = int(os.environ.get("STAGEDOOR_FUZZ_SEED", "20301"))
EXAMPLES = int(os.environ.get("STAGEDOOR_FUZZ_EXAMPLES", "12"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


@attrs.define
class Outcome:
    statuses: collections.Counter[int] = attrs.field(factory=collections.Counter)
    failures: list[str] = attrs.field(factory=list)

    def note(self, event: engine_events.ScenarioFinished) -> None:
        for interaction in event.recorder.interactions.values():
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.status is not Status.SUCCESS:
                    info = check.failure_info
                    said = f"{info.failure.title}: {info.failure.message}" if info else "?"
                    self.failures.append(f"{event.label} {check.name}: {said[:500]}")
        if event.status is Status.ERROR:
            self.failures.append(f"{event.label}: the run errored")


def _config(token: str, parameters: dict[str, str]) -> SchemathesisConfig:
    checks: dict[str, Any] = {"enabled": False, **{name: {"enabled": True} for name in CHECKS}}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
            "parameters": parameters,
            "generation": {"max-examples": EXAMPLES},
            "checks": checks,
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
        }
    )


def _run(schema: Any) -> Outcome:
    outcome = Outcome()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, engine_events.ScenarioFinished):
            outcome.note(event)
        elif isinstance(event, engine_events.NonFatalError | engine_events.FatalError):
            outcome.failures.append(f"engine error: {event!r}"[:500])
    return outcome


async def _seeded(platform: Container) -> tuple[str, dict[str, str]]:
    """A fuzzing account's token, and path ids of an event it may book and a booking of its."""
    deps = {"hasher": platform.hasher, "phones": platform.phones, "clock": platform.clock}
    fuzzer = await register(
        Register("Fuzz", "fuzz@example.org", PASSWORD), uow=platform.new_uow(), **deps
    )
    host = await register(
        Register("Host", "host@example.org", PASSWORD), uow=platform.new_uow(), **deps
    )
    now = platform.clock.now()
    starts = now + timedelta(days=7)
    details = EventDetails("Fuzz night", "", starts, starts + timedelta(hours=2), "Moscow", "")
    event = await publish_event(
        PublishEvent(host.id, details, capacity=1000), uow=platform.new_uow(), clock=platform.clock
    )
    booking, _ = await book_seats(
        BookSeats(event.id, fuzzer.id, 1), uow=platform.new_uow(), clock=platform.clock
    )
    listing = await _listing(platform, event, deps)
    token, _ = platform.tokens.issue(fuzzer, now)
    return token, {
        "path.event_id": str(event.id),
        "path.booking_id": str(booking.id),
        "path.ticket_id": str(booking.tickets[0].id),
        "path.listing_id": str(listing.id),
        "path.organiser_id": str(host.id),
    }


async def _listing(platform: Container, event: Event, deps: dict[str, Any]) -> Listing:
    """A ticket of `event` on resale by a verified seller, for the fuzzer to read and buy."""
    seller = await register(
        Register("Seller", "seller@example.org", PASSWORD), uow=platform.new_uow(), **deps
    )
    async with platform.new_uow() as uow:
        account = await uow.accounts.get(seller.id)
        account.verify_phone("+79991112233", platform.clock.now())
        await uow.accounts.save(account)
        await uow.commit()
    booking, _ = await book_seats(
        BookSeats(event.id, seller.id, 1), uow=platform.new_uow(), clock=platform.clock
    )
    return await list_ticket(
        ListTicket(seller.id, booking.tickets[0].barcode, Money(100, "RUB"), EventType.CONCERT),
        uow=platform.new_uow(),
        clock=platform.clock,
        checkers=platform.checkers,
    )


async def test_schemathesis_finds_no_server_errors_and_no_schema_breaks(tmp_path: Path) -> None:
    platform = await memory_platform(tmp_path)
    token, pinned = await _seeded(platform)
    # Schemathesis serves the app (and runs its lifespan) on its own event-loop thread.
    app = create_app(container=platform)
    try:
        for parameters in ({}, pinned):
            schema = schemathesis.openapi.from_asgi(
                "/schema/openapi.json", app, config=_config(token, parameters)
            )
            outcome = await asyncio.to_thread(_run, schema)
            server_errors = {s: n for s, n in outcome.statuses.items() if s >= 500}
            assert not server_errors, outcome.failures
            assert outcome.failures == []
            assert sum(outcome.statuses.values()) > 200, outcome.statuses
    finally:
        await asyncio.to_thread(schemathesis_asgi.shutdown_lifespans)
