"""Distribution event handlers: wake the live dashboards of the conference concerned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.distribution.events import PackDelivered, RosterChanged
from core.distribution.ports import LiveUpdates
from core.shared.events import Handler


class LiveContext(Protocol):
    @property
    def live(self) -> LiveUpdates: ...


async def refresh_dashboards(event: PackDelivered | RosterChanged, ctx: LiveContext) -> None:
    """Best effort, and harmless when repeated: a dashboard only re-reads its figures."""
    await ctx.live.publish(event.conference_id)


HANDLERS: dict[str, Sequence[Handler]] = {
    PackDelivered.name: [refresh_dashboards],
    RosterChanged.name: [refresh_dashboards],
}
