"""Identity event handlers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.identity.events import RegistrationAttempted
from core.identity.model import AccountId
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, request_notifications
from core.shared.clock import Clock
from core.shared.events import Handler


class IdentityContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    def new_uow(self) -> NotificationsUnitOfWork: ...


async def on_registration_attempted(event: RegistrationAttempted, ctx: IdentityContext) -> None:
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.account_id),
                "registration_attempted",
                f"{event.name}:{event.event_id}",
            )
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


HANDLERS: dict[str, Sequence[Handler]] = {RegistrationAttempted.name: [on_registration_attempted]}
