"""Identity domain events."""

from __future__ import annotations

from uuid import UUID

import attrs

from core.shared.events import DomainEvent


@attrs.frozen(kw_only=True)
class PhoneVerified(DomainEvent):
    name = "account.phone_verified"
    account_id: UUID
    phone: str


@attrs.frozen(kw_only=True)
class RegistrationAttempted(DomainEvent):
    """Someone tried to register an email that already has an account."""

    name = "account.registration_attempted"
    account_id: UUID


EVENTS: tuple[type[DomainEvent], ...] = (PhoneVerified, RegistrationAttempted)
