"""Live conference figures for the API's SSE stream and the dashboard page alike."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

from adapters.http.deps import PlatformDep
from core.distribution import desk
from core.distribution.desk import ConferenceFigures
from core.distribution.model import ConferenceId
from core.identity.model import AccountId
from core.shared.errors import DomainError

REFRESH_EVERY = 10.0
"""Seconds between figures when nothing happens: "the last 5 minutes" moves on by itself."""


async def figure_ticks(
    platform: PlatformDep,
    conference_id: ConferenceId,
    actor: AccountId,
    *,
    until: datetime | None = None,
) -> AsyncIterator[ConferenceFigures]:
    """The figures now, then after every tick of the conference's live channel (or every
    REFRESH_EVERY seconds). Subscribed before the first read, so no change slips between.
    Ends when the caller loses access to the conference, or at `until`."""
    async with platform.live.subscribe(conference_id) as ticks:
        while until is None or platform.clock.now() < until:
            try:
                figures = await desk.conference_figures(
                    conference_id, actor=actor, uow=platform.new_uow(), clock=platform.clock
                )
            except DomainError:  # access withdrawn, or the conference is gone
                return
            yield figures
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REFRESH_EVERY):
                    await ticks.get()
