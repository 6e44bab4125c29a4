"""Every domain event class and every handler, in one place for the outbox relay and codec."""

from __future__ import annotations

from core.booking import events as booking_events
from core.booking import handlers as booking_handlers
from core.distribution import events as distribution_events
from core.distribution import handlers as distribution_handlers
from core.identity import events as identity_events
from core.identity import handlers as identity_handlers
from core.notifications import events as notification_events
from core.notifications import handlers as notification_handlers
from core.partners import events as partner_events
from core.partners import handlers as partner_handlers
from core.payments import events as payment_events
from core.payments import handlers as payment_handlers
from core.resale import events as resale_events
from core.resale import handlers as resale_handlers
from core.shared.events import DomainEvent, Handler, event_types, merge_handlers
from core.subscriptions import events as subscription_events
from core.subscriptions import handlers as subscription_handlers

EVENT_TYPES: dict[str, type[DomainEvent]] = event_types(
    identity_events.EVENTS,
    booking_events.EVENTS,
    notification_events.EVENTS,
    payment_events.EVENTS,
    distribution_events.EVENTS,
    subscription_events.EVENTS,
    partner_events.EVENTS,
    resale_events.EVENTS,
)

HANDLERS: dict[str, list[Handler]] = merge_handlers(
    identity_handlers.HANDLERS,
    booking_handlers.HANDLERS,
    notification_handlers.HANDLERS,
    payment_handlers.HANDLERS,
    distribution_handlers.HANDLERS,
    subscription_handlers.HANDLERS,
    partner_handlers.HANDLERS,
    resale_handlers.HANDLERS,
)
