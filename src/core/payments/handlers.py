"""Payment event handlers: tell payers about their money. Idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.identity.model import AccountId
from core.notifications.ports import NotificationsUnitOfWork
from core.notifications.services import NotificationRequest, request_notifications
from core.payments.events import RefundSucceeded
from core.shared.clock import Clock
from core.shared.events import Handler


class PaymentsContext(Protocol):
    @property
    def clock(self) -> Clock: ...

    def new_uow(self) -> NotificationsUnitOfWork: ...


async def on_refund_succeeded(event: RefundSucceeded, ctx: PaymentsContext) -> None:
    await request_notifications(
        [
            NotificationRequest(
                AccountId(event.payer_id),
                "refund_succeeded",
                f"{event.name}:{event.refund_id}",
                {"amount": str(event.amount), "reason": event.reason},
            )
        ],
        uow=ctx.new_uow(),
        clock=ctx.clock,
    )


HANDLERS: dict[str, Sequence[Handler]] = {RefundSucceeded.name: [on_refund_succeeded]}
