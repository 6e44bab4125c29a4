"""Notification event handlers: deliver what was requested."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.notifications.events import NotificationRequested
from core.notifications.ports import NotificationsUnitOfWork, Notifier
from core.notifications.services import deliver_pending
from core.shared.clock import Clock
from core.shared.events import Handler


class NotifyContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def notifier(self) -> Notifier: ...

    def new_uow(self) -> NotificationsUnitOfWork: ...


async def deliver(event: NotificationRequested, ctx: NotifyContext) -> None:
    """Send what is pending, this one among them: under load one run sends a whole batch
    and the runs for the others find nothing left to do. A notification another worker holds
    is skipped here; if that worker's send fails, its retries send it."""
    await deliver_pending(uow=ctx.new_uow(), notifier=ctx.notifier, clock=ctx.clock)


HANDLERS: dict[str, Sequence[Handler]] = {NotificationRequested.name: [deliver]}
